"""The modal questions the window asks a person, in one place.

Tests replace these functions (a person answering a modal dialog cannot run offscreen);
everything around them is the real window.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QMessageBox,
    QSpinBox,
    QWidget,
)

from engine import LAYOUT_NAMES, MAX_LAYOUT_LIMIT, SubtitleLayout, layout_from_values

LAYOUT_LABELS = {
    "max_line_width": "Characters per line",
    "max_line_count": "Lines per cue",
    "max_words_per_line": "Words per line",
}


def open_files(parent: QWidget, directory: str, name_filter: str) -> list[str]:
    paths, _ = QFileDialog.getOpenFileNames(parent, "Add files", directory, name_filter)
    return paths


def open_folder(parent: QWidget, directory: str) -> str:
    return QFileDialog.getExistingDirectory(parent, "Add a folder", directory)


def save_file(parent: QWidget, title: str, suggested: str, name_filter: str) -> tuple[str, str]:
    """The chosen path and the chosen filter; an empty path when cancelled."""
    return QFileDialog.getSaveFileName(parent, title, suggested, name_filter)


def subtitle_layout(
    parent: QWidget, current: SubtitleLayout | None
) -> tuple[bool, SubtitleLayout | None]:
    """Whether the person chose (not cancelled), and the layout chosen (None: no limits)."""
    dialog = SubtitleLayoutDialog(current, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False, current
    return True, dialog.layout_values()


def confirm(parent: QWidget, title: str, text: str, accept: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    yes = box.addButton(accept, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(yes)
    box.exec()
    return box.clickedButton() is yes


class SubtitleLayoutDialog(QDialog):
    """Three limits for subtitle cues; read :meth:`layout` after ``accepted``."""

    def __init__(self, current: SubtitleLayout | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Subtitle layout")
        form = QFormLayout(self)
        self.boxes: dict[str, QSpinBox] = {}
        values = current.to_dict() if current is not None else {}
        for name in LAYOUT_NAMES:
            box = QSpinBox()
            box.setRange(0, MAX_LAYOUT_LIMIT)
            box.setSpecialValueText("No limit")
            box.setValue(values.get(name) or 0)
            self.boxes[name] = box
            form.addRow(LAYOUT_LABELS[name], box)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setToolTip(
            "Applies to SRT and WebVTT exports: cues are cut from word timings, never across "
            "a pause of over a second, and lines break at punctuation where they can."
        )

    def layout_values(self) -> SubtitleLayout | None:
        return layout_from_values({name: box.value() or None for name, box in self.boxes.items()})
