"""Streaming voice activity detection, identical to faster-whisper's over a whole file.

faster-whisper runs Silero VAD over the whole decoded file at once, which costs memory in
proportion to the file's length. :class:`SileroFrames` feeds the same model frame by frame
(its LSTM state and 64-sample context carried across blocks, which gives bit-identical
probabilities): the one Silero frame loop, also under the live streams' silence tracker.
:class:`StreamingVad` runs faster-whisper's segmentation rules over it incrementally, so
speech segments come out as soon as they are final, with the same boundaries, in bounded
memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from engine.pipeline.audio import SAMPLE_RATE

FRAME = 512  # samples in one Silero frame (32 ms)
_CONTEXT = 64
_BATCH = 1024  # frames per model call (~33 s): bounds the model's working memory


@dataclass(frozen=True)
class VadSettings:
    """faster-whisper's ``VadOptions``; the defaults of its sequential mode."""

    threshold: float = 0.5
    min_speech_duration_ms: int = 0
    max_speech_duration_s: float = float("inf")
    min_silence_duration_ms: int = 2000
    speech_pad_ms: int = 400


#: What faster-whisper's batched pipeline uses.
BATCHED = VadSettings(max_speech_duration_s=30, min_silence_duration_ms=160)
#: faster-whisper's sequential defaults, but with a five-minute cap on one segment: the audio
#: of an open segment is held until it ends, and unbroken speech could last hours.
SEQUENTIAL = VadSettings(max_speech_duration_s=300)


class SileroFrames:
    """Silero VAD over 16 kHz audio arriving in blocks of any size: the speech probability
    of each whole 512-sample frame, as faster-whisper gets it over the whole file."""

    def __init__(self) -> None:
        from faster_whisper.vad import get_vad_model

        self._session = get_vad_model().session
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(_CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)  # samples not yet in a frame
        self.frames = 0  # frames run through the model

    def push(self, samples: np.ndarray) -> np.ndarray:
        """The probabilities of the frames ``samples`` completes; the rest waits for more."""
        data = np.concatenate([self._pending, samples]) if self._pending.size else samples
        n = data.size // FRAME
        self._pending = data[n * FRAME :].copy()
        if n == 0:
            return np.zeros(0, dtype=np.float32)
        frames = data[: n * FRAME].reshape(n, FRAME).astype(np.float32, copy=False)
        contexts = np.concatenate([self._context[None, :], frames[:-1, -_CONTEXT:]])
        self._context = frames[-1, -_CONTEXT:].copy()
        batch = np.concatenate([contexts, frames], axis=1)
        out = []
        for i in range(0, len(batch), _BATCH):
            probs, self._h, self._c = self._session.run(
                None, {"input": batch[i : i + _BATCH], "h": self._h, "c": self._c}
            )
            out.append(probs)
        self.frames += n
        return np.concatenate(out).reshape(-1)

    def finish(self) -> np.ndarray:
        """The last frame's probability: faster-whisper pads the audio with zeros to a whole
        frame, plus one more frame when the length is already whole; those frames count."""
        return self.push(np.zeros(FRAME - self._pending.size, dtype=np.float32))


@dataclass
class Speech:
    """A speech segment: samples ``start``..``end`` of the stream, and their audio."""

    start: int
    end: int
    audio: np.ndarray


