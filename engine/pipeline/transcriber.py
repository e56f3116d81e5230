"""The transcriber: faster-whisper over a chunked, VAD-planned audio stream.

One :class:`WhisperTranscriber` holds one loaded model and may be used from several threads
at once (the queue worker and the direct worker): CTranslate2 runs concurrent calls on
``num_workers`` replicas that share the same weights.
"""

from __future__ import annotations

import dataclasses
import gc
import itertools
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from engine.errors import AudioDecodeError
from engine.pipeline import sentences
from engine.pipeline.audio import SAMPLE_RATE, PcmStream
from engine.pipeline.vad import BATCHED, speech_segments
from engine.pipeline.windows import Plan, Prefetch, SpeechMap
from engine.pipeline.windows import plans as plan_stream
from engine.replacements import Replacements, Table
from engine.result import Segment, Transcript, Word
from engine.task import TranscribeOptions

log = logging.getLogger(__name__)

#: Called with the fraction of the audio done and, when one was just decoded, a segment.
#: It may raise (cancel, timeout, shutdown) to stop the transcription at that point.
ProgressFn = Callable[[float, Segment | None], None]

_DEFAULT_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
#: faster-whisper's own thresholds for "no speech here" and "repetition loop".
_NO_SPEECH, _LOGPROB_FLOOR, _MAX_COMPRESSION = 0.6, -1.0, 2.4
#: A window's fallback reading is kept unless its log-probability is this much below the first.
_WORSE = 1.0


class Transcriber(Protocol):
    """Turns an audio file into a transcript, reporting progress as it goes.

    ``model`` is the loaded faster-whisper model (live streams decode with it too);
    ``device`` and ``compute_type`` are what it runs on, as resolved from ``auto``.
    """

    model: Any
    device: str
    compute_type: str

    def transcribe(
        self, source: str, options: TranscribeOptions, report: ProgressFn
    ) -> Transcript: ...


