"""Speech windows: what the model decodes, planned as the audio streams in.

Speech segments come from :mod:`engine.pipeline.vad` (the same segments faster-whisper finds over a
whole file) or, without VAD, from :mod:`engine.pipeline.chunking` (30-second pieces cut at the
quietest moment). They are packed into windows of at most 30 s of speech, as
faster-whisper's batched pipeline packs them, and a :class:`Plan` is handed to the model as
soon as ``batch_size`` windows are closed. Memory holds about one batch whatever the length
of the file, and the windows are the ones an unchunked run decodes. Planning runs in its own
thread (:class:`Prefetch`), so decoding and VAD overlap the model's work.
"""

from __future__ import annotations

import bisect
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.pipeline.audio import SAMPLE_RATE
from engine.pipeline.chunking import chunk_stream
from engine.pipeline.vad import BATCHED, SEQUENTIAL, Speech, speech_segments

WINDOW = 30 * SAMPLE_RATE


@dataclass
class Plan:
    """One batch of decoding work.

    ``speech`` is the audio the model sees, the concatenation of ``speech_chunks`` (sample
    ranges of the original file, to map times back); ``windows`` are the batched windows in
    seconds of ``speech``; ``end`` is how far into the file everything has been planned.
    """

    speech: np.ndarray
    speech_chunks: list[dict[str, int]]
    windows: list[dict[str, float]]
    end: float

    def time_map(self) -> SpeechMap:
        return SpeechMap(self.speech_chunks, self.windows)


class SpeechMap:
    """Maps times on a plan's speech (silence removed) back to times in the file.

    faster-whisper's ``restore_speech_timestamps`` truncates times to samples, so a word at
    the very start of a window can land in the silence before it. Here a time is placed in
    the speech chunk it belongs to, exactly, and never outside its own window.
    """

    def __init__(self, chunks: list[dict[str, int]], windows: list[dict[str, float]]) -> None:
        self.chunks = chunks
        self.offsets = [0]
        for c in chunks:
            self.offsets.append(self.offsets[-1] + c["end"] - c["start"])
        # The chunk range of each window: a window starts where a chunk starts.
        bounds = [round(w["start"] * SAMPLE_RATE - 0.5) for w in windows] or [0]
        self.window_starts = [bisect.bisect_left(self.offsets, b) for b in bounds]

    def window_of(self, seek_time: float) -> tuple[int, int]:
        """The chunk index range of the window that starts nearest ``seek_time``.

        faster-whisper truncates a window's offset to 10 ms (its ``seek``), so the segments
        of a window may start a little before it: the nearest start is the right one.
        """
        sample = seek_time * SAMPLE_RATE
        starts = [self.offsets[i] for i in self.window_starts]
        k = min(range(len(starts)), key=lambda i: abs(starts[i] - sample))
        stop = self.window_starts[k + 1] if k + 1 < len(self.window_starts) else len(self.chunks)
        return self.window_starts[k], stop

    def chunk_of(self, speech_time: float, lo: int, hi: int, later: bool) -> int:
        """The chunk holding ``speech_time``; on a boundary, the later one if ``later``."""
        sample = speech_time * SAMPLE_RATE
        index = bisect.bisect_right(self.offsets, sample + (0.5 if later else -0.5)) - 1
        return min(max(index, lo), hi - 1)

    def place(self, speech_time: float, chunk: int, lo: int, hi: int) -> float:
        """``speech_time`` in file seconds, with the silence before ``chunk`` added back,
        kept within the window of chunks ``lo``..``hi``."""
        sample = self.chunks[chunk]["start"] + speech_time * SAMPLE_RATE - self.offsets[chunk]
        return min(max(sample, self.chunks[lo]["start"]), self.chunks[hi - 1]["end"]) / SAMPLE_RATE


class _Counted:
    """Passes blocks through, counting samples: how far the stream has been read."""

    def __init__(self, blocks: Iterable[np.ndarray]) -> None:
        self.blocks = blocks
        self.seen = 0

    def __iter__(self) -> Iterator[np.ndarray]:
        for block in self.blocks:
            self.seen += block.size
            yield block


