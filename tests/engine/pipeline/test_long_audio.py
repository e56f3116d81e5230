"""An hour of audio: chunked decoding gives what one unchunked run gives, seam for seam."""

from __future__ import annotations

import bisect
import dataclasses
import itertools

import pytest

from engine.pipeline.audio import read_all
from engine.pipeline.vad import BATCHED
from engine.result import Segment
from engine.task import TranscribeOptions
from harness import defaults
from tests.conftest import PHRASE


def _speech_edges(path: str) -> tuple[list[float], list[float]]:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    chunks = get_speech_timestamps(read_all(path), VadOptions(**dataclasses.asdict(BATCHED)))
    return [c["start"] / 16000 for c in chunks], [c["end"] / 16000 for c in chunks]


@pytest.mark.slow
def test_an_hour_matches_an_unchunked_run(tiny_model: str, long_audio: str) -> None:
    from faster_whisper import BatchedInferencePipeline

    # The generated model's word times mean nothing (no cross-attention), so every window
    # would look cut short: the tail re-read is for real speech
    # (tests/engine/pipeline/test_accuracy.py).
    transcriber = defaults.transcriber(
        tiny_model,
        cpu_threads=2,
        settings=defaults.decode_settings(batch_size=2, tail_seconds=0),
    )
    progress: list[float] = []
    ours = transcriber.transcribe(
        long_audio, TranscribeOptions(decode_mode="batched"), lambda p, s: progress.append(p)
    )
    assert ours.duration == pytest.approx(3600.0)
    assert progress == sorted(progress)

    # The reference: faster-whisper's own pipeline over the whole file at once.
    segments, _ = BatchedInferencePipeline(transcriber.model).transcribe(
        long_audio, language="en", word_timestamps=True, without_timestamps=True, batch_size=2
    )
    reference = list(segments)
    windows = _as_windows(ours.segments, reference)
    assert len(windows) == len(reference) > 100
    starts, ends = _speech_edges(long_audio)
    for mine, theirs in zip(windows, reference):
        assert mine.text == theirs.text
        assert [w.text for w in mine.words] == [w.word for w in theirs.words]
        # Word times in order and inside the window's speech (the generated model's word times
        # mean nothing beyond that; tests/engine/pipeline/test_accuracy.py holds real ones to
        # raw's).
        first = bisect.bisect_right(starts, mine.start + 0.001) - 1
        for earlier, word in itertools.pairwise(mine.words):
            assert earlier.end <= word.start + 0.001 and word.start <= word.end
            assert starts[first] - 0.001 <= word.start <= ends[-1] + 0.001

    previous = 0.0
    for seg in windows:
        assert seg.text.strip() == PHRASE
        assert previous <= seg.start <= seg.end <= 3600.0
        previous = seg.end


def _as_windows(segments: list[Segment], reference: list) -> list[Segment]:
    """Our sentence-sized segments joined back into the windows they were cut from."""
    joined: list[Segment] = []
    pending = list(segments)
    for theirs in reference:
        parts = [pending.pop(0)]
        while "".join(p.text for p in parts) != theirs.text and pending:
            parts.append(pending.pop(0))
        joined.append(
            Segment(
                id=len(joined),
                start=parts[0].start,
                end=parts[-1].end,
                text="".join(p.text for p in parts),
                words=[w for p in parts for w in p.words],
            )
        )
    assert not pending
    return joined
