"""The window's hotwords (a task option) and replacement table (an engine setting)."""

from __future__ import annotations

from pathlib import Path

from app.settings import Settings, load
from gui.settings.preferences import Preferences, PreferenceStore


def test_the_dialog_edits_hotwords_and_the_table(qtbot) -> None:
    from gui.settings.dialog import SettingsDialog

    base = Settings(replacements="comfy eye=ComfyUI")
    dialog = SettingsDialog(base, Preferences(hotwords="ComfyUI"))
    qtbot.add_widget(dialog)
    assert dialog.hotwords.text() == "ComfyUI"
    assert dialog.replacements.toPlainText() == "comfy eye=ComfyUI"  # one entry a line
    assert not dialog.engine_changed()
    dialog.hotwords.setText(" ComfyUI, Kubernetes ")
    assert dialog.preferences().options().hotwords == "ComfyUI, Kubernetes"
    dialog.replacements.setPlainText("comfy eye=ComfyUI\nnot an entry")
    dialog.accept()  # refused, and the dialog says why
    assert dialog.result() == 0  # not accepted
    assert "'not an entry' has no '='" in dialog.replacements_error.text()
    dialog.replacements.setPlainText("comfy eye=ComfyUI\nsemi;colon=fine")
    assert dialog.engine_changed()  # a new table restarts the engine
    assert Settings(replacements=dialog.settings().replacements).replacement_table == (
        ("comfy eye", "ComfyUI"),
        ("semi;colon", "fine"),
    )


def test_hotwords_and_the_table_are_saved(tmp_path: Path) -> None:
    store = PreferenceStore(tmp_path / "gui.ini")
    store.save_preferences(Preferences(hotwords="ComfyUI, Kubernetes"))
    store.save_engine(Settings(replacements="comfy eye=ComfyUI; a=b"))
    again = PreferenceStore(tmp_path / "gui.ini")
    assert again.preferences().options().hotwords == "ComfyUI, Kubernetes"
    assert again.engine_settings(load({}, {})).replacements == "comfy eye=ComfyUI; a=b"
    # A table spoiled by hand is ignored (with a warning), never a window that will not open.
    again.set_value("engine/replacements", "no equals sign")
    assert PreferenceStore(tmp_path / "gui.ini").engine_settings(load({}, {})).replacements == ""
