"""Dropping files, the live task table, cancel, HTTP tasks, export, settings across restarts."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt

from engine.task import TaskStatus
from gui import dialogs
from gui.tasks.model import Column
from harness.tiny_whisper import phrase
from tests.conftest import PHRASE
from tests.gui.conftest import (
    OFFSCREEN_NOISE,
    drop,
    row_named,
    wait_ready,
    wait_status,
)

pytestmark = OFFSCREEN_NOISE


def copies(source: str, folder: Path, *names: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy(source, folder / name)) for name in names]


def click_action(qtbot, window, task_id: str, action: str) -> None:
    """Click the row's action button where the table draws it."""
    table = window.table
    qtbot.mouseClick(
        table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=table.action_button_center(task_id, action),
    )


def test_dropped_files_stack_lifo_progress_and_cancel(
    qtbot, make_window, long_audio, jfk, tmp_path
):
    window = make_window()
    progress: dict[str, list[float]] = {}
    window.session.task_event.connect(
        lambda e: progress.setdefault(e.task_id, []).append(e.progress)
    )
    drop(window.drop_zone, [long_audio])
    long_row = wait_status(qtbot, window, Path(long_audio).name, TaskStatus.PROCESSING)

    files = copies(jfk, tmp_path / "in", "first.flac", "second.flac", "third.flac")
    drop(window.drop_zone, files)

    def lifo() -> None:
        positions = [row_named(window, f.name).position for f in files]
        assert positions == [3, 2, 1]  # the last one dropped is taken next
        assert window.model.data(window.model.index(0, Column.POSITION)) == "1"

    qtbot.wait_until(lifo, timeout=30_000)
    qtbot.wait_until(lambda: row_named(window, Path(long_audio).name).progress > 0, timeout=60_000)
    window.task_actions.run(long_row.id, "open")  # its transcript fills in while it runs
    # The first window's text (its sentence may come as pieces cut at the model's pauses).
    qtbot.wait_until(
        lambda: " ".join(t.strip() for t in window.transcript.visible_text()).startswith(PHRASE),
        timeout=30_000,
    )

    click_action(qtbot, window, long_row.id, "cancel")
    wait_status(qtbot, window, Path(long_audio).name, TaskStatus.CANCELLED)
    done = [wait_status(qtbot, window, f.name, TaskStatus.COMPLETED) for f in files]

    assert [r.filename for r in sorted(done, key=lambda r: r.started)] == [
        "third.flac",
        "second.flac",
        "first.flac",
    ]
    for row in done:
        assert row.progress == 1.0
        assert row.result["text"] == PHRASE
        seen = progress[row.id]
        assert seen[-1] == 1.0 and any(0 < p < 1 for p in seen), seen
    assert any(0 < p < 1 for p in progress[long_row.id])
    assert "cancel" not in row_named(window, Path(long_audio).name).actions()


def test_cancel_a_queued_task_then_retry_and_remove_it(
    qtbot, make_window, long_audio, jfk, tmp_path
):
    window = make_window()
    drop(window.drop_zone, [long_audio])
    long_row = wait_status(qtbot, window, Path(long_audio).name, TaskStatus.PROCESSING)
    (waiting,) = copies(jfk, tmp_path / "in", "waiting.flac")
    drop(window.drop_zone, [waiting])
    queued = wait_status(qtbot, window, "waiting.flac", TaskStatus.QUEUED)
    assert queued.position == 1 and queued.actions() == {"cancel"}

    click_action(qtbot, window, queued.id, "cancel")
    cancelled = wait_status(qtbot, window, "waiting.flac", TaskStatus.CANCELLED)
    assert {"retry", "remove"} <= cancelled.actions()
    click_action(qtbot, window, cancelled.id, "retry")
    qtbot.wait_until(lambda: row_named(window, "waiting.flac").id != cancelled.id, timeout=10_000)
    assert row_named(window, "waiting.flac").status == TaskStatus.QUEUED  # the same row, again

    window.task_actions.run(long_row.id, "cancel")
    done = wait_status(qtbot, window, "waiting.flac", TaskStatus.COMPLETED)
    window.table.select_task(done.id)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    assert [r.filename for r in window.model.rows()] == [Path(long_audio).name]


