"""``python -m app transcribe`` as an impatient person uses it: Ctrl-C, folders, name clashes."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from harness.waits import until
from harness.workers import TerminalCommand
from tests.app.test_cli import app
from tests.conftest import PHRASE

pytestmark = pytest.mark.timeout(240)


def _args(tiny_model: str, tmp_path: Path) -> list[str]:
    return ["--model", tiny_model, "--cpu-threads", "1", "--data-dir", str(tmp_path / "d")]


def test_each_transcript_is_written_as_its_file_finishes(
    tiny_model: str, jfk: str, long_audio: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run = TerminalCommand(
        "transcribe", jfk, long_audio, "--output-dir", str(out), *_args(tiny_model, tmp_path)
    )
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
    run = TerminalCommand(
        "transcribe",
        long_audio,
        "--output-dir",
        str(tmp_path / "out"),
        *_args(tiny_model, tmp_path),
    )
    try:
        run.until(lambda: "Transcribing" in run.err)
        run.ctrl_c()
        run.until(lambda: "Ctrl-C again" in run.err)  # the second Ctrl-C's handler is in place
        run.ctrl_c()
        started = time.monotonic()
        assert run.wait(30) == 130
        assert time.monotonic() - started < 5
        assert "Traceback" not in run.err, run.err[-3000:]
        # the engine and the stack host are gone too
        until(run.group_gone, 5, "every process of the run to end")
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


def test_what_is_not_a_file_is_called_what_it_is(tiny_model: str, tmp_path: Path) -> None:
    """Issue 19, Low 15: a FIFO, /dev/zero and a link loop were all "no such file"."""
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.wav"
    loop.symlink_to(loop)
    dangling = tmp_path / "gone.wav"
    dangling.symlink_to(tmp_path / "nowhere.wav")
    missing = tmp_path / "missing.wav"
    out = tmp_path / "out"
    result = app(
        "transcribe", str(fifo), "/dev/zero", str(loop), str(dangling), str(missing),
        "--output-dir", str(out), *_args(tiny_model, tmp_path),
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert f"{fifo}: FAILED: a named pipe (FIFO), not a file" in result.stderr
    assert "/dev/zero: FAILED: a character device, not a file" in result.stderr
    assert f"{loop}: FAILED: a loop of symbolic links" in result.stderr
    assert f"{dangling}: FAILED: a symbolic link to {tmp_path / 'nowhere.wav'}" in result.stderr
    assert f"{missing}: FAILED: no such file" in result.stderr
