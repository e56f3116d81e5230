"""The window's watched folder: chosen in the settings, its new files queued in the table,
their transcripts written beside them, nothing queued twice after reopening the window."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import Qt

from engine.task import TaskStatus
from gui import dialogs
from tests.conftest import PHRASE
from tests.gui.conftest import OFFSCREEN_NOISE, close, wait_status

pytestmark = OFFSCREEN_NOISE
FAST = {"watch_poll_seconds": 0.2, "watch_settle_seconds": 0.5}


def test_a_watched_folder_queues_new_files_once(qtbot, make_window, jfk, tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    window = make_window(**FAST)
    monkeypatch.setattr(dialogs, "open_folder", lambda parent, directory: str(inbox))
    dialog = window.open_settings()
    qtbot.mouseClick(dialog.watch_choose, Qt.MouseButton.LeftButton)  # a person picks it
    assert dialog.watch_folder.text() == str(inbox)
    dialog.watch_formats["srt"].setChecked(True)
    dialog.accept()
    assert window.folder_watch.folder == inbox

    shutil.copy(jfk, inbox / "speech.flac")
    (inbox / "speech.flac.part").write_bytes(b"half a copy")  # never taken
    row = wait_status(qtbot, window, "speech.flac", TaskStatus.COMPLETED)
    qtbot.wait_until((inbox / "speech.srt").exists, timeout=10_000)
    assert (inbox / "speech.txt").read_text(encoding="utf-8").strip() == PHRASE
    assert PHRASE in (inbox / "speech.srt").read_text(encoding="utf-8")
    qtbot.wait_until(lambda: "wrote" in window.status.currentMessage(), timeout=10_000)

    (inbox / "broken.mp3").write_bytes(b"not audio " * 200)
    qtbot.wait_until(
        lambda: "broken.mp3 (watched folder) failed" in window.status.currentMessage(),
        timeout=30_000,
    )
    close(qtbot, window)

    reopened = make_window(**FAST)
    assert reopened.folder_watch.folder == inbox  # the setting was kept
    shutil.copy(jfk, inbox / "later.flac")
    wait_status(qtbot, reopened, "later.flac", TaskStatus.COMPLETED)
    qtbot.wait_until((inbox / "later.txt").exists, timeout=10_000)
    # speech.flac is the finished task from before the restart, not a second one.
    again = [r for r in reopened.model.rows() if r.filename == "speech.flac"]
    assert [r.id for r in again] == [row.id]
    assert "broken.mp3" not in {r.filename for r in reopened.model.rows()}

    dialog = reopened.open_settings()
    dialog.watch_folder.clear()
    dialog.accept()
    assert reopened.folder_watch.folder is None
    assert sorted(p.name for p in inbox.iterdir()) == sorted(
        [
            "broken.mp3",
            "later.flac",
            "later.srt",
            "later.txt",
            "speech.flac",
            "speech.flac.part",
            "speech.srt",
            "speech.txt",
        ]
    )


def test_a_missing_watched_folder_is_said(qtbot, make_window, tmp_path) -> None:
    window = make_window()
    dialog = window.open_settings()
    dialog.watch_folder.setText(str(tmp_path / "nowhere"))
    dialog.accept()
    assert window.folder_watch.folder is None
    assert "does not exist" in window.status.currentMessage()
    assert Path(tmp_path / "nowhere").exists() is False
