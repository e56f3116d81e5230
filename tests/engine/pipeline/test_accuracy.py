"""What comes out, with real Whisper weights on real and synthetic speech.

Every long-form figure is held against raw faster-whisper (``WhisperModel.transcribe``, word
timestamps) on the same file and model: the ground truth that Stackscribe must not fall behind.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from typing import Any

import pytest

from engine.pipeline.transcriber import WhisperTranscriber
from engine.task import TranscribeOptions
from harness import defaults, speech, wer

CACHE = speech.TEST_CACHE


@pytest.fixture(scope="module")
def tiny_en(tiny_en_model: str) -> WhisperTranscriber:
    return defaults.transcriber(tiny_en_model, device="cpu", cpu_threads=2, num_workers=1)


@pytest.fixture(scope="module")
def base(base_model: str) -> WhisperTranscriber:
    return defaults.transcriber(base_model, device="cpu", cpu_threads=2, num_workers=1)


def transcribe(transcriber: WhisperTranscriber, path: str, **options: Any):
    return transcriber.transcribe(path, TranscribeOptions(**options), lambda p, s: None)


def heard(result) -> speech.Heard:
    words = [(w.start, w.end, w.text) for s in result.segments for w in s.words]
    return speech.Heard(result.text, words)


@pytest.mark.parametrize("model", ["tiny_en", "base"])
def test_jfk_is_the_known_sentence(model: str, jfk: str, request: pytest.FixtureRequest) -> None:
    result = transcribe(request.getfixturevalue(model), jfk)
    assert " ".join(wer.normalize(result.text)) == speech.JFK
    assert result.language == "en"


def test_thai_is_detected_and_translated_to_english(base: WhisperTranscriber, shared_audio) -> None:
    thai = str(shared_audio / "seed_sample_th.mp3")
    heard_thai = transcribe(base, thai)
    assert heard_thai.language == "th" and heard_thai.language_probability > 0.5
    assert sum("\u0e00" <= c <= "\u0e7f" for c in heard_thai.text) > 100  # Thai script

    english = transcribe(base, thai, task="translate")
    assert english.language == "th" and english.task == "translate"
    letters = [c for c in english.text if c.isalpha()]
    assert len(letters) > 100 and all(c.isascii() for c in letters)
    assert {"the", "and", "to"} & set(wer.normalize(english.text))


MODES = [
    pytest.param({"decode_mode": "auto"}, id="auto"),
    pytest.param({"decode_mode": "batched"}, id="batched"),
    pytest.param({"decode_mode": "sequential"}, id="sequential"),
    pytest.param({"decode_mode": "batched", "vad_filter": False}, id="batched-no-vad"),
    pytest.param({"decode_mode": "sequential", "vad_filter": False}, id="sequential-no-vad"),
]


@pytest.mark.timeout(900)
@pytest.mark.parametrize("options", MODES)
def test_every_mode_keeps_every_word(
    tiny_en: WhisperTranscriber, tiny_en_model: str, read_aloud: str, options: dict
) -> None:
    result = transcribe(tiny_en, read_aloud, **options)
    vad = bool(options.get("vad_filter", True))
    raw = speech.raw_sequential(tiny_en_model, read_aloud, vad, CACHE)
    speech.check_against_raw(heard(result), raw, result.duration)
    # Segments a subtitle can show: sentence-sized, never a whole window.
    lengths = [s.end - s.start for s in result.segments]
    assert len(result.segments) >= 30 and statistics.median(lengths) <= 12.0


@pytest.mark.timeout(900)
def test_the_command_line_keeps_every_word(tiny_en_model: str, read_aloud: str, tmp_path) -> None:
    """``python -m app transcribe FILE`` with its defaults, through the stack and engine."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "REDIS_URL": ""}
    subprocess.run(
        [sys.executable, "-m", "app", "transcribe", read_aloud, "--model", tiny_en_model,
         "--cpu-threads", "2", "--device", "cpu", "--format", "json", "--output-dir",
         str(tmp_path), "--data-dir", str(tmp_path / "data")],
        check=True, env=env, capture_output=True, timeout=600,
    )  # fmt: skip
    result = json.loads((tmp_path / "declaration.json").read_text())
    words = [(w["start"], w["end"], w["text"]) for s in result["segments"] for w in s["words"]]
    raw = speech.raw_sequential(tiny_en_model, read_aloud, True, CACHE)
    speech.check_against_raw(speech.Heard(result["text"], words), raw, result["duration"])


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_an_hour_of_loops_loses_nothing_at_seams(
    tiny_en_model: str, read_aloud: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The read looped past an hour: every loop as complete as one read alone."""
    loops, gap = 10, 2.0
    hour = speech.looped(read_aloud, tmp_path_factory.mktemp("hour") / "hour.flac", loops, gap)
    transcriber = defaults.transcriber(tiny_en_model, device="cpu", cpu_threads=2, num_workers=1)
    one = transcribe(transcriber, read_aloud)
    whole = transcribe(transcriber, str(hour))
    length = one.duration
    assert whole.duration == pytest.approx(loops * length + (loops - 1) * gap, abs=0.1)

    reference = speech.text()
    single = wer.align(reference, one.text)
    everything = heard(whole)
    for i in range(loops):
        start = i * (length + gap)
        words = everything.words_between(start - gap / 2, start + length + gap / 2)
        loop = wer.align(reference, words)
        assert loop.wer <= single.wer + 0.01, (i, loop.wer, single.wer)
        assert loop.lost_runs(found_by=single) == [], i
