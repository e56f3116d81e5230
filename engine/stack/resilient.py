"""Redis with a local safety net: nothing accepted is lost while Redis is away.

While Redis answers, every task goes to Redis. When it stops answering, new tasks go to a
local (journaled) :class:`MemoryStack`, the health turns ``degraded``, and a monitor thread
retries with backoff; when Redis is back, the local queued tasks move to Redis, in their
order. Tasks are found wherever they are, and events come from both.
"""

from __future__ import annotations

import builtins
import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from engine.errors import NotStored, StackUnavailable
from engine.stack.memory import MemoryStack
from engine.stack.protocol import Listener, TaskStack
from engine.stack.redis import RedisStack
from engine.task import Task, TaskStatus

log = logging.getLogger(__name__)


class ResilientStack:
    """A :class:`TaskStack` over ``primary`` (Redis) that falls back on ``local``."""

    backend = "redis"

    def __init__(self, primary: RedisStack, local: MemoryStack, check_every: float = 1.0):
        self.primary = primary
        self.local = local
        self.check_every = check_every
        self._up = threading.Event()
        try:
            primary.client.ping()
            self._up.set()
        except Exception as exc:  # not reachable at start: begin degraded, the monitor retries
            log.warning("Redis is unreachable at start (%s)", exc)
        self._stop = threading.Event()
        self._migrating = threading.Lock()
        self._monitor = threading.Thread(target=self._watch, name="redis-monitor", daemon=True)
        self._monitor.start()

    # -- connection --------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._up.is_set()

    def _lost(self, exc: Exception) -> None:
        if self._up.is_set():
            log.warning("Redis is unreachable (%s): accepting tasks locally until it returns", exc)
        self._up.clear()

    def _watch(self) -> None:
        backoff = self.check_every
        while not self._stop.wait(backoff if not self._up.is_set() else self.check_every):
            try:
                self.primary.client.ping()
            except Exception as exc:  # any failure to ping means "not reachable now"
                self._lost(exc)
                backoff = min(backoff * 2, 10.0)
                continue
            backoff = self.check_every
            if not self._up.is_set() or self.local.counts()["queue_size"]:
                self._recovered()

    def _recovered(self) -> None:
        with self._migrating:
            moved = 0
            for task in sorted(self.local.list(TaskStatus.QUEUED, 100_000), key=lambda t: t.seq):
                taken = self.local.hand_over(task.id)
                if taken is None:
                    continue
                try:
                    self.primary.push(taken)
                except StackUnavailable as exc:
                    self._put_back(taken)
                    self._lost(exc)
                    return
                moved += 1
            if not self._up.is_set():
                log.warning("Redis is back; moved %d waiting task(s) to it", moved)
            self._up.set()

    def _put_back(self, task: Task) -> None:
        try:
            self.local.push(task)
        except NotStored as exc:  # neither Redis nor the disk takes it: say which task
            log.error("Task %s (%s) lost: Redis went and %s", task.id, task.filename, exc)

    # -- routing -----------------------------------------------------------------------

    def _owner(self, task_id: str) -> TaskStack:
        if self.local.get(task_id) is not None:
            return self.local
        return self.primary

    def push(self, task: Task) -> int:
        if self._up.is_set():
            try:
                return self.primary.push(task) + len(self.local.positions())
            except StackUnavailable as exc:
                self._lost(exc)
        return self.local.push(task)

    def claim(self, worker_id: str, timeout: float) -> Task | None:
        task = self.local.claim(worker_id, 0)
        if task is None and self._up.is_set():
            task = self.primary.claim(worker_id, timeout)
        return task

    def report(
        self,
        task_id: str,
        lease: str,
        progress: float,
        message: str,
        segment: dict[str, Any] | None = None,
    ) -> bool:
        return self._owner(task_id).report(task_id, lease, progress, message, segment)

    def finish(
        self,
        task_id: str,
        lease: str,
        status: TaskStatus,
        result: dict[str, Any] | None = None,
        error: str | None = None,
        error_code: int | None = None,
    ) -> Task:
        return self._owner(task_id).finish(task_id, lease, status, result, error, error_code)

    def requeue(self, task_id: str, lease: str, reason: str) -> Task:
        return self._owner(task_id).requeue(task_id, lease, reason)

    def release_lost(self, task_id: str, reason: str, max_attempts: int) -> Task | None:
        return self._owner(task_id).release_lost(task_id, reason, max_attempts)

    def heartbeat(self, held: dict[str, str]) -> int:
        return sum(self._owner(t).heartbeat({t: lease}) for t, lease in held.items())

    def cancel(self, task_id: str) -> Task:
        return self._owner(task_id).cancel(task_id)

    def edit_result(self, task_id: str, result: dict[str, Any]) -> Task:
        return self._owner(task_id).edit_result(task_id, result)

    def get(self, task_id: str) -> Task | None:
        task = self.local.get(task_id)
        if task is not None:
            return task
        # Raises StackUnavailable (503) while Redis is away: a task there is not "not found".
        return self.primary.get(task_id)

    # One order over both stacks: the local one is claimed first (see claim), so its queued
    # tasks come first and Redis's follow them, never two tasks at the same position.

    def position(self, task_id: str) -> int | None:
        if self.local.get(task_id) is not None:
            return self.local.position(task_id)
        try:
            rank = self.primary.position(task_id)
        except StackUnavailable:
            return None
        return None if rank is None else rank + len(self.local.positions())

    def positions(self) -> dict[str, int]:
        local = self.local.positions()
        remote = self._primary_or(dict, "positions")
        return {**{t: p + len(local) for t, p in remote.items()}, **local}

    def list(self, status: TaskStatus | None = None, limit: int = 100) -> list[Task]:
        # Raises StackUnavailable while Redis is away: the local part alone would hide tasks.
        tasks = self.local.list(status, limit) + self.primary.list(status, limit)
        tasks.sort(key=lambda t: t.created_at, reverse=True)
        return tasks[:limit]

    def counts(self) -> dict[str, int]:
        local = self.local.counts()
        remote = self._primary_or(dict, "counts")
        return {k: v + remote.get(k, 0) for k, v in local.items()}

    def _primary_or(self, empty: Callable[[], Any], name: str, *args: Any) -> Any:
        try:
            return getattr(self.primary, name)(*args)
        except StackUnavailable:
            return empty()

    def health(self) -> dict[str, Any]:
        degraded = not self._up.is_set() or self.local.counts()["queue_size"] > 0
        up = self._up.is_set()
        local = self.local.health()
        return {
            "backend": self.backend,
            "redis_connected": up,
            "degraded": degraded,
            # Redis's last save while it answers; the local journal's last write without it.
            "last_backup": self.primary.last_save() if up else local["last_backup"],
            "journal": local["journal"],  # the safety net's
        }

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        stops = [self.primary.subscribe(listener), self.local.subscribe(listener)]

        def unsubscribe() -> None:
            for stop in stops:
                stop()

        return unsubscribe

    def processing(self) -> builtins.list[Task]:
        return self.local.processing() + self._primary_or(list, "processing")

    def fetch(self, task: Task, folder: str) -> AbstractContextManager[str]:
        """A task pushed to Redis has its audio there (``blob``); one taken locally, a file."""
        return (self.primary if task.blob else self.local).fetch(task, folder)

    def close(self) -> None:
        """Stop watching and close Redis; the local stack belongs to whoever made it."""
        self._stop.set()
        self._monitor.join(timeout=5)
        self.primary.close()
