"""A SQLite journal that makes the in-memory stack durable across restarts.

The stack writes a task on every state change (not on every progress report); on start it
reads them back: queued tasks queue again, a task that was running when the app died is
queued again, finished tasks keep their results.

What is read back is checked, not trusted: a row that cannot be rebuilt (saved under other
rules, a wrong type) is skipped and its task reported failed; an upload outside the uploads
folder fails its task (see :mod:`engine.uploads`); a damaged file is moved aside
(``tasks.sqlite3.corrupt-TIME``) and a new one started, with what could still be read.
A write that fails raises :class:`~engine.errors.NotStored` and is reported by ``health``.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from engine import uploads
from engine.errors import NotStored, StackscribeError
from engine.task import Task, TaskStatus

log = logging.getLogger(__name__)

#: What a row that cannot be rebuilt raises on the way from JSON to a Task.
_UNREADABLE = (ValueError, TypeError, KeyError, AttributeError, StackscribeError)
_NUMBER = (int, float)
#: Row ids tried past the last one found when a damaged file hides where its rows end.
_SALVAGE_GAP = 5000
#: The type each field must have to be used (a row is JSON: anyone may have written it).
_TYPES: dict[str, Any] = {
    "id": str,
    "filename": str,
    "source": str,
    "message": str,
    "priority": int,
    "seq": int,
    "attempts": int,
    "progress": _NUMBER,
    "created_at": _NUMBER,
    "owns_source": bool,
    "cancel_requested": bool,
}
_OPTIONAL_TYPES: dict[str, Any] = {
    "started_at": _NUMBER,
    "completed_at": _NUMBER,
    "duration": _NUMBER,
    "result": dict,
    "original_result": dict,
    "error": str,
    "error_code": int,
    "worker": str,
    "lease": str,
    "blob": str,
}


def _check_types(task: Task) -> None:
    for name, kind in _TYPES.items():
        if not isinstance(getattr(task, name), kind):
            raise TypeError(f"{name} is {type(getattr(task, name)).__name__}")
    for name, kind in _OPTIONAL_TYPES.items():
        value = getattr(task, name)
        if value is not None and not isinstance(value, kind):
            raise TypeError(f"{name} is {type(value).__name__}")


class Journal:
    """Where a stack writes every state change so that it survives a restart.

    The base class keeps nothing; :class:`engine.stack.journal.SqliteJournal` persists.
    """

    #: Epoch seconds of the last write that reached the journal's file; None: never.
    last_write: float | None = None
    #: Why the last write failed; None once a write succeeds again.
    write_error: str | None = None
    #: What start-up had to repair (a damaged file moved aside); None: nothing.
    repaired: str | None = None

    def load(self) -> list[Task]:
        return []

    def save(self, task: Task) -> None:
        """Record ``task`` as it is now; raises NotStored when it cannot."""

    def delete(self, task_id: str) -> None:
        """Forget a task evicted from retention."""

    def close(self) -> None:
        """Release files."""

    def health(self) -> dict[str, Any]:
        """``journal`` of ``/health``: whether it can be written, and what start-up repaired."""
        return {
            "writable": self.write_error is None,
            "error": self.write_error,
            "repaired": self.repaired,
        }


class SqliteJournal(Journal):
    """Tasks as JSON rows in one SQLite file (WAL mode). Called under the stack's lock.

    ``uploads`` is the folder uploads live in; a task owning its source outside it is failed
    when read back (None: no upload is trusted).
    """

    def __init__(self, path: str | Path, uploads: str | Path | None = None) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = str(path)
        self.uploads = Path(uploads) if uploads is not None else None
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            self._db = self._replace(exc)
        # Until this run writes, the last write is whatever an earlier run left on disk.
        times = [os.path.getmtime(f) for f in (self.path, self.path + "-wal") if os.path.exists(f)]
        self.last_write = max(times, default=None)

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS tasks (id TEXT PRIMARY KEY, record TEXT NOT NULL)"
            )
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(check)
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _replace(self, damage: sqlite3.DatabaseError) -> sqlite3.Connection:
        """Move a damaged file aside, start a new one with the rows that could still be read."""
        rows = self._salvage()
        aside = f"{self.path}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}"
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(self.path + suffix):
                os.replace(self.path + suffix, aside + suffix)
        self.repaired = (
            f"The task journal was damaged ({damage}): it was moved to {aside} and a new one "
            f"started with the {len(rows)} task(s) that could still be read"
        )
        log.error("%s", self.repaired)
        db = self._open()
        db.executemany("INSERT OR REPLACE INTO tasks (id, record) VALUES (?, ?)", rows)
        return db

    def _salvage(self) -> list[tuple[str, str]]:
        """The rows of a damaged file that can still be read, one row at a time (a scan
        stops at the first bad page; a lookup by rowid reaches every page still there)."""
        rows: list[tuple[str, str]] = []
        try:
            db = sqlite3.connect(self.path)
        except sqlite3.Error as exc:
            log.warning("The damaged journal cannot be opened to read tasks back: %s", exc)
            return rows
        try:
            try:
                last = int(db.execute("SELECT max(rowid) FROM tasks").fetchone()[0] or 0)
            except sqlite3.DatabaseError:
                last = 0
            rowid, misses = 0, 0
            while rowid < last or misses < _SALVAGE_GAP:
                rowid += 1
                try:
                    row = db.execute(
                        "SELECT id, record FROM tasks WHERE rowid = ?", (rowid,)
                    ).fetchone()
                except sqlite3.DatabaseError:
                    row = None
                misses = 0 if row else misses + 1
                if row and isinstance(row[0], str) and isinstance(row[1], str):
                    rows.append((row[0], row[1]))
        finally:
            db.close()
        return rows

    def load(self) -> list[Task]:
        select = "SELECT id, record FROM tasks"
        try:
            rows = self._db.execute(select).fetchall()
        except sqlite3.DatabaseError as exc:  # damage the quick check did not see
            self._db.close()
            self._db = self._replace(exc)
            rows = self._db.execute(select).fetchall()
        tasks = []
        for task_id, record in rows:
            task = self._read(task_id, record)
            if task is not None:
                tasks.append(task)
        return tasks

    def _read(self, task_id: Any, record: Any) -> Task | None:
        """One row as a task: checked, or failed with the reason it cannot run."""
        try:
            task = Task.from_record(json.loads(record))
            _check_types(task)
            if task.id != task_id:
                raise ValueError(f"the row holds task {task.id}")
        except _UNREADABLE as exc:
            log.error("Skipping unreadable task %s in %s: %s", task_id, self.path, exc)
            return _unreadable(task_id, record, exc)
        if task.owns_source:
            task.source = uploads.from_record(task.source, self.uploads or "")
            if self.uploads is None or not uploads.inside(task.source, self.uploads):
                log.error("Task %s: %s", task.id, uploads.refusal(task.source))
                task.owns_source = False  # never deleted, never opened
                if not task.status.is_final:
                    _fail(task, uploads.refusal(task.source))
                self._keep(task)
        return task

    def _keep(self, task: Task) -> None:
        try:
            self.save(task)
        except NotStored as exc:
            log.error("Task %s stays as it was in the journal: %s", task.id, exc)

    def save(self, task: Task) -> None:
        record = task.to_record()
        if task.owns_source and self.uploads is not None:
            record["source"] = uploads.to_record(task.source, self.uploads)
        self._write(
            "INSERT OR REPLACE INTO tasks (id, record) VALUES (?, ?)",
            (task.id, json.dumps(record, ensure_ascii=False)),
        )

    def delete(self, task_id: str) -> None:
        self._write("DELETE FROM tasks WHERE id = ?", (task_id,))

    def _write(self, sql: str, args: tuple[str, ...]) -> None:
        try:
            self._db.execute(sql, args)
        except sqlite3.Error as exc:
            self.write_error = f"The task journal {self.path} cannot be written: {exc}"
            log.error("%s", self.write_error)
            raise NotStored(self.write_error) from exc
        self.write_error = None
        self.last_write = time.time()

    def close(self) -> None:
        self._db.close()


def _unreadable(task_id: Any, record: Any, exc: Exception) -> Task | None:
    """A row that cannot be rebuilt: its task failed with why, where its id is known.

    The row itself is left as it is (a later version may read it again); the failed task
    stands in for it until then, and is forgotten with it.
    """
    if not isinstance(task_id, str) or not task_id:
        return None
    try:
        filename = json.loads(record).get("filename")
    except (ValueError, TypeError, AttributeError):
        filename = None
    task = Task(filename=filename if isinstance(filename, str) else "", source="", id=task_id)
    _fail(task, f"This task's saved record could not be read back after a restart: {exc}")
    return task


def _fail(task: Task, reason: str) -> None:
    task.status = TaskStatus.FAILED
    task.error = task.message = reason
    task.error_code = 500
    task.completed_at = task.completed_at or time.time()
    task.lease = task.worker = None
