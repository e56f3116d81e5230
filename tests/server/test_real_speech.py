"""The server with real Whisper weights: what a client gets back is complete and well timed."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from harness import speech
from tests.server.conftest import upload, wait_final


@pytest.mark.timeout(900)
def test_the_queue_keeps_every_word(make_server, tiny_en_model: str, read_aloud: str) -> None:
    """A long read posted as the frontend posts it, with the API's defaults (auto mode)."""
    live = make_server(model=tiny_en_model, cpu_threads=2, device="cpu")
    with live.client() as client:
        answer = upload(client, read_aloud)
        assert answer.status_code == 200, answer.text
        task = wait_final(client, answer.json()["task_id"], timeout=600)
    assert task["status"] == "completed", task
    result = task["result"]
    words = [(w["start"], w["end"], w["text"]) for s in result["segments"] for w in s["words"]]
    raw = speech.raw_sequential(tiny_en_model, read_aloud, True, speech.TEST_CACHE)
    speech.check_against_raw(speech.Heard(result["text"], words), raw, result["duration"])
    assert all(s["end"] - s["start"] <= 30 for s in result["segments"])


def test_health_says_which_model_runs_and_why(make_server, monkeypatch, tmp_path: Path) -> None:
    """No model named, nothing downloaded, no hub: the bundled base, and /health says so."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    live = make_server(model="", model_dir=str(tmp_path / "empty-cache"))
    with live.client() as client:
        health = client.get("/health").json()
    assert health["model_loaded"] and health["model"] == "base"
    assert "'small' is not downloaded" in health["model_reason"]
    assert "base model" in health["model_reason"]


@pytest.mark.parametrize("mode", ["sequential", "batched"])
def test_a_silent_file_gives_no_words(
    make_server, tiny_en_model: str, tmp_path: Path, mode: str
) -> None:
    """Issue 19, 16: without VAD, sequential decoding read 40 s of silence as "You You"."""
    silent = tmp_path / "silence.wav"
    with wave.open(str(silent), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(bytes(2 * 16000 * 40))
    live = make_server(model=tiny_en_model, cpu_threads=2, device="cpu", listeners="direct")
    with live.client("direct") as client:
        answer = upload(client, silent, decode_mode=mode, vad_filter="false")
    assert answer.status_code == 200, answer.text
    assert answer.json()["text"] == "" and answer.json()["segments"] == []
