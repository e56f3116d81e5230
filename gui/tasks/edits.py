"""A person's edits of finished transcripts: shown at once, saved with the task, undoable.

Each edit replaces the task's whole result: the window's row shows it at once, and the
session saves it in the stack (``TaskService.edit_result``, off the GUI thread), where the
engine's result is kept as ``original_result``; exports and the HTTP API read the edit from
there. Undo goes back one edit at a time, as far back as this window's session went.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Signal

from engine import Task
from gui.session import Session
from gui.tasks.model import TaskModel

log = logging.getLogger(__name__)

UNDO_DEPTH = 100  # edits kept for undo, per task


class TaskEdits(QObject):
    """Applies, saves and undoes edits of task results.

    Signals:
        undo_changed(str, bool): whether the task now has an edit to take back.
    """

    undo_changed = Signal(str, bool)

    def __init__(self, model: TaskModel, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.session = session
        self._history: dict[str, list[dict[str, Any]]] = {}
        session.edit_saved.connect(self._on_saved)
        model.rowsAboutToBeRemoved.connect(self._forget_removed)

    def can_undo(self, task_id: str) -> bool:
        return bool(self._history.get(task_id))

    def apply(self, task_id: str, result: dict[str, Any]) -> None:
        """Show ``result`` as the task's transcript and save it with the task."""
        row = self.model.row(task_id)
        if row is None or row.result is None:
            return
        history = self._history.setdefault(task_id, [])
        history.append(row.result)
        del history[:-UNDO_DEPTH]
        self._save(task_id, result)

    def undo(self, task_id: str) -> None:
        history = self._history.get(task_id)
        if history:
            self._save(task_id, history.pop())

    def _save(self, task_id: str, result: dict[str, Any]) -> None:
        self.model.set_result(task_id, result)
        self.session.edit_result(task_id, result)
        self.undo_changed.emit(task_id, self.can_undo(task_id))

    def _on_saved(self, task: Task) -> None:
        row = self.model.row(task.id)
        if row is None or row.result is None:
            return
        if row.result == task.result:  # not overtaken by a later edit
            self.model.set_result(task.id, row.result, edited=task.original_result is not None)

    def _forget_removed(self, _parent: object, first: int, last: int) -> None:
        rows = self.model.rows()
        for row in rows[first : last + 1]:
            self._history.pop(row.id, None)
