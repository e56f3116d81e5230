"""``python -m app watch`` as a person runs it: drop a file, read its transcript, stop it
with SIGTERM or Ctrl-C, start it again and find nothing done twice."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from harness.workers import TerminalCommand

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]  # `python -m app watch` processes


def test_watch_transcribes_new_files_stops_cleanly_and_resumes(
    tiny_en_model, jfk, tmp_path
) -> None:
    folder, out = tmp_path / "inbox", tmp_path / "out"
    folder.mkdir()
    flags = [
        str(folder),
        "--output-dir",
        str(out),
        "--format",
        "txt,srt",
        "--model",
        tiny_en_model,
        "--data-dir",
        str(tmp_path / "data"),
        "--watch-poll-seconds",
        "0.2",
        "--watch-settle-seconds",
        "0.5",
        "--cpu-threads",
        "1",
    ]
    first = TerminalCommand("watch", *flags)
    first.until(lambda: "Watching" in first.err)
    shutil.copy(jfk, folder / "speech.flac")
    (folder / "broken.mp3").write_bytes(b"not audio " * 200)
    first.until(lambda: (out / "speech.srt").exists() and "broken.mp3: FAILED" in first.err)
    text = (out / "speech.txt").read_text(encoding="utf-8").lower()
    assert "ask not what your country can do for you" in text
    assert " --> " in (out / "speech.srt").read_text(encoding="utf-8")
    assert first.stop(signal.SIGTERM) == 0
    assert "stopped watching" in first.err
    assert first.err.count("speech.flac: queued") == 1

    second = TerminalCommand("watch", *flags)
    second.until(lambda: "Watching" in second.err)
    shutil.copy(jfk, folder / "again.flac")
    second.until((out / "again.srt").exists)
    assert second.stop(signal.SIGINT) == 0
    # What the first run finished (or failed) was not taken again.
    assert "speech.flac" not in second.err and "broken.mp3" not in second.err
    assert sorted(p.name for p in out.iterdir()) == [
        "again.srt",
        "again.txt",
        "speech.srt",
        "speech.txt",
    ]


def test_watch_refuses_a_missing_folder_before_starting(tmp_path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "app", "watch", str(tmp_path / "nowhere")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "REDIS_URL": ""},
    )
    assert run.returncode == 2
    assert "is not a folder" in run.stderr
