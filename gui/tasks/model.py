"""One row per task, kept current from the service's events."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from engine import Task, TaskEvent, TaskStatus, TranscribeOptions

Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    FILE = 0
    DURATION = 1
    STATUS = 2
    POSITION = 3
    PROGRESS = 4
    ETA = 5
    ACTIONS = 6


HEADERS = {
    Column.FILE: "File",
    Column.DURATION: "Duration",
    Column.STATUS: "Status",
    Column.POSITION: "Queue",
    Column.PROGRESS: "Progress",
    Column.ETA: "ETA",
    Column.ACTIONS: "Actions",
}

TASK_ID_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_ROLE = Qt.ItemDataRole.UserRole + 2
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 3
ACTIONS_ROLE = Qt.ItemDataRole.UserRole + 4

ACTIONS = ("cancel", "retry", "open", "export", "remove")


@dataclass
class TaskRow:
    """What the window knows of one task."""

    id: str
    filename: str = ""
    source: str = ""
    duration: float | None = None
    status: TaskStatus = TaskStatus.QUEUED
    progress: float = 0.0
    message: str = ""
    position: int | None = None
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    error: str | None = None
    result: dict[str, Any] | None = None
    options: TranscribeOptions = field(default_factory=TranscribeOptions)
    priority: int = 0
    owns_source: bool = False
    segments: list[dict[str, Any]] = field(default_factory=list)
    edited: bool = False  # the result is a person's edit (the engine's is kept beside it)

    def actions(self) -> frozenset[str]:
        """The row actions that make sense now."""
        final = self.status.is_final
        allowed = {"open"} if self.status != TaskStatus.QUEUED else set()
        if not final:
            allowed.add("cancel")
        if final:
            allowed.add("remove")
        if self.status == TaskStatus.COMPLETED and self.result is not None:
            allowed.add("export")
        if self.status in (TaskStatus.FAILED, TaskStatus.CANCELLED) and self.can_retry:
            allowed.add("retry")
        return frozenset(allowed)

    @property
    def can_retry(self) -> bool:
        return bool(self.source) and not self.owns_source and os.path.exists(self.source)

    def eta(self, now: float) -> float | None:
        """Seconds left for a running task, from its pace so far."""
        if self.status != TaskStatus.PROCESSING or self.started is None:
            return None
        if self.progress < 0.01:
            return None
        elapsed = max(0.0, now - self.started)
        return elapsed * (1.0 - self.progress) / self.progress


def clock(seconds: float | None) -> str:
    """``m:ss`` or ``h:mm:ss``; empty when unknown."""
    if seconds is None:
        return ""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class TaskModel(QAbstractTableModel):
    """The tasks the window shows, newest first.

    Events are the truth about status and progress; a :class:`Task` read from the service
    only fills in what events do not carry (file name, source, duration), and sets the
    status only of a row it creates, so a late snapshot never moves a task backwards.

    Signals:
        segment_added(str, object): a task decoded a segment (its id, the segment dict).
        task_changed(str): a task's status or result changed.
        unknown_task(str): an event named a task the model has not seen (fetch it).
    """

    segment_added = Signal(str, object)
    task_changed = Signal(str)
    unknown_task = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[TaskRow] = []
        self._index: dict[str, int] = {}

    # -- reading -------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Column(section)]
        return None

    def row(self, task_id: str) -> TaskRow | None:
        index = self._index.get(task_id)
        return None if index is None else self._rows[index]

    def rows(self) -> list[TaskRow]:
        return list(self._rows)

    def active(self) -> list[TaskRow]:
        return [r for r in self._rows if not r.status.is_final]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column not in (Column.FILE,):
            return int(Qt.AlignmentFlag.AlignCenter)
        return self._custom(row, role)

    def _custom(self, row: TaskRow, role: int) -> Any:
        if role == TASK_ID_ROLE:
            return row.id
        if role == STATUS_ROLE:
            return row.status
        if role == PROGRESS_ROLE:
            return row.progress
        if role == ACTIONS_ROLE:
            return row.actions()
        return None

    def _display(self, row: TaskRow, column: Column) -> str | None:
        if column == Column.FILE:
            return row.filename or row.id[:8]
        if column == Column.DURATION:
            return clock(row.duration)
        if column == Column.STATUS:
            return row.status.value.capitalize()
        if column == Column.POSITION:
            return str(row.position) if row.position else ""
        if column == Column.ETA:
            return clock(row.eta(time.time()))
        return None

    def _tooltip(self, row: TaskRow, column: Column) -> str | None:
        if column == Column.FILE:
            return row.source or row.filename
        if column in (Column.STATUS, Column.PROGRESS):
            return row.error or row.message or None
        return None

    # -- changing ------------------------------------------------------------------------

    def add_task(self, task: Task, position: int | None = None) -> None:
        """Fill in what the service knows of ``task``; a new row takes its status too."""
        row = self.row(task.id)
        if row is None:
            self._insert(_row_from_task(task, position))
            if task.status == TaskStatus.PROCESSING or task.status.is_final:
                self.task_changed.emit(task.id)
            return
        row.filename, row.source, row.duration = task.filename, task.source, task.duration
        row.options, row.priority, row.owns_source = task.options, task.priority, task.owns_source
        row.created = task.created_at
        if row.started is None and task.started_at is not None:
            row.started = task.started_at
        if row.status.is_final and row.result is None and task.result is not None:
            row.result = task.result
            self.task_changed.emit(task.id)
        self._changed(task.id)

    def add_tasks(self, tasks: list[Task]) -> None:
        for task in sorted(tasks, key=lambda t: t.created_at):
            self.add_task(task)

    def apply(self, event: TaskEvent) -> None:
        """Move a row to what ``event`` says; a task never seen before is announced."""
        row = self.row(event.task_id)
        if row is None:
            row = TaskRow(id=event.task_id)
            self._insert(row)
            self.unknown_task.emit(event.task_id)
        if row.status.is_final:
            return
        status_changed = row.status != event.status
        _update(row, event)
        if event.segment is not None:
            row.segments.append(event.segment)
            self.segment_added.emit(row.id, event.segment)
        self._changed(row.id)
        if status_changed or event.result is not None:
            self.task_changed.emit(row.id)

    def set_result(self, task_id: str, result: dict[str, Any], edited: bool | None = None) -> None:
        """A finished task's result as a person edited it (``edited``: None leaves the flag)."""
        row = self.row(task_id)
        if row is None:
            return
        row.result, row.segments = result, list(result.get("segments") or [])
        if edited is not None:
            row.edited = edited
        self._changed(task_id)
        self.task_changed.emit(task_id)

    def set_positions(self, positions: dict[str, int]) -> None:
        for row in self._rows:
            position = positions.get(row.id) if row.status == TaskStatus.QUEUED else None
            if row.position != position:
                row.position = position
                self._changed(row.id, Column.POSITION, Column.ETA)

    def replace(self, old_id: str, task: Task) -> None:
        """The task ``old_id`` continues as ``task`` (retried, or carried to a new engine)."""
        self.remove(old_id)
        self.add_task(task, None)

    def remove(self, task_id: str) -> None:
        index = self._index.get(task_id)
        if index is None:
            return
        self.beginRemoveRows(QModelIndex(), index, index)
        del self._rows[index]
        self._reindex()
        self.endRemoveRows()

    def tick(self) -> None:
        """Refresh the ETA column (time passes even when no event arrives)."""
        if self._rows:
            top = self.index(0, Column.ETA)
            bottom = self.index(len(self._rows) - 1, Column.ETA)
            self.dataChanged.emit(top, bottom, [Qt.ItemDataRole.DisplayRole])

    def _insert(self, row: TaskRow) -> None:
        """New rows go above every older one."""
        at = 0
        while at < len(self._rows) and self._rows[at].created > row.created:
            at += 1
        self.beginInsertRows(QModelIndex(), at, at)
        self._rows.insert(at, row)
        self._reindex()
        self.endInsertRows()

    def _reindex(self) -> None:
        self._index = {row.id: i for i, row in enumerate(self._rows)}

    def _changed(self, task_id: str, first: Column = Column.FILE, last: Column = Column.ACTIONS):
        index = self._index.get(task_id)
        if index is not None:
            self.dataChanged.emit(self.index(index, first), self.index(index, last))


def _row_from_task(task: Task, position: int | None) -> TaskRow:
    segments = list((task.result or {}).get("segments") or [])
    return TaskRow(
        id=task.id,
        filename=task.filename,
        source=task.source,
        duration=task.duration,
        status=task.status,
        progress=task.progress,
        message=task.message,
        position=position if task.status == TaskStatus.QUEUED else None,
        created=task.created_at,
        started=task.started_at,
        finished=task.completed_at,
        error=task.error,
        result=task.result,
        options=task.options,
        priority=task.priority,
        owns_source=task.owns_source,
        segments=segments,
        edited=task.original_result is not None,
    )


def _update(row: TaskRow, event: TaskEvent) -> None:
    if event.status == TaskStatus.PROCESSING and row.status != TaskStatus.PROCESSING:
        row.started = time.time()
        row.segments = []
    if event.status == TaskStatus.QUEUED:  # queued again (the engine restarted)
        row.started = None
        row.progress = 0.0
    row.status = event.status
    row.progress = max(row.progress, event.progress)
    row.message = event.message
    row.position = event.queue_position
    row.error = event.error
    if event.status.is_final:
        row.finished = time.time()
    if event.result is not None:
        row.result = event.result
        row.segments = list(event.result.get("segments") or [])
