"""An hour of audio: chunked decoding gives what one unchunked run gives, seam for seam."""

from __future__ import annotations

import bisect
import dataclasses

import pytest

from engine.audio import read_all
from engine.result import Segment
from engine.task import TranscribeOptions
from engine.transcriber import DecodeSettings, WhisperTranscriber
from engine.vad import BATCHED
from tests.conftest import PHRASE


def _speech_edges(path: str) -> tuple[list[float], list[float]]:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    chunks = get_speech_timestamps(read_all(path), VadOptions(**dataclasses.asdict(BATCHED)))
    return [c["start"] / 16000 for c in chunks], [c["end"] / 16000 for c in chunks]


@pytest.mark.slow
def test_an_hour_matches_an_unchunked_run(tiny_model: str, long_audio: str) -> None:
    from faster_whisper import BatchedInferencePipeline

    # The generated model's word times mean nothing (no cross-attention), so every window
    # would look cut short: the tail re-read is for real speech (tests/engine/test_accuracy.py).
    transcriber = WhisperTranscriber(
        tiny_model, cpu_threads=2, settings=DecodeSettings(batch_size=2, tail_seconds=0)
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
        if abs(mine.start - theirs.start) > 0.02:
            # faster-whisper maps a zero-length first word at a window edge into the silence
            # before its speech (int() rounding of its time); ours stays on the speech.
            i = bisect.bisect_left(starts, theirs.start)
            assert ends[i - 1] - 0.02 <= theirs.start < starts[i]
            assert mine.start == pytest.approx(starts[i], abs=0.02)
        if abs(mine.end - theirs.end) > 0.02:
            # ...and may end a window's last word past its audio; ours ends with the speech.
            i = bisect.bisect_right(ends, mine.end + 0.001) - 1
            assert mine.end == pytest.approx(ends[i], abs=0.02)
            assert theirs.end > ends[i]

    previous = 0.0
    for seg in windows:
        assert seg.text.strip() == PHRASE
        assert previous <= seg.start <= seg.end <= 3600.0
        previous = seg.end


def _as_windows(segments: list[Segment], reference: list) -> list[Segment]:
    """Our sentence-sized segments joined back into the windows they were cut from."""
    joined, pending = [], list(segments)
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