@dataclass(frozen=True)
class DecodeSettings:
    """How the transcriber decodes, set once per engine from the app's settings.

    Only what is not a setting has a default here; the rest comes from the app's settings,
    where each is declared.
    """

    decode_mode: str
    batch_size: int  # 0: chosen for the device
    beam_size: int
    batched_min_seconds: float
    #: A batched window that fails sequential decoding's thresholds is decoded again as
    #: sequential decoding would (temperature fallback, silence skipped).
    fallback: bool
    #: The word-replacement table applied to every segment (REPLACEMENTS).
    replacements: Table
    #: Speech left after a batched window's last word that is read again (0: never).
    tail_seconds: float = 2.0


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
        device: str,
        compute_type: str,
        cpu_threads: int,
        settings: DecodeSettings,
        num_workers: int = 2,
    ) -> None:
        from faster_whisper import WhisperModel

        self.device, self.compute_type = resolve_device(device, compute_type)
        self.settings = settings
        if self.settings.batch_size <= 0:
            # Measured on a 2-core CPU (bench/RESULTS.md): batches above 2-4 windows gain no
            # speed there, while each window of beam search holds its own attention cache.
            batch = 16 if self.device == "cuda" else 2
            self.settings = dataclasses.replace(self.settings, batch_size=batch)
        self.model = WhisperModel(
            model_path,
            device=self.device,
            compute_type=self.compute_type,
            cpu_threads=cpu_threads,
            num_workers=num_workers,
        )
        self.replacements = Replacements(self.settings.replacements)
        # Every file's stream ends with a full collection (PyAV keeps resampler buffers until
        # one, engine/pipeline/audio.py); the engine's modules and the loaded model live as
        # long as the process, and moved out of the collector's reach that collection takes
        # well under a millisecond instead of tens (of the ~90 ms a short task cost over raw
        # faster-whisper's loop, bench/RESULTS.md). Garbage is collected first, not frozen.
        gc.collect()
        gc.freeze()

    def mode_for(self, options: TranscribeOptions, duration: float | None) -> str:
        mode = options.decode_mode or self.settings.decode_mode
        if mode != "auto":
            return mode
        if duration is not None and duration <= self.settings.batched_min_seconds:
            return "sequential"
        return "batched"

    def transcribe(self, source: str, options: TranscribeOptions, report: ProgressFn) -> Transcript:
        audio = PcmStream(source)  # the host probed the file; its header is all we need
        mode = self.mode_for(options, audio.duration)
        log.info("Transcribing %.1f s in %s mode", audio.duration or -1, mode)
        last = [0.0]  # the progress last reported: repeated while the planner reads silence

        def reported(progress: float, segment: Segment | None) -> None:
            last[0] = progress
            report(progress, segment)

        stop = threading.Event()
        blocks = _until(stop, iter(audio))
        plans = Prefetch(
            plan_stream(blocks, mode, options.vad_filter, self.settings.batch_size),
            # A long silence yields no plan for minutes: the report is where cancel, timeout
            # and shutdown are noticed, so it is made every second meanwhile too.
            idle=lambda: report(last[0], None),
        )
        run = _Run(self, options, mode, audio.duration or 0.0, reported)
        try:
            for plan in plans:
                run.feed(plan)
        finally:
            stop.set()  # the planner stops at its next block, however deep in silence
            plans.close()
        return run.finish()

    def encode(self, text: str) -> list[int]:
        """The text tokens of ``text`` (for segments cut from a window's words)."""
        return list(self.model.hf_tokenizer.encode(text, add_special_tokens=False).ids)

    def decode(
        self,
        plan: Plan,
        options: TranscribeOptions,
        mode: str,
        language: str | None,
        prompt: str | None,
        pipeline: Any = None,
    ) -> tuple[Iterator[Any], Any]:
        """Start faster-whisper on one plan; returns its segment generator and info.

        ``pipeline`` is the batched pipeline to use (it carries word-timing state).
        """
        common: dict[str, Any] = {
            "language": language,
            "task": options.task,
            "beam_size": options.beam_size or self.settings.beam_size,
            "word_timestamps": options.word_timestamps,
            "initial_prompt": prompt,
            "hotwords": options.hotwords,
            "vad_filter": False,  # the planner already kept only the speech
        }
        if mode == "sequential":
            common["temperature"] = (
                [options.temperature]
                if options.temperature is not None
                else list(_DEFAULT_TEMPERATURES)
            )
            segments, info = self.model.transcribe(plan.speech, **common)
        else:
            common["temperature"] = options.temperature or 0.0
            # Each window is read whole (no timestamp tokens, so no word is left for a later
            # window that batched decoding never has) and aligned word by word; segments are
            # then cut from the word times (engine/pipeline/sentences.py).
            common["word_timestamps"] = True
            segments, info = pipeline.transcribe(
                plan.speech,
                clip_timestamps=plan.windows,
                batch_size=self.settings.batch_size,
                without_timestamps=True,
                **common,
            )
        return segments, info


