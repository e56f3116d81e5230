"""Streaming VAD finds exactly the speech faster-whisper finds over the whole file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from faster_whisper.vad import VadOptions, get_speech_timestamps

from engine.pipeline.audio import read_all, stream_pcm
from engine.pipeline.vad import BATCHED, SEQUENTIAL, VadSettings, speech_segments

SETTINGS = [
    BATCHED,
    SEQUENTIAL,
    VadSettings(min_speech_duration_ms=250, max_speech_duration_s=5, min_silence_duration_ms=100),
]


@pytest.mark.parametrize(
    "name", ["jfk.flac", "multilingual.mp3", "seed_sample_th.mp3", "stereo_diarization.wav"]
)
@pytest.mark.parametrize("settings", SETTINGS, ids=["batched", "sequential", "tight"])
def test_same_segments_as_faster_whisper(
    shared_audio: Path, name: str, settings: VadSettings
) -> None:
    path = str(shared_audio / name)
    audio = read_all(path)
    expected = get_speech_timestamps(audio, VadOptions(**dataclasses.asdict(settings)))
    got = list(speech_segments(stream_pcm(path), settings))
    assert [(s.start, s.end) for s in got] == [(e["start"], e["end"]) for e in expected]
    for s in got:
        np.testing.assert_array_equal(s.audio, audio[s.start : s.end])


def test_same_segments_over_ten_minutes_in_odd_blocks(ten_minutes: str) -> None:
    audio = read_all(ten_minutes)
    expected = get_speech_timestamps(audio, VadOptions(**dataclasses.asdict(BATCHED)))
    blocks = (audio[i : i + 7777] for i in range(0, audio.size, 7777))
    got = list(speech_segments(blocks, BATCHED))
    assert [(s.start, s.end) for s in got] == [(e["start"], e["end"]) for e in expected]


def test_silence_has_no_speech() -> None:
    blocks = [np.zeros(16000, np.float32)] * 20
    assert list(speech_segments(blocks, BATCHED)) == []
