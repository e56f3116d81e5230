"""The transcriber: faster-whisper over a chunked audio stream.

One :class:`WhisperTranscriber` holds one loaded model and may be used from several threads
at once (the queue worker and the direct worker): CTranslate2 runs concurrent calls on
``num_workers`` replicas that share the same weights.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from engine.audio import SAMPLE_RATE, probe, stream_pcm
from engine.chunking import Chunk, chunk_stream
from engine.errors import AudioDecodeError
from engine.result import Segment, Transcript, Word
from engine.task import TranscribeOptions

log = logging.getLogger(__name__)

#: Called with the fraction of the audio done and, when one was just decoded, a segment.
#: It may raise (cancel, timeout, shutdown) to stop the transcription at that point.
ProgressFn = Callable[[float, Segment | None], None]

_DEFAULT_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
_PROMPT_CARRY_CHARS = 200


class Transcriber(Protocol):
    """Turns an audio file into a transcript, reporting progress as it goes."""

    def transcribe(
        self, source: str, options: TranscribeOptions, report: ProgressFn
    ) -> Transcript: ...


@dataclass(frozen=True)
class DecodeSettings:
    """How the transcriber decodes, set once per engine from the app's settings."""

    decode_mode: str = "auto"
    batch_size: int = 8
    beam_size: int = 5
    chunk_seconds: float = 240.0
    batched_min_seconds: float = 60.0


def resolve_device(device: str, compute_type: str) -> tuple[str, str]:
    """Turn ``auto`` into CUDA when CTranslate2 sees a GPU, and pick its best compute type."""
    import ctranslate2

    if device == "auto":
        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    if compute_type == "auto":
        supported = ctranslate2.get_supported_compute_types(device)
        if device == "cuda":
            compute_type = "float16" if "float16" in supported else "float32"
        else:
            compute_type = "int8" if "int8" in supported else "float32"
    return device, compute_type


class WhisperTranscriber:
    """faster-whisper behind the :class:`Transcriber` protocol."""

    def __init__(
        self,
        model_path: str,
        *,
        device: str = "auto",
        compute_type: str = "auto",
        cpu_threads: int = 0,
        num_workers: int = 2,
        settings: DecodeSettings | None = None,
    ) -> None:
        from faster_whisper import WhisperModel

        self.device, self.compute_type = resolve_device(device, compute_type)
        self.settings = settings or DecodeSettings()
        self.model = WhisperModel(
            model_path,
            device=self.device,
            compute_type=self.compute_type,
            cpu_threads=cpu_threads,
            num_workers=num_workers,
        )
        self._vad_lock = threading.Lock()

    def mode_for(self, options: TranscribeOptions, duration: float | None) -> str:
        mode = options.decode_mode or self.settings.decode_mode
        if mode != "auto":
            return mode
        if duration is not None and duration < self.settings.batched_min_seconds:
            return "sequential"
        return "batched"

    def transcribe(
        self, source: str, options: TranscribeOptions, report: ProgressFn
    ) -> Transcript:
        info = probe(source)
        duration = info.duration
        mode = self.mode_for(options, duration)
        log.info("Transcribing %.1f s in %s mode", duration or -1, mode)
        run = _ChunkRun(self, options, mode, duration or 0.0, report)
        for chunk in chunk_stream(stream_pcm(source), self.settings.chunk_seconds):
            run.feed(chunk)
        return run.finish()

    def decode_chunk(
        self, samples: np.ndarray, options: TranscribeOptions, mode: str, language: str | None,
        prompt: str | None,
    ) -> tuple[Iterator[Any], Any]:
        """Start faster-whisper on one chunk; returns its segment generator and info."""
        common: dict[str, Any] = {
            "language": language,
            "task": options.task,
            "beam_size": options.beam_size or self.settings.beam_size,
            "word_timestamps": options.word_timestamps,
            "initial_prompt": prompt,
        }
        if options.temperature is not None:
            common["temperature"] = options.temperature
        if mode == "sequential":
            if options.temperature is None:
                common["temperature"] = list(_DEFAULT_TEMPERATURES)
            return self.model.transcribe(samples, vad_filter=options.vad_filter, **common)
        from faster_whisper import BatchedInferencePipeline

        if not options.vad_filter:
            common["clip_timestamps"] = _fixed_windows(samples.size)
        if options.temperature is None:
            common["temperature"] = 0.0
        # A pipeline object per call: it keeps per-call state, and calls run concurrently.
        pipeline = BatchedInferencePipeline(self.model)
        return pipeline.transcribe(
            samples,
            vad_filter=options.vad_filter,
            batch_size=self.settings.batch_size,
            without_timestamps=False,
            **common,
        )