def test_folders_are_searched_recursively_by_extension(qtbot, make_window, jfk, tmp_path):
    window = make_window()
    copies(jfk, tmp_path / "talks", "top.flac")
    copies(jfk, tmp_path / "talks" / "deeper" / "still", "nested.FLAC")
    (tmp_path / "talks" / "notes.txt").write_text("not audio")
    drop(window.drop_zone, [tmp_path / "talks"])
    for name in ("top.flac", "nested.FLAC"):
        wait_status(qtbot, window, name, TaskStatus.COMPLETED)
    assert sorted(r.filename for r in window.model.rows()) == ["nested.FLAC", "top.flac"]


def test_refused_file_is_reported_and_nothing_queued(qtbot, make_window, tmp_path):
    window = make_window()
    bad = tmp_path / "broken.mp3"
    bad.write_bytes(b"this is not audio at all")
    with qtbot.wait_signal(window.session.rejected, timeout=10_000) as refused:
        drop(window.drop_zone, [bad])
    assert refused.args[0] == str(bad)
    assert "FFmpeg" in refused.args[1] or "audio" in refused.args[1]
    assert "broken.mp3" in window.status.currentMessage()
    assert window.model.rows() == []


def test_task_posted_over_http_appears_in_the_table(qtbot, make_window, jfk):
    window = make_window()
    assert window.windowTitle() == "Stackscribe"
    url = window.session.backend.urls()["queue"]
    assert url in window.status.server.text()
    with open(jfk, "rb") as fh:
        response = httpx.post(
            f"{url}/transcribe/", files={"file": ("from-http.flac", fh)}, timeout=30
        )
    assert response.status_code < 300, response.text
    task_id = response.json()["task_id"]
    row = wait_status(qtbot, window, "from-http.flac", TaskStatus.COMPLETED)
    assert row.id == task_id
    assert row.result["text"] == PHRASE
    assert "retry" not in row.actions()  # the upload is deleted once transcribed


def test_tasks_already_in_the_service_are_listed_when_the_window_opens(qtbot, make_window, jfk):
    from app.gui_cmd import HostedBackend

    def factory(settings, on_engine_change):  # another face queued work before we looked
        backend = HostedBackend(settings, on_engine_change)
        backend.service.submit(jfk, "before.flac")
        return backend

    window = make_window(factory=factory)
    row = wait_status(qtbot, window, "before.flac", TaskStatus.COMPLETED)
    assert row.duration == pytest.approx(11.0, abs=0.1)
    assert window.model.data(window.model.index(0, Column.DURATION)) == "0:11"


SRT_BLOCK = re.compile(
    r"(\d+)\n(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})\n(.+?)\n", re.S
)
VTT_CUE = re.compile(r"(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})\n(.+?)\n")


def seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def test_export_writes_valid_subtitles_and_data(qtbot, make_window, jfk, tmp_path, monkeypatch):
    window = make_window()
    drop(window.drop_zone, copies(jfk, tmp_path / "in", "speech.flac"))
    row = wait_status(qtbot, window, "speech.flac", TaskStatus.COMPLETED)
    out = tmp_path / "out"
    out.mkdir()
    chosen: list[str] = []

    def save_file(parent, title, suggested, name_filter):  # stands in for a person
        chosen.append(suggested)
        return str(out / Path(suggested).name), name_filter.split(";;")[0]

    monkeypatch.setattr(dialogs, "save_file", save_file)
    window.task_actions.run(row.id, "export")  # the row's export button: SRT first
    window.open_task(row.id)
    for fmt in ("vtt", "txt", "json", "tsv"):
        window.transcript.export_requested.emit(row.id, fmt)
    qtbot.wait_until(lambda: len(list(out.iterdir())) == 5, timeout=10_000)
    assert Path(chosen[0]).name == "speech.srt"

    srt = (out / "speech.srt").read_text(encoding="utf-8")
    blocks = SRT_BLOCK.findall(srt)
    assert blocks and blocks[0][0] == "1"
    for block in blocks:
        start, end = seconds(*block[1:5]), seconds(*block[5:9])
        assert 0 <= start < end <= 11.1
        assert block[9].strip() == PHRASE
    vtt = (out / "speech.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT\n\n")
    cues = VTT_CUE.findall(vtt)
    assert len(cues) == len(blocks)
    assert all(seconds(*c[0:4]) < seconds(*c[4:8]) for c in cues)
    assert (out / "speech.txt").read_text(encoding="utf-8").strip() == PHRASE
    assert json.loads((out / "speech.json").read_text(encoding="utf-8"))["text"] == PHRASE
    assert (out / "speech.tsv").read_text(encoding="utf-8").startswith("start\tend\ttext\n")


def test_transcript_view_searches_and_copies(qtbot, make_window, jfk, tmp_path, qapp):
    window = make_window()
    drop(window.drop_zone, copies(jfk, tmp_path / "in", "speech.flac"))
    row = wait_status(qtbot, window, "speech.flac", TaskStatus.COMPLETED)
    qtbot.mouseDClick(
        window.table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=window.table.visualRect(window.model.index(0, Column.FILE)).center(),
    )
    view = window.transcript
    assert view.task_id == row.id
    assert view.visible_text() == [PHRASE]
    view.search.setText("COUNTRY")
    assert view.visible_text() == [PHRASE] and view.matches.text() == "1 of 1"
    view.search.setText("moon")
    assert view.visible_text() == [] and view.matches.text() == "0 of 1"
    view.search.clear()
    qtbot.mouseClick(view.copy_button, Qt.MouseButton.LeftButton)
    assert qapp.clipboard().text().strip() == PHRASE
    qtbot.wait_until(lambda: view.play_button.toolTip() != "", timeout=10_000)
    assert view.play_button.isEnabled() == (window.player.device is not None)


def test_settings_survive_reopening_the_window(qtbot, make_window, monkeypatch, jfk, tmp_path):
    window = make_window(beam_size=1)  # a setting given for the run, not in the dialog
    questions: list[str] = []

    def restart(parent, title: str, text: str, accept: str) -> bool:
        questions.append(title)
        return True

    monkeypatch.setattr(dialogs, "confirm", restart)  # a person answering "Restart" in it
    dialog = window.open_settings()
    dialog.language.setCurrentIndex(dialog.language.findData("fr"))
    dialog.task.setCurrentIndex(dialog.task.findData("translate"))
    dialog.word_timestamps.setChecked(False)
    dialog.vad.setChecked(False)
    dialog.compute_type.setCurrentText("int8")
    with qtbot.wait_signal(window.session.started, timeout=60_000):
        dialog.accept()
    assert questions == ["Restart the engine?"]
    wait_ready(qtbot, window)
    assert window.session.engine_status.compute_type == "int8"
    drop(window.drop_zone, copies(jfk, tmp_path / "in", "after.flac"))
    row = wait_status(qtbot, window, "after.flac", TaskStatus.COMPLETED)
    assert row.options.language == "fr" and row.options.task == "translate"
    assert not row.options.word_timestamps and not row.options.vad_filter
    # What the model said shows that language, task and beam size reached it.
    assert row.result["text"] == phrase("fr", "translate", beam_size=1).strip()

    from tests.gui.conftest import close

    close(qtbot, window)
    reopened = make_window()
    assert reopened.settings.compute_type == "int8"
    assert reopened.session.backend.settings.compute_type == "int8"
    again = reopened.open_settings()
    assert again.language.currentData() == "fr"
    assert again.task.currentData() == "translate"
    assert not again.word_timestamps.isChecked() and not again.vad.isChecked()
    assert again.compute_type.currentText() == "int8"
    again.reject()


