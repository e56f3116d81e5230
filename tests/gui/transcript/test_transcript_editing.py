"""Editing a transcript in the window, with real tiny.en words: the view, undo, exports,
the HTTP result and a restart all show the edit, and the engine's original is kept."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit

from engine.task import TaskStatus
from gui import dialogs
from tests.gui.conftest import OFFSCREEN_NOISE, close, drop, wait_status

pytestmark = OFFSCREEN_NOISE


def click(qtbot, widget) -> None:
    assert widget.isEnabled(), widget.text()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def select_segment(qtbot, view, row: int) -> None:
    table = view.table
    rect = table.visualRect(view.proxy.index(row, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert view.editor.current() == row


def texts(view) -> list[str]:
    return view.visible_text()


def answer(qtbot, dialog, ok: bool = True) -> None:
    button = QDialogButtonBox.StandardButton.Ok if ok else QDialogButtonBox.StandardButton.Cancel
    click(qtbot, dialog.buttons.button(button))


def task_json(window, task_id: str) -> dict:
    url = window.session.backend.urls()["queue"]
    response = httpx.get(f"{url}/task/{task_id}", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_edit_merge_split_shift_undo_export_and_restart(
    qtbot, make_window, jfk, tiny_en_model, tmp_path, monkeypatch
):
    window = make_window(model=tiny_en_model)
    audio = Path(shutil.copy(jfk, tmp_path / "speech.flac"))
    drop(window.drop_zone, [audio])
    row = wait_status(qtbot, window, "speech.flac", TaskStatus.COMPLETED)
    original = row.result
    window.open_task(row.id)
    view = window.transcript
    assert view.editor.isVisible() and not view.editor.undo_button.isEnabled()
    assert "ask not what your country" in " ".join(texts(view)).lower()

    # Merge everything into one segment, so what follows does not depend on tiny.en's cuts.
    while len(texts(view)) > 1:
        select_segment(qtbot, view, 0)
        click(qtbot, view.editor.merge_button)
        qtbot.wait_until(view.editor.undo_button.isEnabled, timeout=5_000)
    (whole,) = view.segments.segments
    words = [w["text"].strip().lower() for w in whole["words"]]
    at = words.index("ask")  # "... Americans, | ask not what your country ..."

    # Split before "ask": the second part starts where tiny.en heard that word.
    select_segment(qtbot, view, 0)
    click(qtbot, view.editor.split_button)
    dialog = view.editor.split_dialog
    dialog.words.setCurrentRow(at)
    answer(qtbot, dialog)
    qtbot.wait_until(lambda: len(texts(view)) == 2, timeout=5_000)
    first, second = view.segments.segments
    assert second["text"].strip().lower().startswith("ask not what your country")
    assert second["start"] == whole["words"][at]["start"]
    assert first["end"] == whole["words"][at - 1]["end"]

    # Edit the first segment's text in place: F2, type, Enter.
    select_segment(qtbot, view, 0)
    qtbot.keyClick(view.table, Qt.Key.Key_F2)
    (editor,) = view.table.viewport().findChildren(QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, "My fellow citizens of the world,")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.wait_until(lambda: texts(view)[0] == "My fellow citizens of the world,", timeout=5_000)
    assert view.editor.current() == 0  # the edited segment stays selected

    # Shift every segment 1.5 s later.
    click(qtbot, view.editor.shift_button)
    shift = view.editor.shift_dialog
    shift.seconds.setValue(1.5)
    shift.every.setChecked(True)
    answer(qtbot, shift)
    later = round(first["start"] + 1.5, 3)
    qtbot.wait_until(lambda: view.segments.segments[0]["start"] == later, timeout=5_000)
    assert view.segments.segments[1]["start"] == round(second["start"] + 1.5, 3)
    assert "edited" in view.meta.text()

    # Undo (Ctrl+Z) takes back the shift only.
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.wait_until(lambda: view.segments.segments[0]["start"] == first["start"], timeout=5_000)
    assert texts(view)[0] == "My fellow citizens of the world,"

    # Every export and the HTTP API read the edit; the engine's result is kept beside it.
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(
        dialogs, "save_file", lambda p, t, suggested, f: (str(out / Path(suggested).name), "")
    )
    for fmt in ("txt", "srt", "vtt", "json", "tsv"):
        window.transcript.export_requested.emit(row.id, fmt)
    qtbot.wait_until(lambda: len(list(out.iterdir())) == 5, timeout=10_000)
    for name in ("speech.txt", "speech.srt", "speech.vtt", "speech.tsv"):
        written = (out / name).read_text(encoding="utf-8")
        assert "My fellow citizens of the world," in written and "Americans" not in written
    assert len(json.loads((out / "speech.json").read_text(encoding="utf-8"))["segments"]) == 2

    def saved() -> None:
        public = task_json(window, row.id)
        assert public["edited"] is True
        assert public["result"]["text"].startswith("My fellow citizens of the world,")
        assert public["original_result"] == original

    qtbot.wait_until(saved, timeout=10_000)
    url = window.session.backend.urls()["queue"]
    srt = httpx.get(f"{url}/task/{row.id}/result", params={"response_format": "srt"}, timeout=10)
    assert "My fellow citizens of the world," in srt.text

    # A new window on the same data folder shows the edited transcript.
    close(qtbot, window)
    reopened = make_window(model=tiny_en_model)
    qtbot.wait_until(lambda: reopened.model.row(row.id) is not None, timeout=10_000)
    reopened.open_task(row.id)
    again = reopened.transcript
    assert texts(again)[0] == "My fellow citizens of the world,"
    assert "edited" in again.meta.text() and not again.editor.undo_button.isEnabled()


def test_an_empty_text_is_refused_with_a_reason_and_nothing_is_saved(
    qtbot, make_window, jfk, tmp_path
):
    window = make_window()
    drop(window.drop_zone, [Path(shutil.copy(jfk, tmp_path / "speech.flac"))])
    row = wait_status(qtbot, window, "speech.flac", TaskStatus.COMPLETED)
    window.open_task(row.id)
    view = window.transcript
    last = len(texts(view)) - 1
    select_segment(qtbot, view, last)
    assert not view.editor.merge_button.isEnabled()  # nothing after the last segment
    before = list(texts(view))
    qtbot.keyClick(view.table, Qt.Key.Key_F2)
    (editor,) = view.table.viewport().findChildren(QLineEdit)
    editor.clear()
    with qtbot.wait_signal(view.editor.refused, timeout=5_000) as refused:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert "merge" in refused.args[0]
    assert texts(view) == before and not view.editor.undo_button.isEnabled()
    assert "needs some text" in window.status.currentMessage()
    assert task_json(window, row.id)["edited"] is False
    view.show_task(None)
    assert not view.editor.isVisible()