def _pieces(blocks: Iterable[np.ndarray], mode: str, vad: bool) -> Iterator[Speech]:
    if vad:
        # Sequential VAD has no length cap in faster-whisper; five minutes bounds memory and
        # only moves where a very long stretch of unbroken speech is split.
        return speech_segments(blocks, BATCHED if mode == "batched" else SEQUENTIAL)
    return (
        Speech(c.offset, c.offset + c.samples.size, c.samples)
        for c in chunk_stream(blocks, chunk_seconds=30, search_seconds=5)
        if c.samples.size
    )


#: Sequential decoding starts afresh (no carried context) at each plan: few seams read best.
SEQUENTIAL_PLAN_WINDOWS = 10


def plans(blocks: Iterable[np.ndarray], mode: str, vad: bool, batch_windows: int) -> Iterator[Plan]:
    """Plans of ``batch_windows`` windows (batched) or five minutes of speech (sequential)."""
    counted = _Counted(blocks)
    batched = mode == "batched"
    closed: list[list[Speech]] = []
    current: list[Speech] = []
    length = 0
    for piece in _pieces(counted, mode, vad):
        size = piece.end - piece.start
        if batched and current and length + size > WINDOW:
            closed.append(current)
            current, length = [], 0
        current.append(piece)
        length += size
        if batched and len(closed) >= batch_windows:
            yield _plan(closed, batched, current[0].start)
            closed = []
        elif not batched and length >= SEQUENTIAL_PLAN_WINDOWS * WINDOW:
            yield _plan([current], batched, counted.seen)
            current, length = [], 0
    if current:
        closed.append(current)
    yield _plan(closed, batched, counted.seen)


def _plan(windows: list[list[Speech]], batched: bool, end: int) -> Plan:
    pieces = [p for window in windows for p in window]
    spans, position = [], 0
    for window in windows:
        length = sum(p.end - p.start for p in window)
        # faster-whisper turns these seconds back into samples with int(): half a sample
        # of margin makes that land on the exact sample.
        spans.append(
            {
                "start": (position + 0.5) / SAMPLE_RATE,
                "end": (position + length + 0.5) / SAMPLE_RATE,
            }
        )
        position += length
    return Plan(
        speech=np.concatenate([p.audio for p in pieces]) if pieces else np.zeros(0, np.float32),
        speech_chunks=[{"start": p.start, "end": p.end} for p in pieces],
        windows=spans if batched else [],
        end=end / SAMPLE_RATE,
    )


class Prefetch:
    """Runs an iterator in a thread, ``depth`` items ahead of its consumer.

    Exceptions raised by the iterator reach the consumer; closing stops the thread. While
    the consumer waits, ``idle`` is called every ``idle_every`` seconds (and may raise).
    """

    _DONE = object()

    def __init__(
        self,
        items: Iterable[Any],
        depth: int = 1,
        idle: Callable[[], None] | None = None,
        idle_every: float = 1.0,
    ) -> None:
        self._items = items
        self._idle, self._idle_every = idle, idle_every
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="plan-prefetch", daemon=True)
        self._thread.start()

    def _put(self, item: Any) -> bool:
        while not self._closed.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for item in self._items:
                if not self._put(item):
                    return
        except BaseException as exc:  # handed to the consumer, which re-raises it
            self._put(_Failure(exc))
            return
        self._put(self._DONE)

    def __iter__(self) -> Iterator[Any]:
        while True:
            try:
                item = self._queue.get(timeout=self._idle_every)
            except queue.Empty:
                if self._idle is not None:
                    self._idle()  # may raise: the consumer stops waiting (cancel, timeout)
                continue
            if item is self._DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item

    def close(self) -> None:
        self._closed.set()
        self._thread.join(timeout=10)


@dataclass
class _Failure:
    error: BaseException
