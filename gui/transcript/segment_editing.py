"""Editing a finished transcript in the window: text, merge, split, shift times, undo.

The bar works on the transcript view's table; every edit is computed by
:mod:`engine.edits` on the task's whole result and handed on as the new result (the window
saves it with the task, see :class:`gui.tasks.edits.TaskEdits`). The split and shift dialogs
open window-modal without blocking, so a person (or a test) answers them in the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from engine import InvalidParameter, edits

log = logging.getLogger(__name__)

Result = dict[str, Any]


class SplitDialog(QDialog):
    """Pick the word the second part starts with."""

    def __init__(self, segment: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Split the segment")
        self.words = QListWidget()
        timed = segment.get("words") or []
        for i, word in enumerate(edits.words_of(segment)):
            when = f"   {timed[i]['start']:.2f} s" if timed else ""
            item = QListWidgetItem(f"{word}{when}")
            if i == 0:  # the first part needs a word too
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.words.addItem(item)
        self.words.setCurrentRow(min(1, self.words.count() - 1))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Split")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.words.currentRowChanged.connect(self._check)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("The second part starts at:"))
        layout.addWidget(self.words)
        layout.addWidget(self.buttons)
        self._check(self.words.currentRow())

    def _check(self, row: int) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(row >= 1)

    def at_word(self) -> int:
        return self.words.currentRow()


class ShiftDialog(QDialog):
    """How far to move the times, and of which segments."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Shift times")
        self.seconds = QDoubleSpinBox()
        self.seconds.setRange(-36_000.0, 36_000.0)
        self.seconds.setDecimals(3)
        self.seconds.setSingleStep(0.1)
        self.seconds.setSuffix(" s")
        self.only_selected = QRadioButton("The selected segment")
        self.every = QRadioButton("Every segment")
        self.only_selected.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.only_selected)
        group.addButton(self.every)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Shift")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Move by (later > 0, earlier < 0)", self.seconds)
        form.addRow("", self.only_selected)
        form.addRow("", self.every)
        form.addRow(self.buttons)


class SegmentEditor(QWidget):
    """Edit, Merge, Split…, Shift…, Undo for the completed task shown in ``table``.

    F2 (or **Edit**) edits the selected segment's text in place; Ctrl+Z undoes the last edit.

    Signals:
        edit_requested(str, object): task id and its whole result with the edit made.
        undo_requested(str): task id: take back its last edit.
        refused(str): an edit that cannot be made, and why (for the status bar).
    """

    edit_requested = Signal(str, object)
    undo_requested = Signal(str)
    refused = Signal(str)

    def __init__(
        self, table: QTableView, proxy: QSortFilterProxyModel, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.table = table
        self.proxy = proxy
        self.task_id = ""
        self.result: Result | None = None
        self.split_dialog: SplitDialog | None = None
        self.shift_dialog: ShiftDialog | None = None
        self._can_undo = False
        self._keep: int | None = None  # the segment to select again once the edit shows
        self.edit_button = _button("Edit", "Edit the selected segment's text (F2)", self.edit_text)
        self.merge_button = _button("Merge", "Join the selected segment with the next", self.merge)
        self.split_button = _button("Split…", "Cut the selected segment at a word", self.split)
        self.shift_button = _button("Shift…", "Move the times of one or every segment", self.shift)
        self.undo_button = _button("Undo", "Take back the last edit (Ctrl+Z)", self.undo)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for button in (
            self.edit_button,
            self.merge_button,
            self.split_button,
            self.shift_button,
            self.undo_button,
        ):
            row.addWidget(button)
        row.addStretch(1)
        table.installEventFilter(self)  # Ctrl+Z in the table (the text editor keeps its own)
        table.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        table.selectionModel().currentChanged.connect(lambda *_: self._update())
        self.set_task("", None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.table
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.matches(QKeySequence.StandardKey.Undo)
        ):
            self.undo()
            return True
        return super().eventFilter(watched, event)

    # -- state ---------------------------------------------------------------------------

    def set_task(self, task_id: str, result: Result | None) -> None:
        """Show the edit bar for ``result`` (None: the task cannot be edited now)."""
        if task_id != self.task_id:
            self._keep, self._can_undo = None, False
        self.task_id, self.result = task_id, result
        self.setVisible(result is not None)
        if self._keep is not None and result is not None:
            self._select(self._keep)
            self._keep = None
        self._update()

    def set_can_undo(self, task_id: str, available: bool) -> None:
        if task_id == self.task_id:
            self._can_undo = available
            self._update()

    def current(self) -> int | None:
        """The selected segment (its index in the result), if any."""
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.proxy.mapToSource(index).row()

    def _segments(self) -> list[dict[str, Any]]:
        return list((self.result or {}).get("segments") or [])

    def _update(self) -> None:
        at, count = self.current(), len(self._segments())
        chosen = self.result is not None and at is not None and at < count
        self.edit_button.setEnabled(chosen)
        self.merge_button.setEnabled(chosen and at is not None and at + 1 < count)
        words = edits.words_of(self._segments()[at]) if chosen and at is not None else []
        self.split_button.setEnabled(len(words) > 1)
        self.shift_button.setEnabled(bool(count))
        self.undo_button.setEnabled(self.result is not None and self._can_undo)

    def _select(self, row: int) -> None:
        source = self.proxy.sourceModel().index(row, 1)
        index = self.proxy.mapFromSource(source)
        if index.isValid():
            flags = (
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows
            )
            self.table.selectionModel().setCurrentIndex(index, flags)

    # -- edits ---------------------------------------------------------------------------

    def _apply(self, keep: int | None, edit: Callable[[Result], Result]) -> None:
        if self.result is None:
            return
        try:
            edited = edit(self.result)
        except InvalidParameter as exc:
            self.refused.emit(str(exc))
            return
        if edited != self.result:
            self._keep = keep
            self.edit_requested.emit(self.task_id, edited)

    def edit_text(self) -> None:
        index = self.table.currentIndex()
        if index.isValid() and self.result is not None:
            self.table.edit(index.siblingAtColumn(1))

    def text_edited(self, row: int, text: str) -> None:
        """The table's editor committed ``text`` for segment ``row``."""
        self._apply(row, lambda result: edits.set_text(result, row, text))

    def merge(self) -> None:
        at = self.current()
        if at is not None:
            self._apply(at, lambda result: edits.merge(result, at))

    def split(self) -> SplitDialog | None:
        at = self.current()
        if at is None or self.result is None:
            return None
        dialog = SplitDialog(self._segments()[at], self)
        dialog.accepted.connect(
            lambda: self._apply(at, lambda result: edits.split(result, at, dialog.at_word()))
        )
        dialog.finished.connect(dialog.deleteLater)
        self.split_dialog = dialog
        dialog.open()
        return dialog

    def shift(self) -> ShiftDialog | None:
        if self.result is None:
            return None
        at = self.current()
        dialog = ShiftDialog(self)
        if at is None:
            dialog.every.setChecked(True)
            dialog.only_selected.setEnabled(False)

        def shifted(result: Result) -> Result:
            index = None if dialog.every.isChecked() else at
            return edits.shift(result, dialog.seconds.value(), index)

        dialog.accepted.connect(lambda: self._apply(at, shifted))
        dialog.finished.connect(dialog.deleteLater)
        self.shift_dialog = dialog
        dialog.open()
        return dialog

    def undo(self) -> None:
        if self.result is not None and self._can_undo:
            self._keep = self.current()
            self.undo_requested.emit(self.task_id)


def _button(text: str, tip: str, slot: Callable[[], object]) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    button.clicked.connect(slot)
    return button
