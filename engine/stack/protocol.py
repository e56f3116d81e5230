"""The task stack interface: LIFO within a priority, higher priority first.

Two backends implement :class:`TaskStack`: :class:`engine.stack.memory.MemoryStack`, shared
between processes by a ``multiprocessing`` manager, and the Redis backend, shared between
machines. Code above the engine talks to either through this protocol only.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from engine.errors import AudioDecodeError
from engine.task import Task, TaskEvent, TaskStatus


@dataclass(frozen=True)
class QueueChanged:
    """The order of the queue changed (a push, a claim, a cancel): positions may have moved."""

    queue_size: int


StackEvent = TaskEvent | QueueChanged
Listener = Callable[[StackEvent], None]


def order_key(task: Task) -> tuple[int, int]:
    """Sort key of a queued task: the smallest key is taken next."""
    return (-task.priority, -task.seq)


@dataclass(frozen=True)
class LocalAudio:
    """A task's audio that is a file on this machine (``with`` gives its path).

    Plain data, so a stack lent to an engine process by the host hands it over as it is,
    and the file is looked for where the engine reads it.
    """

    path: str

    def __enter__(self) -> str:
        if not os.path.isfile(self.path):
            raise AudioDecodeError("The audio file of this task is no longer on disk")
        return self.path

    def __exit__(self, *exc: object) -> None:
        return None


@runtime_checkable
class TaskStack(Protocol):
    """Where tasks wait, are claimed by engines, report progress and end.

    Every state change is checked against :class:`TaskStatus` transitions and published to
    listeners as a :class:`TaskEvent`. Claims hand out a lease token; progress and final
    updates carrying a stale lease are refused, so a task completes exactly once.
    """

    backend: str

    def push(self, task: Task) -> int:
        """Queue ``task``; returns its 1-based position. Raises QueueFull."""
        ...

    def claim(self, worker_id: str, timeout: float) -> Task | None:
        """Take the next task (waiting up to ``timeout`` s) and mark it processing."""
        ...

    def report(
        self,
        task_id: str,
        lease: str,
        progress: float,
        message: str,
        segment: dict[str, Any] | None = None,
    ) -> bool:
        """Record progress; returns True when the task should stop (cancel requested)."""
        ...

    def finish(
        self,
        task_id: str,
        lease: str,
        status: TaskStatus,
        result: dict[str, Any] | None = None,
        error: str | None = None,
        error_code: int | None = None,
    ) -> Task:
        """Move a processing task to a final state. Raises LeaseLost for a stale lease.

        ``error_code`` is the HTTP status a failure maps to (400 for undecodable audio).
        """
        ...

    def requeue(self, task_id: str, lease: str, reason: str) -> Task:
        """Hand a processing task back to the stack (engine stopping or lost)."""
        ...

    def release_lost(self, task_id: str, reason: str, max_attempts: int) -> Task | None:
        """Requeue (or fail after ``max_attempts``) a task whose engine died or hung."""
        ...

    def cancel(self, task_id: str) -> Task:
        """Cancel a queued task now, or ask its engine to stop a running one."""
        ...

    def edit_result(self, task_id: str, result: dict[str, Any]) -> Task:
        """Replace a completed task's result with a person's edit of it.

        The engine's result is kept as ``original_result`` (the first one, however many
        edits follow); an edit equal to the original drops it again. Raises NotFound, or
        Conflict for a task that is not completed.
        """
        ...

    def get(self, task_id: str) -> Task | None: ...

    def position(self, task_id: str) -> int | None: ...

    def positions(self) -> dict[str, int]:
        """Every queued task's 1-based position, in one call."""
        ...

    def list(self, status: TaskStatus | None = None, limit: int = 100) -> list[Task]:
        """Tasks newest first, optionally only those in ``status``."""
        ...

    def processing(self) -> builtins.list[Task]:
        """The tasks running now, on any engine."""
        ...

    def counts(self) -> dict[str, int]:
        """How many tasks are in each status, and ``queue_size``."""
        ...

    def heartbeat(self, held: dict[str, str]) -> int:
        """Extend the leases of ``held`` (task id -> lease); returns how many are still ours."""
        ...

    def health(self) -> dict[str, Any]:
        """``backend``, ``redis_connected`` and ``degraded`` (working, but on a fallback)."""
        ...

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` on every change, from any thread; returns an unsubscribe."""
        ...

    def fetch(self, task: Task, folder: str) -> AbstractContextManager[str]:
        """The task's audio as a local file (under ``folder`` if it must be copied there)
        for as long as the ``with`` block runs; raises AudioDecodeError when it is gone."""
        ...

    def close(self) -> None: ...
