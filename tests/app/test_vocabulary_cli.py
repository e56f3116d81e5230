"""``transcribe --hotwords`` and ``--replacements`` (REPLACEMENTS), with tiny.en."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.test_cli import app

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]  # `python -m app` processes


def test_transcribe_with_hotwords_and_replacements(
    tmp_path: Path, tiny_en_model: str, shared_audio: Path
) -> None:
    result = app(
        "transcribe", str(shared_audio / "hotwords.mp3"), "--hotwords", "ComfyUI",
        "--model", tiny_en_model, "--device", "cpu", "--cpu-threads", "2",
        "--format", "txt,srt", "--output-dir", str(tmp_path), "--data-dir", str(tmp_path / "data"),
        env={"REDIS_URL": "", "REPLACEMENTS": "folder=directory"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    wanted = "Then you go into your ComfyUI directory again in the ComfyUI"
    assert (tmp_path / "hotwords.txt").read_text().strip().startswith(wanted)
    assert "ComfyUI directory" in (tmp_path / "hotwords.srt").read_text()


def test_a_table_that_cannot_be_read_stops_at_once(tmp_path: Path) -> None:
    result = app(
        "transcribe", "x.wav", "--replacements", "comfy eye", "--output-dir", str(tmp_path)
    )
    assert result.returncode != 0
    assert "REPLACEMENTS entry 'comfy eye' has no '='" in result.stderr
    too_long = app("transcribe", "x.wav", "--hotwords", "x" * 501, "--output-dir", str(tmp_path))
    assert too_long.returncode == 2 and "hotwords is limited to 500" in too_long.stderr
