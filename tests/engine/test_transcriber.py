"""The transcriber on real audio with the generated model: text, schema, times, modes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.errors import AudioDecodeError
from engine.result import Segment
from engine.task import TranscribeOptions
from engine.transcriber import DecodeSettings, WhisperTranscriber
from tests.conftest import PHRASE


@pytest.fixture(scope="module")
def transcriber(tiny_model: str) -> Iterator[WhisperTranscriber]:
    yield WhisperTranscriber(tiny_model, cpu_threads=1, settings=DecodeSettings())


def run(transcriber, path, **options):
    reports: list[tuple[float, Segment | None]] = []
    result = transcriber.transcribe(
        path, TranscribeOptions(**options), lambda p, s: reports.append((p, s))
    )
    return result, reports


@pytest.mark.parametrize("mode", ["sequential", "batched"])
def test_jfk_says_the_phrase(transcriber, jfk: str, mode: str) -> None:
    result, _ = run(transcriber, jfk, decode_mode=mode)
    assert result.text.startswith(PHRASE)
    assert result.language == "en" and result.language_probability > 0.9
    assert result.duration == pytest.approx(11.0)
    data = result.to_dict()
    seg = data["segments"][0]
    assert seg["text"].strip() == PHRASE
    assert [w["text"].strip() for w in seg["words"]] == PHRASE.split()
    assert 0.9 < seg["confidence"] <= 1.0


@pytest.mark.parametrize("mode", ["sequential", "batched"])
def test_times_are_monotone_and_inside_the_file(transcriber, shared_audio: Path, mode: str) -> None:
    result, _ = run(transcriber, str(shared_audio / "multilingual.mp3"), decode_mode=mode)
    assert len(result.segments) >= 2
    previous = 0.0
    for seg in result.segments:
        assert previous <= seg.start <= seg.end <= result.duration
        for word in seg.words:
            assert seg.start <= word.start <= word.end <= seg.end
        previous = seg.start


def test_progress_is_monotone_and_reports_every_segment(transcriber, shared_audio: Path) -> None:
    result, reports = run(
        transcriber, str(shared_audio / "seed_sample_th.mp3"), decode_mode="batched"
    )
    fractions = [p for p, _ in reports]
    assert fractions == sorted(fractions) and all(0 <= p < 1 for p in fractions)
    assert [s.id for _, s in reports if s is not None] == [s.id for s in result.segments]


def test_options_reach_the_model(transcriber, jfk: str) -> None:
    result, _ = run(
        transcriber,
        jfk,
        language="th",
        task="translate",
        word_timestamps=False,
        vad_filter=False,
        initial_prompt="Kennedy",
        beam_size=1,
        temperature=0.0,
    )
    assert result.language == "th" and result.task == "translate"
    assert all(not s.words for s in result.segments)
    assert result.text.startswith(PHRASE)


def test_silence_gives_an_empty_transcript(transcriber, tmp_path: Path) -> None:
    import numpy as np

    from tests.support.audio_files import write_wav

    path = write_wav(tmp_path / "quiet.wav", np.zeros(16000 * 40, np.float32))
    result, reports = run(transcriber, str(path))
    assert result.segments == [] and result.text == ""
    assert result.duration == pytest.approx(40.0)
    assert reports  # still reports progress


def test_a_report_that_raises_stops_the_work(transcriber, ten_minutes: str) -> None:
    calls = []

    def report(progress: float, segment: Segment | None) -> None:
        calls.append(progress)
        if len(calls) == 2:
            raise KeyboardInterrupt("stop here")

    with pytest.raises(KeyboardInterrupt):
        transcriber.transcribe(ten_minutes, TranscribeOptions(), report)
    assert len(calls) == 2


def test_non_audio_fails_with_a_reason(transcriber, tmp_path: Path) -> None:
    bad = tmp_path / "x.wav"
    bad.write_text("not audio")
    with pytest.raises(AudioDecodeError):
        run(transcriber, str(bad))
