"""``python -m app`` as a person runs it: help, transcribe, models, config."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness import tiny_whisper
from tests.conftest import PHRASE, phrases

ROOT = Path(__file__).resolve().parents[2]
# Every test here runs `python -m app` in a process of its own.
pytestmark = pytest.mark.e2e


def app(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 180):
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=environment,
        timeout=timeout,
    )


def test_help_lists_every_mode() -> None:
    result = app("--help")
    assert result.returncode == 0
    for mode in ("gui", "serve", "transcribe", "worker", "models"):
        assert mode in result.stdout


def test_version_is_the_installed_package_s() -> None:
    import importlib.metadata

    result = app("--version")
    assert result.returncode == 0
    assert result.stdout == f"stackscribe {importlib.metadata.version('stackscribe')}\n"


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys\nfrom app.cli import build_parser\nbuild_parser().format_help()\n"
        "heavy = [m for m in ('faster_whisper', 'ctranslate2', 'PySide6', 'fastapi', 'av', "
        "'numpy') if m in sys.modules]\nprint(heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.stdout.strip() == "[]"


def test_transcribe_writes_every_file_and_names_the_failures(
    tiny_model: str, jfk: str, shared_audio: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "broken.mp3"
    bad.write_bytes(b"ID3" + b"\x00" * 300)
    out = tmp_path / "out"
    result = app(
        "transcribe",
        jfk,
        str(shared_audio / "hotwords.mp3"),
        str(bad),
        str(tmp_path / "missing.wav"),
        "--model",
        tiny_model,
        "--format",
        "srt,json",
        "--output-dir",
        str(out),
        "--cpu-threads",
        "1",
        "--data-dir",
        str(tmp_path / "d"),
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    srt = (out / "jfk.srt").read_text()
    assert srt.startswith("1\n00:00:00,000 --> ")
    assert [cue.splitlines()[2:] for cue in srt.strip().split("\n\n")] == [[PHRASE]]
    data = json.loads((out / "hotwords.json").read_text())
    assert phrases(data["text"]) >= 1 and data["segments"]
    assert not (out / "broken.srt").exists()
    assert "broken.mp3: FAILED: " in result.stderr
    assert "missing.wav: FAILED: no such file" in result.stderr


def test_transcribe_to_stdout_with_options(tiny_model: str, jfk: str) -> None:
    result = app(
        "transcribe",
        jfk,
        "--model",
        tiny_model,
        "--format",
        "txt",
        "--output-dir",
        "-",
        "--language",
        "de",
        "--task",
        "translate",
        "--initial-prompt",
        "Stackscribe",
        "--beam-size",
        "1",
        "--cpu-threads",
        "1",
    )
    assert result.returncode == 0, result.stderr
    # Each option changes its own part of what the generated model says.
    said = tiny_whisper.phrase("de", "translate", prompted=True, beam_size=1)
    assert result.stdout.strip() == said.strip()


def test_a_model_that_cannot_be_had_is_a_clear_error(tmp_path: Path, jfk: str) -> None:
    result = app("transcribe", jfk, "--model", "medium", "--model-dir", str(tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "models download medium" in result.stderr


def test_models_list_and_download_offline(tmp_path: Path, tiny_model: str) -> None:
    listing = app("models", "list", "--model-dir", str(tmp_path))
    assert listing.returncode == 0 and "no models downloaded yet" in listing.stdout
    assert "large-v3-turbo" in listing.stdout
    download = app("models", "download", "small", "--model-dir", str(tmp_path))
    assert download.returncode == 2 and "Traceback" not in download.stderr
    assert "cannot be reached" in download.stderr
    unknown = app("models", "download", "enormous", "--model-dir", str(tmp_path))
    assert unknown.returncode == 2 and "Unknown model 'enormous'" in unknown.stderr


def test_bad_setting_values_are_refused(tmp_path: Path) -> None:
    result = app("config", env={"WHISPER_DEVICE": "tpu"})
    assert result.returncode != 0 and "WHISPER_DEVICE must be one of" in result.stderr


@pytest.mark.parametrize(
    ("env", "flag", "expected"),
    [
        ({"WHISPER_MODEL": "base"}, [], "model = 'base'"),
        ({"WHISPER_MODEL": "base"}, ["--model", "tiny"], "model = 'tiny'"),
        ({"WORKER_TIMEOUT": "30"}, [], "worker_timeout = 30.0"),
        ({"API_KEY": "s3cret"}, [], "api_key = '***'"),
    ],
)
def test_flag_over_environment_over_default(env: dict, flag: list, expected: str) -> None:
    result = app("config", *flag, env=env)
    assert result.returncode == 0 and expected in result.stdout
    assert "s3cret" not in result.stdout
