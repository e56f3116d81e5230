"""Plans: every second of speech decoded once, windows within 30 s, memory about one batch."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
from faster_whisper.vad import VadOptions, collect_chunks, get_speech_timestamps

from engine.pipeline.audio import read_all, stream_pcm
from engine.pipeline.vad import BATCHED
from engine.pipeline.windows import Prefetch, plans


def test_windows_are_the_ones_of_an_unchunked_run(ten_minutes: str) -> None:
    audio = read_all(ten_minutes)
    speech = get_speech_timestamps(audio, VadOptions(**dataclasses.asdict(BATCHED)))
    _, whole = collect_chunks(audio, speech, max_duration=30)
    got = list(plans(stream_pcm(ten_minutes), "batched", vad=True, batch_windows=2))
    durations = [round(w["end"] - w["start"], 3) for p in got for w in p.windows]
    starts = [int(w["start"] * 16000) for p in got for w in p.windows]
    assert all(s == 0 for s in starts[::2])  # each plan's windows start on its first sample
    assert durations == [round(m["duration"], 3) for m in whole]
    assert all(len(p.windows) <= 2 for p in got)
    chunks = [c for p in got for c in p.speech_chunks]
    assert chunks == speech


def test_plan_audio_is_the_speech_and_progress_moves_forward(ten_minutes: str) -> None:
    audio = read_all(ten_minutes)
    got = list(plans(stream_pcm(ten_minutes), "batched", vad=True, batch_windows=2))
    ends = [p.end for p in got]
    assert ends == sorted(ends) and ends[-1] == 600.0
    for plan in got:
        expected = np.concatenate([audio[c["start"] : c["end"]] for c in plan.speech_chunks])
        np.testing.assert_array_equal(plan.speech, expected)
        assert plan.speech.size <= 2 * 30 * 16000


def test_without_vad_windows_tile_the_file(ten_minutes: str) -> None:
    got = list(plans(stream_pcm(ten_minutes), "batched", vad=False, batch_windows=4))
    chunks = [c for p in got for c in p.speech_chunks]
    assert chunks[0]["start"] == 0 and chunks[-1]["end"] == 600 * 16000
    assert all(a["end"] == b["start"] for a, b in itertools.pairwise(chunks))
    assert all(w["end"] - w["start"] <= 30 for p in got for w in p.windows)


def test_sequential_plans_hold_a_few_minutes(ten_minutes: str) -> None:
    got = list(plans(stream_pcm(ten_minutes), "sequential", vad=True, batch_windows=2))
    assert len(got) > 1 and all(p.windows == [] for p in got)
    # Five minutes of speech, closed after the VAD piece (itself at most five minutes) that
    # reaches them: bounded memory, few seams.
    assert all(p.speech.size <= 10 * 60 * 16000 for p in got)
    assert got[0].speech.size >= 5 * 60 * 16000


def test_prefetch_passes_errors_to_the_consumer() -> None:
    def broken():
        yield 1
        raise ValueError("decoder exploded")

    items = []
    prefetch = Prefetch(broken())
    try:
        for item in prefetch:
            items.append(item)
    except ValueError as exc:
        assert "exploded" in str(exc)
    else:
        raise AssertionError("the error was lost")
    finally:
        prefetch.close()
    assert items == [1]