def _until(stop: threading.Event, blocks: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
    """``blocks`` until ``stop`` is set."""
    for block in blocks:
        if stop.is_set():
            return
        yield block


class _Run:
    """The state carried from plan to plan of one file: ids, language, prompt, progress."""

    def __init__(
        self,
        owner: WhisperTranscriber,
        options: TranscribeOptions,
        mode: str,
        duration: float,
        report: ProgressFn,
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
        # Word timing looks at the gap since the last speech; faster-whisper carries that
        # across batches in its own time line (all speech, concatenated), and so do we.
        self.speech_offset = 0.0
        self.last_speech = 0.0

    def _fraction(self, seconds: float) -> float:
        if self.duration <= 0:
            return 0.0
        return max(0.0, min(seconds / self.duration, 0.999))

    def feed(self, plan: Plan) -> None:
        self.decoded_seconds = max(self.decoded_seconds, plan.end)
        if plan.speech.size >= SAMPLE_RATE // 10:
            self._decode(plan)
        self.report(self._fraction(plan.end), None)

    def _decode(self, plan: Plan) -> None:
        pipeline = None
        if self.mode == "batched":
            from faster_whisper import BatchedInferencePipeline

            # One per call: it holds per-call state, and the two lanes decode concurrently.
            pipeline = BatchedInferencePipeline(self.owner.model)
            pipeline.last_speech_timestamp = self.last_speech - self.speech_offset
        generator, info = self.owner.decode(
            # Every plan starts as faster-whisper starts a file, with the user's prompt only:
            # the previous plan's text as a prompt was measured to make tiny.en skip whole
            # windows after a seam (33% WER on a 6-minute read, against 17% without).
            plan,
            self.options,
            self.mode,
            self.language,
            self.options.initial_prompt,
            pipeline,
        )
        if self.language is None:
            self.language = info.language
            self.language_probability = info.language_probability
        speech_map = plan.time_map()
        raws: Iterable[Any] = generator
        if pipeline is not None:
            raws = self._with_tails(plan, list(generator))
            self.last_speech = pipeline.last_speech_timestamp + self.speech_offset
        elif not self.options.vad_filter:
            raws = _heard_in(plan.speech, generator)
        for raw in raws:
            # Whisper's own segments can span a whole window: cut where sentences end.
            decoded = _convert(raw, len(self.segments), speech_map)
            for segment in sentences.split(decoded, self.owner.encode):
                self._correct(segment)
                segment.id = len(self.segments)
                if not self.options.word_timestamps:
                    segment.words = []
                self.segments.append(segment)
                self.report(self._fraction(segment.end), segment)
        self.speech_offset += plan.speech.size / SAMPLE_RATE

    def _correct(self, segment: Segment) -> None:
        """The replacement table applied to ``segment`` (its tokens follow its text)."""
        before = segment.text
        self.owner.replacements.segment(segment)
        if segment.text != before:
            segment.tokens = self.owner.encode(segment.text)

    def _with_tails(self, plan: Plan, raws: list[Any]) -> list[Any]:
        """A batch's segments, each window's followed by what its decode left out at its end.

        Read whole, Whisper still sometimes ends a window early (end of text predicted with
        seconds of speech left: 8 words lost in an hour of loops, measured). A window whose
        last word ends ``tail_seconds`` before the window does has that tail read again
        as a window of its own, as sequential decoding would seek back to it.
        """
        starts = [w["start"] for w in plan.windows]
        by_window: list[list[Any]] = [[] for _ in starts]
        for raw in raws:
            nearest = min(range(len(starts)), key=lambda i: abs(starts[i] - raw.seek / 100))
            by_window[nearest].append(raw)
        complete = []
        for window, found in zip(plan.windows, by_window):
            complete += self._checked(plan, window, found)
        return complete

    def _checked(self, plan: Plan, window: dict[str, float], found: list[Any]) -> list[Any]:
        """A window's segments: kept (with its tail), dropped as silence, or read again.

        Batched decoding has no temperature fallback: a window that fails its thresholds is
        decoded again alone, sequentially. Without VAD, in a window the model thinks holds no
        speech, only the text where Silero VAD hears speech is kept: there Whisper reads
        silence, noise and music as "you" or "Thank you." with a fair log-probability,
        which the thresholds alone let through (raw faster-whisper too).
        """
        if not self.owner.settings.fallback or not found:
            return found + self._tail(plan, window, found)
        spans = None
        if not self.options.vad_filter and found[0].no_speech_prob > _NO_SPEECH:
            spans = _speech_spans(plan.speech, window)
            if not spans:
                log.debug("Dropping a window without speech (%r)", "".join(r.text for r in found))
                return []
        kept = found + self._tail(plan, window, found)
        if _fails(found):
            again, first = self._again(plan, window, found[0].seek), _logprob(found)
            # The first reading stays when the fallback is far less likely (on hard audio, high
            # temperatures make up words in other scripts), or when a window the first reading
            # found likely (it only looped) is skipped as silence by the fallback.
            worse = _logprob(again) < first - _WORSE if again else first >= _LOGPROB_FLOOR
            if worse:
                log.debug("Keeping a window's first reading over its fallback (%r)", again)
            else:
                kept = again
        return kept if spans is None else [raw for raw in kept if _overlaps(raw, spans)]

    def _again(self, plan: Plan, window: dict[str, float], seek: int) -> list[Any]:
        """One window decoded again as sequential decoding reads it: with timestamps, the
        temperature fallback, and a window of silence skipped."""
        lo, hi = _samples(window["start"]), _samples(window["end"])
        log.debug("Decoding the window at %.1f s of speech again, with fallback", lo / SAMPLE_RATE)
        alone = dataclasses.replace(plan, speech=plan.speech[lo:hi], windows=[])
        options = dataclasses.replace(self.options, word_timestamps=True)
        generator, _ = self.owner.decode(
            alone, options, "sequential", self.language, self.options.initial_prompt
        )
        offset = lo / SAMPLE_RATE  # the window's audio starts there in the plan's speech
        done = self.segments[-1].end if self.segments else 0.0
        again = []
        for raw in generator:
            again.append(_shifted(raw, offset, seek))
            self.report(self._fraction(done), None)  # cancel is noticed between its segments
        return again

    def _tail(self, plan: Plan, window: dict[str, float], found: list[Any]) -> list[Any]:
        words = [w for raw in found for w in raw.words or []]
        wanted = self.owner.settings.tail_seconds
        if not words or wanted <= 0 or window["end"] - words[-1].end < wanted:
            return []
        from faster_whisper import BatchedInferencePipeline

        covered = float(words[-1].end)
        log.debug("Reading %.1f s left at the end of a window again", window["end"] - covered)
        tail = dataclasses.replace(plan, windows=[{"start": covered, "end": window["end"]}])
        pipeline = BatchedInferencePipeline(self.owner.model)
        pipeline.last_speech_timestamp = covered
        generator, _ = self.owner.decode(
            tail, self.options, "batched", self.language, self.options.initial_prompt, pipeline
        )
        # Placed in the window it belongs to (the seek names the window).
        return [dataclasses.replace(raw, seek=found[0].seek) for raw in generator if _heard(raw)]

    def finish(self) -> Transcript:
        if self.decoded_seconds <= 0:
            raise AudioDecodeError("No audio could be decoded from the file")
        return Transcript(
            language=self.language or "",
            language_probability=self.language_probability,
            duration=self.decoded_seconds,
            segments=self.segments,
            task=self.options.task,
        )


def _fails(found: list[Any]) -> bool:
    """Whether a batched window's reading fails the thresholds of sequential decoding's
    temperature fallback: too repetitive (a loop) or too unlikely (noise read as words;
    silence is unlikely too, and sequential decoding then skips the window)."""
    from faster_whisper.transcribe import get_compression_ratio

    text = "".join(raw.text for raw in found).strip()
    return bool(
        get_compression_ratio(text) > _MAX_COMPRESSION or found[0].avg_logprob < _LOGPROB_FLOOR
    )


def _logprob(raws: list[Any]) -> float:
    """The average log-probability of a window's segments, weighted by their lengths."""
    weights = [max(raw.end - raw.start, 1e-3) for raw in raws]
    return sum(w * raw.avg_logprob for w, raw in zip(weights, raws, strict=True)) / sum(weights)


def _samples(seconds: float) -> int:
    """A window bound (seconds of speech, half a sample past the sample) as a sample index."""
    return int(seconds * SAMPLE_RATE)


def _speech_spans(speech: np.ndarray, window: dict[str, float]) -> list[tuple[float, float]]:
    """Where Silero VAD (as the batched planner runs it) hears speech in ``window``, in
    seconds of the plan's speech."""
    lo = _samples(window["start"])
    audio = speech[lo : _samples(window["end"])]
    return [
        ((lo + s.start) / SAMPLE_RATE, (lo + s.end) / SAMPLE_RATE)
        for s in speech_segments([audio], BATCHED)
    ]


def _heard_in(speech: np.ndarray, raws: Iterable[Any]) -> Iterator[Any]:
    """Sequentially decoded segments without those read from silence (issue 19, 16).

    The guard of batched windows (see ``_checked``) for sequential decoding without VAD: a
    segment the model thinks holds no speech is kept only where Silero VAD hears speech in
    the 30 s window it was decoded from; faster-whisper's own test (no-speech probability
    and a log-probability under -1) lets "You" through on a silent file.
    """
    spans: dict[int, list[tuple[float, float]]] = {}
    for raw in raws:
        if raw.no_speech_prob > _NO_SPEECH:
            seek = int(raw.seek)
            if seek not in spans:
                start = seek / 100
                window = {"start": start, "end": min(start + 30.0, speech.size / SAMPLE_RATE)}
                spans[seek] = _speech_spans(speech, window)
            if not _overlaps(raw, spans[seek]):
                log.debug("Dropping a segment read from silence (%r)", raw.text)
                continue
        yield raw


def _overlaps(raw: Any, spans: list[tuple[float, float]]) -> bool:
    """Whether a segment's words (or, without words, the segment) meet any span."""
    times = [(w.start, w.end) for w in raw.words or []] or [(raw.start, raw.end)]
    return any(start < hi and lo < end for start, end in times for lo, hi in spans)


def _shifted(raw: Any, offset: float, seek: int) -> Any:
    """A segment of one window decoded alone, in the times of the plan's speech."""
    words = [
        dataclasses.replace(w, start=w.start + offset, end=w.end + offset) for w in raw.words or []
    ]
    return dataclasses.replace(
        raw, seek=seek, start=raw.start + offset, end=raw.end + offset, words=words
    )


def _heard(raw: Any) -> bool:
    """Whether a re-read tail holds speech, by the thresholds sequential decoding uses."""
    silent = raw.no_speech_prob > _NO_SPEECH and raw.avg_logprob < _LOGPROB_FLOOR
    return bool(raw.text.strip()) and not silent and raw.compression_ratio <= _MAX_COMPRESSION


def _convert(raw: Any, index: int, speech_map: SpeechMap) -> Segment:
    """A faster-whisper segment (times on the plan's speech) in file time.

    As in faster-whisper, a word takes the silence offset of the speech chunk holding its
    middle; unlike it, a word on a chunk boundary goes with the chunk it starts, and nothing
    leaves the window the segment was decoded from.
    """
    lo, hi = speech_map.window_of(int(raw.seek) / 100)
    words = []
    for w in raw.words or []:
        start, end = float(w.start), float(w.end)
        chunk = speech_map.chunk_of((start + end) / 2, lo, hi, later=True)
        words.append(
            Word(
                w.word,
                speech_map.place(start, chunk, lo, hi),
                speech_map.place(end, chunk, lo, hi),
                float(w.probability),
            )
        )
    for earlier, later in itertools.pairwise(words):
        later.start = max(later.start, earlier.end)
        later.end = max(later.end, later.start)
    if words:
        start, end = words[0].start, words[-1].end
    else:
        start_chunk = speech_map.chunk_of(raw.start, lo, hi, later=True)
        end_chunk = speech_map.chunk_of(raw.end, lo, hi, later=False)
        start = speech_map.place(float(raw.start), start_chunk, lo, hi)
        end = speech_map.place(float(raw.end), end_chunk, lo, hi)
    return Segment(
        id=index,
        start=min(start, end),
        end=end,
        text=raw.text,
        seek=int(raw.seek),
        tokens=[int(t) for t in raw.tokens],
        temperature=float(raw.temperature or 0.0),
        avg_logprob=float(raw.avg_logprob),
        compression_ratio=float(raw.compression_ratio),
        no_speech_prob=float(raw.no_speech_prob),
        words=words,
    )