class _Segmenter:
    """faster-whisper's ``get_speech_timestamps`` rules, one probability at a time."""

    def __init__(self, s: VadSettings) -> None:
        self.threshold = s.threshold
        self.neg_threshold = max(s.threshold - 0.15, 0.01)
        self.min_speech = SAMPLE_RATE * s.min_speech_duration_ms / 1000
        self.pad = SAMPLE_RATE * s.speech_pad_ms / 1000
        self.max_speech = SAMPLE_RATE * s.max_speech_duration_s - FRAME - 2 * self.pad
        self.min_silence = SAMPLE_RATE * s.min_silence_duration_ms / 1000
        self.min_silence_at_max = SAMPLE_RATE * 98 / 1000
        self.triggered = False
        self.current: dict[str, int] = {}
        self.temp_end = self.prev_end = self.next_start = 0

    def _close(self, end: int, out: list[dict[str, int]], keep: bool = True) -> None:
        self.current["end"] = end
        if keep:
            out.append(self.current)
        self.current = {}
        self.prev_end = self.next_start = self.temp_end = 0

    def step(self, i: int, prob: float, out: list[dict[str, int]]) -> None:
        here = FRAME * i
        if prob >= self.threshold and self.temp_end:
            self.temp_end = 0
            if self.next_start < self.prev_end:
                self.next_start = here
        if prob >= self.threshold and not self.triggered:
            self.triggered = True
            self.current["start"] = here
            return
        long = self.triggered and here - self.current["start"] > self.max_speech
        if long and not self._split(here, out):
            return
        if prob < self.neg_threshold and self.triggered:
            if not self.temp_end:
                self.temp_end = here
            if here - self.temp_end > self.min_silence_at_max:
                self.prev_end = self.temp_end
            if here - self.temp_end < self.min_silence:
                return
            long_enough = self.temp_end - self.current["start"] > self.min_speech
            self._close(self.temp_end, out, keep=long_enough)
            self.triggered = False

    def _split(self, here: int, out: list[dict[str, int]]) -> bool:
        """Cut a segment grown past the maximum; False when this frame is done with."""
        if not self.prev_end:
            self._close(here, out)
            self.triggered = False
            return False
        restart = self.next_start >= self.prev_end
        next_start = self.next_start
        self._close(self.prev_end, out)
        if restart:
            self.current["start"] = next_start
        else:
            self.triggered = False
        return True

    def end(self, length: int, out: list[dict[str, int]]) -> None:
        if self.current and length - self.current["start"] > self.min_speech:
            self.current["end"] = length
            out.append(self.current)
        self.current = {}

    def earliest_open(self) -> int | None:
        return self.current.get("start") if self.current else None


class StreamingVad:
    """Feed blocks of 16 kHz audio; get final, padded speech segments with their audio."""

    def __init__(self, settings: VadSettings = SEQUENTIAL) -> None:
        self._silero = SileroFrames()
        self._seg = _Segmenter(settings)
        self._buffer = np.zeros(0, dtype=np.float32)  # audio kept for segments to come
        self._buffer_start = 0
        self._raw: list[dict[str, int]] = []  # segments found, not yet padded and emitted
        self._last_end: int | None = None  # padded start of the next segment, when known
        self._length = 0
        self._first = True

    def _step(self, probs: np.ndarray) -> None:
        """Run the segmentation rules over the frames just through the model."""
        first = self._silero.frames - probs.size
        for k, prob in enumerate(probs):
            self._seg.step(first + k, float(prob), self._raw)

    def push(self, block: np.ndarray) -> list[Speech]:
        self._buffer = np.concatenate([self._buffer, block]) if self._buffer.size else block
        self._length += block.size
        self._step(self._silero.push(block))
        done = self._emit(final=False)
        self._trim()
        return done

    def finish(self) -> list[Speech]:
        self._step(self._silero.finish())
        self._seg.end(self._length, self._raw)
        return self._emit(final=True)

    def _emit(self, final: bool) -> list[Speech]:
        """Pad and emit every segment whose padding no longer depends on a later one."""
        pad = self._seg.pad
        out = []
        while self._raw and (final or len(self._raw) > 1):
            speech = self._raw.pop(0)
            start = int(max(0, speech["start"] - pad)) if self._first else self._last_end or 0
            self._first = False
            if self._raw:
                following = self._raw[0]
                silence = following["start"] - speech["end"]
                if silence < 2 * pad:
                    end = speech["end"] + int(silence // 2)
                    self._last_end = int(max(0, following["start"] - silence // 2))
                else:
                    end = int(min(self._length, speech["end"] + pad))
                    self._last_end = int(max(0, following["start"] - pad))
            else:
                end = int(min(self._length, speech["end"] + pad))
            out.append(self._cut(int(start), end))
        return out

    def _cut(self, start: int, end: int) -> Speech:
        a, b = start - self._buffer_start, end - self._buffer_start
        return Speech(start, end, self._buffer[max(0, a) : b].copy())

    def _trim(self) -> None:
        """Drop audio no segment to come can reach back to."""
        pad = int(self._seg.pad) + FRAME
        keep = self._length - pad
        for candidate in (self._seg.earliest_open(), *(s["start"] for s in self._raw)):
            if candidate is not None:
                keep = min(keep, candidate - pad)
        drop = keep - self._buffer_start
        if drop > 0:
            self._buffer = self._buffer[drop:]
            self._buffer_start += drop


def speech_segments(blocks: Iterable[np.ndarray], settings: VadSettings) -> Iterator[Speech]:
    """Every speech segment of the stream, in order, as soon as it is final."""
    vad = StreamingVad(settings)
    for block in blocks:
        yield from vad.push(block)
    yield from vad.finish()
