"""``python -m app transcribe`` as an impatient person uses it: Ctrl-C, folders, name clashes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.app.test_cli import app
from tests.conftest import PHRASE

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(240)


class _Run:
    """``transcribe`` in a session of its own (as a terminal runs it), stderr collected."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app", "transcribe", *args],
            cwd=ROOT,
            env={**os.environ, "HF_HUB_OFFLINE": "1", "REDIS_URL": ""},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.err = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        while chunk := self.proc.stderr.read(1):
            self.err += chunk

    def until(self, condition, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert self.proc.poll() is None, f"exited early: {self.err[-2000:]}"
            assert time.monotonic() < deadline, f"timed out: {self.err[-2000:]}"
            time.sleep(0.05)

    def ctrl_c(self) -> None:
        """SIGINT to the whole process group, as the terminal sends it."""
        os.killpg(self.proc.pid, signal.SIGINT)

    def wait(self, timeout: float) -> int:
        code = self.proc.wait(timeout)
        self._reader.join(5)
        return code

    def group_gone(self) -> bool:
        try:
            os.killpg(self.proc.pid, 0)
        except ProcessLookupError:
            return True
        return False

    def kill(self) -> None:
        """Whatever is left of the run is killed; its pipe is closed."""
        if not self.group_gone():
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self._reader.join(5)
        assert self.proc.stderr is not None
        self.proc.stderr.close()


def _args(tiny_model: str, tmp_path: Path) -> list[str]:
    return ["--model", tiny_model, "--cpu-threads", "1", "--data-dir", str(tmp_path / "d")]


def test_each_transcript_is_written_as_its_file_finishes(
    tiny_model: str, jfk: str, long_audio: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run = _Run(jfk, long_audio, "--output-dir", str(out), *_args(tiny_model, tmp_path))
    try:
        run.until((out / "jfk.txt").exists)  # while the hour still runs
        run.ctrl_c()
        assert run.wait(30) == 130
    finally:
        run.kill()
    assert (out / "jfk.txt").read_text().strip() == PHRASE
    assert not (out / "hour.txt").exists()


def test_an_unwritable_output_dir_is_refused_before_anything_runs(
    tiny_model: str, jfk: str, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    started = time.monotonic()
    result = app(
        "transcribe", jfk, "--output-dir", str(blocker / "out"), *_args(tiny_model, tmp_path)
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "--output-dir" in result.stderr and str(blocker / "out") in result.stderr
    assert time.monotonic() - started < 20  # refused up front, not after transcribing


def test_inputs_with_the_same_stem_get_outputs_of_their_own(
    tiny_model: str, jfk: str, shared_audio: Path, tmp_path: Path
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = tmp_path / "a" / "talk.flac", tmp_path / "b" / "talk.mp3"
    shutil.copy(jfk, first)
    shutil.copy(shared_audio / "hotwords.mp3", second)
    out = tmp_path / "out"
    result = app(
        "transcribe", str(first), str(second), "--format", "json", "--output-dir", str(out),
        *_args(tiny_model, tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in out.iterdir())
    assert len(written) == 2, written
    for line in (f"{first}: ", f"{second}: "):
        assert line in result.stderr
    durations = {round(json.loads(p.read_text())["duration"]) for p in out.iterdir()}
    assert len(durations) == 2  # two different inputs, two different transcripts


def test_a_second_ctrl_c_stops_everything_at_once(
    tiny_model: str, long_audio: str, tmp_path: Path
) -> None:
    run = _Run(long_audio, "--output-dir", str(tmp_path / "out"), *_args(tiny_model, tmp_path))
    try:
        run.until(lambda: "Transcribing" in run.err)
        run.ctrl_c()
        time.sleep(0.3)
        run.ctrl_c()
        started = time.monotonic()
        assert run.wait(30) == 130
        assert time.monotonic() - started < 5
        assert "Traceback" not in run.err, run.err[-3000:]
        deadline = time.monotonic() + 5
        while not run.group_gone():  # the engine and the stack host are gone too
            assert time.monotonic() < deadline, "a process of the run is still alive"
            time.sleep(0.05)
    finally:
        run.kill()


def test_a_folder_is_transcribed_file_by_file(
    tiny_model: str, jfk: str, shared_audio: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "talks"
    (folder / "inner").mkdir(parents=True)
    shutil.copy(jfk, folder / "kennedy.flac")
    shutil.copy(shared_audio / "hotwords.mp3", folder / "inner" / "hot.mp3")
    (folder / "notes.txt").write_text("not audio")
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out"
    result = app("transcribe", str(folder), "--output-dir", str(out), *_args(tiny_model, tmp_path))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["hot.txt", "kennedy.txt"]
    result = app("transcribe", str(empty), "--output-dir", str(out), *_args(tiny_model, tmp_path))
    assert result.returncode == 1
    assert f"{empty}: FAILED: a folder with no audio or video files in it" in result.stderr