def test_engine_restart_carries_queued_work_over(
    qtbot, make_window, monkeypatch, long_audio, jfk, tmp_path
):
    window = make_window()
    monkeypatch.setattr(dialogs, "confirm", lambda *args: True)  # a person says "Restart"
    drop(window.drop_zone, [long_audio])
    wait_status(qtbot, window, Path(long_audio).name, TaskStatus.PROCESSING)
    drop(window.drop_zone, copies(jfk, tmp_path / "in", "carried.flac"))
    old = wait_status(qtbot, window, "carried.flac", TaskStatus.QUEUED)

    dialog = window.open_settings()
    dialog.compute_type.setCurrentText("float32")
    with qtbot.wait_signal(window.session.started, timeout=60_000):
        dialog.accept()
    # The journal carries the queue over: same tasks, same ids, on the new engine.
    row = wait_status(qtbot, window, "carried.flac", TaskStatus.COMPLETED)
    assert row.id == old.id and window.session.engine_status.compute_type == "float32"
    assert len(window.model.rows()) == 2
    (hour,) = [r for r in window.model.rows() if r.filename == Path(long_audio).name]
    again = window.session.backend.service.get(hour.id)  # it was running: queued again
    assert again.status in (TaskStatus.QUEUED, TaskStatus.PROCESSING)


def test_closing_with_work_queued_asks_first(qtbot, make_window, long_audio, monkeypatch):
    window = make_window()
    drop(window.drop_zone, [long_audio])
    wait_status(qtbot, window, Path(long_audio).name, TaskStatus.PROCESSING)
    answers = [False, True]
    asked: list[str] = []

    def confirm(parent, title, text, accept):  # a person: first "Cancel", then "Quit"
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr(dialogs, "confirm", confirm)
    window.close()
    assert window.isVisible() and window.lifecycle == "open"
    assert "1 task(s) are still queued or running" in asked[0]
    with qtbot.wait_signal(window.closed, timeout=30_000):
        window.close()
    assert not window.isVisible()
    assert window.session.backend is None


def test_model_download_reports_why_it_failed_offline(qtbot, make_window):
    window = make_window()
    dialog = window.open_settings()
    dialog.model.setEditText("tiny")
    assert dialog.download_button.isEnabled()  # not in this test's empty model cache
    with qtbot.wait_signal(dialog.downloader.failed, timeout=30_000):
        qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
        assert dialog.cancel_download_button.isVisible()
    assert "cannot be reached" in dialog.model_state.text()
    assert dialog.download_button.isEnabled() and not dialog.cancel_download_button.isVisible()
    dialog.reject()


@pytest.mark.parametrize("value, expected", [("2.5", 2.5), ("", None), ("soon", None)])
def test_quit_after_reads_seconds(value, expected):
    from app.gui_cmd import quit_after

    assert quit_after({"STACKSCRIBE_QUIT_AFTER": value}) == expected


def test_gui_refuses_an_exposed_address_without_an_api_key(make_settings, capsys):
    from app.gui_cmd import run

    assert run(make_settings(host="0.0.0.0")) == 2
    assert "--api-key" in capsys.readouterr().err


def test_gui_command_quits_by_itself_when_asked(tiny_model, tmp_path):
    """What the packaging smoke test does: ``stackscribe gui`` offscreen, closing itself."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "STACKSCRIBE_QUIT_AFTER": "0.5"}
    command = [
        sys.executable,
        "-m",
        "app",
        "gui",
        "--model",
        tiny_model,
        "--data-dir",
        str(tmp_path / "data"),
        "--model-dir",
        str(tmp_path / "models"),
        "--redis-url",
        "",
        "--queue-port",
        "0",
        "--direct-port",
        "0",
        "--cpu-threads",
        "1",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Engine ready" in done.stderr and "Closing in 0.5 s" in done.stderr
    assert "Stopped" in done.stderr
