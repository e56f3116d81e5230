"""A watched folder on a real engine: files are taken once, when they stop growing; restarts
neither redo nor forget; failures are reported once; temporary and hidden files are left."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from engine.service.watch import STATE_FILE, FolderWatcher, WatchConfig, WatchState
from engine.task import TranscribeOptions
from tests.conftest import PHRASE

pytestmark = pytest.mark.timeout(180)
POLL, SETTLE = 0.1, 0.6


class Reports:
    """What the watcher reported, thread-safe, with waiting."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, str, float]] = []
        self._cond = threading.Condition()

    def __call__(self, path: str, what: str, detail: str) -> None:
        with self._cond:
            self.items.append((Path(path).name, what, detail, time.monotonic()))
            self._cond.notify_all()

    def of(self, name: str) -> list[str]:
        with self._cond:
            return [what for n, what, _, _ in self.items if n == name]

    def wait(self, name: str, what: str, timeout: float = 90) -> tuple[str, float]:
        with self._cond:
            assert self._cond.wait_for(lambda: what in self.of(name), timeout), self.items
            return next((d, t) for n, w, d, t in self.items if n == name and w == what)


@pytest.fixture
def watch(make_runtime, tmp_path):
    """Start a watcher on ``tmp_path/in``; every one started is stopped at teardown."""
    runtime = make_runtime()
    started: list[FolderWatcher] = []
    states: list[WatchState] = []

    def start(**overrides) -> tuple[FolderWatcher, Reports]:
        values = {
            "folder": tmp_path / "in",
            "poll_seconds": POLL,
            "settle_seconds": SETTLE,
            "options": TranscribeOptions(),
            **overrides,
        }
        Path(values["folder"]).mkdir(parents=True, exist_ok=True)
        state = WatchState(tmp_path / "data" / STATE_FILE)
        reports = Reports()
        watcher = FolderWatcher(runtime.service, WatchConfig(**values), state, report=reports)
        watcher.start()
        started.append(watcher)
        states.append(state)
        return watcher, reports

    yield start
    for watcher in started:
        watcher.stop()
    for state in states:
        state.close()


def quiet_for(seconds: float) -> None:
    """Let the watcher poll several times (it must not act)."""
    time.sleep(seconds)  # on purpose: nothing happening is what is checked


def test_a_dropped_file_is_transcribed_once_next_to_it(watch, jfk, tmp_path) -> None:
    _, reports = watch(formats=("txt", "srt"))
    folder = tmp_path / "in"
    (folder / "notes.txt").write_text("not audio")
    (folder / ".hidden.flac").write_bytes(Path(jfk).read_bytes())
    (folder / "~lock.flac").write_bytes(Path(jfk).read_bytes())
    (folder / "talk.flac.part").write_bytes(Path(jfk).read_bytes())
    (folder / ".cache").mkdir()
    shutil.copy(jfk, folder / ".cache" / "inside.flac")
    shutil.copy(jfk, folder / "talk.flac")
    detail, _ = reports.wait("talk.flac", "done")
    assert detail == f"{folder / 'talk.txt'}, {folder / 'talk.srt'}"
    assert (folder / "talk.txt").read_text(encoding="utf-8").strip() == PHRASE
    assert PHRASE in (folder / "talk.srt").read_text(encoding="utf-8")
    quiet_for(1.5)
    assert reports.of("talk.flac") == ["queued", "done"]  # once
    assert {n for n, *_ in reports.items} == {"talk.flac"}  # nothing else was taken


def test_a_growing_file_waits_until_it_settles(watch, jfk, tmp_path) -> None:
    _, reports = watch()
    data = Path(jfk).read_bytes()
    target = tmp_path / "in" / "recording.flac"
    with open(target, "wb") as out:
        for i in range(0, len(data), len(data) // 8 + 1):  # a slow copy: 8 pieces, 0.3 s apart
            assert reports.of("recording.flac") == [], "taken while it was still growing"
            out.write(data[i : i + len(data) // 8 + 1])
            out.flush()
            last_write = time.monotonic()
            time.sleep(0.3)  # on purpose: the copy is slow, the file must grow for a while
    _, queued_at = reports.wait("recording.flac", "queued")
    assert queued_at - last_write >= SETTLE
    reports.wait("recording.flac", "done")
    assert (tmp_path / "in" / "recording.txt").read_text(encoding="utf-8").strip() == PHRASE


def test_a_restart_does_not_redo_finished_files_but_a_changed_file_goes_again(
    watch, jfk, tmp_path
) -> None:
    first, reports = watch()
    shutil.copy(jfk, tmp_path / "in" / "talk.flac")
    reports.wait("talk.flac", "done")
    first.stop()
    (tmp_path / "in" / "talk.txt").unlink()  # even without its transcript it was done

    _, again = watch()
    quiet_for(1.5)
    assert again.items == []
    later = time.time() + 5
    os.utime(tmp_path / "in" / "talk.flac", (later, later))  # replaced: a new file
    again.wait("talk.flac", "done")
    assert (tmp_path / "in" / "talk.txt").exists()


def test_a_file_queued_before_a_restart_is_taken_again(watch, jfk, tmp_path) -> None:
    audio = tmp_path / "in" / "talk.flac"
    audio.parent.mkdir(parents=True)
    shutil.copy(jfk, audio)
    state = WatchState(tmp_path / "data" / STATE_FILE)
    st = audio.stat()
    # The last run queued it on a stack that did not outlive the restart.
    state.put(str(audio), (st.st_size, st.st_mtime_ns), "queued", task_id="gone")
    state.close()
    _, reports = watch()
    reports.wait("talk.flac", "done")


def test_a_failed_file_is_reported_once_and_not_retried(watch, tmp_path) -> None:
    _, reports = watch()
    (tmp_path / "in" / "broken.mp3").write_bytes(b"this is not audio at all" * 100)
    why, _ = reports.wait("broken.mp3", "failed")
    assert "FFmpeg" in why or "audio" in why
    quiet_for(1.5)
    assert reports.of("broken.mp3") == ["failed"]


def test_an_output_folder_mirrors_the_watched_one_and_names_never_clash(
    watch, jfk, tmp_path
) -> None:
    out = tmp_path / "out"
    _, reports = watch(output_dir=out, formats=("txt",))
    nested = tmp_path / "in" / "day1"
    nested.mkdir(parents=True)
    shutil.copy(jfk, nested / "talk.flac")
    shutil.copy(jfk, nested / "talk.mp3")  # FLAC inside (FFmpeg reads it): a twin
    reports.wait("talk.flac", "done")
    reports.wait("talk.mp3", "done")
    for name in ("talk.flac.txt", "talk.mp3.txt"):
        assert (out / "day1" / name).read_text(encoding="utf-8").strip() == PHRASE
    assert not list((tmp_path / "in").rglob("*.txt"))


def test_existing_transcripts_newer_than_the_file_are_kept(watch, jfk, tmp_path) -> None:
    folder = tmp_path / "in"
    folder.mkdir(parents=True)
    shutil.copy(jfk, folder / "old.flac")
    (folder / "old.txt").write_text("corrected by hand\n")
    _, reports = watch()
    reports.wait("old.flac", "done")
    assert reports.of("old.flac") == ["done"]  # never queued
    assert (folder / "old.txt").read_text() == "corrected by hand\n"
