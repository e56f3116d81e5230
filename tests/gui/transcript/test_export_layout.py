"""The Export menu's subtitle layout: chosen once, kept in gui.ini, used by srt and vtt exports."""

from __future__ import annotations

import shutil
from pathlib import Path

from engine.subtitles import SubtitleLayout
from engine.task import TaskStatus
from gui import dialogs
from gui.settings.preferences import PreferenceStore
from gui.transcript import export_options
from tests.gui.conftest import OFFSCREEN_NOISE, drop, wait_status

pytestmark = OFFSCREEN_NOISE


def test_the_dialog_reads_its_boxes_and_zero_means_no_limit(qtbot) -> None:
    dialog = dialogs.SubtitleLayoutDialog(SubtitleLayout(max_line_width=30))
    qtbot.add_widget(dialog)
    assert dialog.boxes["max_line_width"].value() == 30
    assert dialog.boxes["max_line_count"].value() == 0
    dialog.boxes["max_line_count"].setValue(2)
    assert dialog.layout_values() == SubtitleLayout(max_line_width=30, max_line_count=2)
    for box in dialog.boxes.values():
        box.setValue(0)
    assert dialog.layout_values() is None


def test_layout_survives_in_the_store(tmp_path: Path) -> None:
    store = PreferenceStore(tmp_path / "gui.ini")
    assert export_options.saved_layout(store) is None
    export_options.save_layout(store, SubtitleLayout(max_words_per_line=4))
    again = PreferenceStore(tmp_path / "gui.ini")
    assert export_options.saved_layout(again) == SubtitleLayout(max_words_per_line=4)
    again.set_value("export/max_line_count", "-3")  # edited by hand: ignored, with a warning
    assert export_options.saved_layout(again) is None


def test_exports_follow_the_chosen_layout(qtbot, make_window, jfk, tmp_path, monkeypatch):
    window = make_window()
    folder = tmp_path / "in"
    folder.mkdir()
    drop(window.drop_zone, [shutil.copy(jfk, folder / "speech.flac")])
    row = wait_status(qtbot, window, "speech.flac", TaskStatus.COMPLETED)
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(  # stand in for a person answering the dialogs
        dialogs,
        "subtitle_layout",
        lambda parent, current: (True, SubtitleLayout(max_line_width=16, max_line_count=1)),
    )
    monkeypatch.setattr(
        dialogs,
        "save_file",
        lambda parent, title, suggested, name_filter: (str(out / Path(suggested).name), ""),
    )
    window.open_task(row.id)
    window.transcript.layout_action.trigger()
    window.transcript.export_requested.emit(row.id, "srt")
    qtbot.wait_until((out / "speech.srt").exists, timeout=10_000)
    blocks = (out / "speech.srt").read_text(encoding="utf-8").strip().split("\n\n")
    assert len(blocks) > 1
    for block in blocks:
        lines = block.split("\n")[2:]
        assert len(lines) == 1 and len(lines[0]) <= 16, block
