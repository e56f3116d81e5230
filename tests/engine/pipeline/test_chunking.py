"""Chunks cut at silences, tile the stream exactly and stay bounded."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.pipeline.chunking import chunk_stream, quietest_point

RATE = 16000


def _speechlike(seconds: float, gaps: Sequence[tuple[float, float]], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    signal = (0.2 * rng.standard_normal(int(seconds * RATE))).astype(np.float32)
    for start, end in gaps:
        signal[int(start * RATE) : int(end * RATE)] *= 0.001
    return signal


def _blocks(samples: np.ndarray, size: int = 4000):
    for i in range(0, samples.size, size):
        yield samples[i : i + size]


def test_chunks_tile_the_stream_exactly() -> None:
    samples = _speechlike(100, [(27, 28), (55, 56.5), (83, 84)])
    chunks = list(chunk_stream(_blocks(samples), chunk_seconds=30, search_seconds=10))
    assert chunks[-1].last and not any(c.last for c in chunks[:-1])
    assert [c.offset for c in chunks] == [
        0,
        *list(np.cumsum([c.samples.size for c in chunks[:-1]])),
    ]
    np.testing.assert_array_equal(np.concatenate([c.samples for c in chunks]), samples)


def test_cuts_fall_in_the_silences() -> None:
    gaps = [(27, 28), (55, 56.5), (83, 84)]
    samples = _speechlike(100, gaps)
    chunks = list(chunk_stream(_blocks(samples), chunk_seconds=30, search_seconds=10))
    cuts = [c.end for c in chunks[:-1]]
    assert len(cuts) == len(gaps)
    for cut, (start, end) in zip(cuts, gaps):
        assert start <= cut <= end


def test_chunks_never_exceed_their_target() -> None:
    samples = _speechlike(200, [])  # no silence at all: still cut, still bounded
    chunks = list(chunk_stream(_blocks(samples, 16000), chunk_seconds=30, search_seconds=10))
    assert all(c.samples.size <= 30 * RATE for c in chunks)
    assert sum(c.samples.size for c in chunks) == samples.size


def test_quietest_point_prefers_the_silence() -> None:
    samples = _speechlike(20, [(12, 13)])
    cut = quietest_point(samples, 5 * RATE, 18 * RATE)
    assert 12 * RATE <= cut <= 13 * RATE


def test_short_input_is_one_last_chunk() -> None:
    samples = _speechlike(3, [])
    (chunk,) = chunk_stream(_blocks(samples), chunk_seconds=30)
    assert chunk.last and chunk.offset == 0 and chunk.samples.size == samples.size


def test_quietest_point_is_the_centre_of_the_quiet_half_second_exactly() -> None:
    samples = np.full(100 * 320, 0.5, dtype=np.float32)  # 100 frames of 20 ms
    samples[40 * 320 : 65 * 320] = 0.0  # frames 40..64 silent
    assert quietest_point(samples, 0, samples.size) == (40 + 12) * 320


def test_quietest_point_needs_more_than_half_a_second() -> None:
    quiet_end = np.full(26 * 320, 0.5, dtype=np.float32)
    quiet_end[320:] = 0.0
    assert quietest_point(quiet_end, 0, 26 * 320) == (1 + 12) * 320  # 26 frames: searched
    assert quietest_point(quiet_end, 0, 25 * 320) == 25 * 320  # 25 frames: the end


def test_an_empty_stream_is_one_empty_last_chunk() -> None:
    [chunk] = chunk_stream([], chunk_seconds=30)
    assert (chunk.offset, chunk.samples.size, chunk.last) == (0, 0, True)
    assert chunk.samples.dtype == np.float32


def test_one_big_block_is_still_cut_before_the_target() -> None:
    samples = _speechlike(100, [(50, 52)])
    chunks = list(chunk_stream([samples], chunk_seconds=30, search_seconds=10))
    assert all(c.samples.size <= 30 * RATE for c in chunks)
    assert [c.last for c in chunks] == [False, False, False, True]
    np.testing.assert_array_equal(np.concatenate([c.samples for c in chunks]), samples)


def test_the_search_is_at_most_half_the_chunk() -> None:
    # 3 s chunks search their last 1.5 s; the silence at 1.6-2.1 s is in it.
    samples = _speechlike(5, [(1.6, 2.1)])
    first = next(chunk_stream(_blocks(samples), chunk_seconds=3))
    # The quiet half-second starts 5 frames (of 320 samples) into the search, at 1.6 s.
    assert first.samples.size == int(1.5 * RATE) + (5 + 12) * 320
