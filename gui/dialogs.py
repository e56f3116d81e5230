"""The modal questions the window asks a person, in one place.

Tests replace these functions (a person answering a modal dialog cannot run offscreen);
everything around them is the real window.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from engine import SubtitleLayout
from gui.transcript.export_options import SubtitleLayoutDialog


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
