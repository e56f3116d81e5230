"""A SQLite journal that makes the in-memory stack durable across restarts.

The stack writes a task on every state change (not on every progress report); on start it
reads them back: queued tasks queue again, a task that was running when the app died is
queued again, finished tasks keep their results.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from pathlib import Path

from engine.task import Task

log = logging.getLogger(__name__)


class Journal:
    """Where a stack writes every state change so that it survives a restart.

    The base class keeps nothing; :class:`engine.stack.journal.SqliteJournal` persists.
    """

    #: Epoch seconds of the last write that reached the journal's file; None: never.
    last_write: float | None = None

    def load(self) -> list[Task]:
        return []

    def save(self, task: Task) -> None:
        """Record ``task`` as it is now."""

    def delete(self, task_id: str) -> None:
        """Forget a task evicted from retention."""

    def close(self) -> None:
        """Release files."""


class SqliteJournal(Journal):
    """Tasks as JSON rows in one SQLite file (WAL mode). Called under the stack's lock."""

    def __init__(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = str(path)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS tasks (id TEXT PRIMARY KEY, record TEXT NOT NULL)"
        )
        # Until this run writes, the last write is whatever an earlier run left on disk.
        times = [os.path.getmtime(f) for f in (self.path, self.path + "-wal") if os.path.exists(f)]
        self.last_write = max(times, default=None)

    def load(self) -> list[Task]:
        tasks = []
        for task_id, record in self._db.execute("SELECT id, record FROM tasks"):
            try:
                tasks.append(Task.from_record(json.loads(record)))
            except (ValueError, TypeError, KeyError) as exc:
                log.error("Skipping unreadable task %s in %s: %s", task_id, self.path, exc)
        return tasks

    def save(self, task: Task) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO tasks (id, record) VALUES (?, ?)",
            (task.id, json.dumps(task.to_record(), ensure_ascii=False)),
        )
        self.last_write = time.time()

    def delete(self, task_id: str) -> None:
        self._db.execute("DELETE FROM tasks WHERE id = ?", (task_id,))
        self.last_write = time.time()

    def close(self) -> None:
        self._db.close()