def _fixed_windows(n_samples: int) -> list[dict[str, float]]:
    """30-second windows over the whole chunk, for batched decoding without VAD."""
    total = n_samples / SAMPLE_RATE
    starts = np.arange(0.0, total, 30.0)
    return [{"start": float(s), "end": float(min(s + 30.0, total))} for s in starts]


class _ChunkRun:
    """The state carried from chunk to chunk of one file: ids, language, prompt, progress."""

    def __init__(
        self, owner: WhisperTranscriber, options: TranscribeOptions, mode: str,
        duration: float, report: ProgressFn,
    ) -> None:
        self.owner = owner
        self.options = options
        self.mode = mode
        self.duration = duration
        self.report = report
        self.language = options.language
        self.language_probability = 1.0 if options.language else 0.0
        self.segments: list[Segment] = []
        self.decoded_seconds = 0.0

    def _prompt(self) -> str | None:
        if not self.segments:
            return self.options.initial_prompt
        if self.mode != "sequential":
            return self.options.initial_prompt
        tail = "".join(s.text for s in self.segments[-8:]).strip()
        return tail[-_PROMPT_CARRY_CHARS:] or self.options.initial_prompt

    def _fraction(self, seconds: float) -> float:
        if self.duration <= 0:
            return 0.0
        return max(0.0, min(seconds / self.duration, 0.999))

    def feed(self, chunk: Chunk) -> None:
        self.decoded_seconds = chunk.end
        if chunk.samples.size < SAMPLE_RATE // 10:
            self.report(self._fraction(chunk.end), None)
            return
        generator, info = self.owner.decode_chunk(
            chunk.samples, self.options, self.mode, self.language, self._prompt()
        )
        if self.language is None:
            self.language = info.language
            self.language_probability = info.language_probability
        for raw in generator:
            segment = _convert(raw, len(self.segments)).shifted(chunk.start, len(self.segments))
            segment.end = min(segment.end, chunk.end)
            segment.start = min(segment.start, segment.end)
            self.segments.append(segment)
            self.report(self._fraction(segment.end), segment)
        self.report(self._fraction(chunk.end), None)

    def finish(self) -> Transcript:
        if self.decoded_seconds <= 0:
            raise AudioDecodeError("No audio could be decoded from the file")
        self.duration = self.decoded_seconds
        return Transcript(
            language=self.language or "",
            language_probability=self.language_probability,
            duration=self.decoded_seconds,
            segments=self.segments,
            task=self.options.task,
        )


def _convert(raw: Any, index: int) -> Segment:
    words: Iterable[Any] = raw.words or []
    return Segment(
        id=index,
        start=float(raw.start),
        end=float(raw.end),
        text=raw.text,
        seek=int(raw.seek),
        tokens=[int(t) for t in raw.tokens],
        temperature=float(raw.temperature or 0.0),
        avg_logprob=float(raw.avg_logprob),
        compression_ratio=float(raw.compression_ratio),
        no_speech_prob=float(raw.no_speech_prob),
        words=[Word(w.word, float(w.start), float(w.end), float(w.probability)) for w in words],
    )
