"""Cut a stream of samples into chunks at silences, holding at most one chunk in memory.

A chunk ends at the quietest moment of the last ``search`` seconds before its target length,
so a cut falls between words. The chunks tile the stream exactly: concatenated, they are the
input, sample for sample.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from engine.pipeline.audio import SAMPLE_RATE

_FRAME = SAMPLE_RATE // 50  # 20 ms energy frames
_QUIET_SPAN = 25  # frames (0.5 s) over which quietness is averaged


@dataclass(frozen=True)
class Chunk:
    """``samples`` start ``offset`` samples into the original stream."""

    offset: int
    samples: np.ndarray
    last: bool

    @property
    def start(self) -> float:
        return self.offset / SAMPLE_RATE

    @property
    def end(self) -> float:
        return (self.offset + self.samples.size) / SAMPLE_RATE


def quietest_point(samples: np.ndarray, lo: int, hi: int) -> int:
    """The index in ``samples[lo:hi]`` at the centre of its quietest half-second."""
    region = samples[lo:hi]
    frames = region.size // _FRAME
    if frames < _QUIET_SPAN + 1:
        return hi
    energy = np.square(region[: frames * _FRAME].reshape(frames, _FRAME), dtype=np.float64).mean(1)
    kernel = np.ones(_QUIET_SPAN) / _QUIET_SPAN
    smoothed = np.convolve(energy, kernel, mode="valid")
    # Among equally quiet spans prefer the latest one, keeping chunks close to their target.
    best = len(smoothed) - 1 - int(np.argmin(smoothed[::-1]))
    return lo + (best + _QUIET_SPAN // 2) * _FRAME


def chunk_stream(
    blocks: Iterable[np.ndarray], chunk_seconds: float, search_seconds: float = 20.0
) -> Iterator[Chunk]:
    """Group ``blocks`` into chunks of about ``chunk_seconds``, cut at a silence."""
    target = int(chunk_seconds * SAMPLE_RATE)
    search = min(int(search_seconds * SAMPLE_RATE), target // 2)
    buffer = np.zeros(0, dtype=np.float32)
    parts: list[np.ndarray] = []
    buffered = 0
    offset = 0
    for block in blocks:
        parts.append(block)
        buffered += block.size
        if buffered < target:
            continue
        buffer = np.concatenate(parts)
        parts = []
        while buffer.size >= target:
            cut = quietest_point(buffer, target - search, target)
            yield Chunk(offset, buffer[:cut], last=False)
            offset += cut
            buffer = buffer[cut:].copy()
        parts = [buffer]
        buffered = buffer.size
    tail = np.concatenate(parts) if parts else buffer[:0]
    yield Chunk(offset, tail, last=True)
