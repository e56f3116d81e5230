"""The in-memory stack: one process holds it, :mod:`engine.stack.sharing` lends it out.

The stack object lives in the host process (the server, the GUI or the CLI); engine
processes call it through proxies. Listeners subscribed in the host are called on every change.
"""

from __future__ import annotations

import bisect
import builtins
import dataclasses
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from engine.errors import Conflict, LeaseLost, NotFound, NotStored, QueueFull
from engine.stack.journal import Journal
from engine.stack.protocol import Listener, LocalAudio, QueueChanged, StackEvent, order_key
from engine.task import Task, TaskEvent, TaskStatus

log = logging.getLogger(__name__)

_STATUS_MESSAGES = {
    TaskStatus.QUEUED: "Queued",
    TaskStatus.PROCESSING: "Transcribing",
    TaskStatus.COMPLETED: "Completed",
    TaskStatus.FAILED: "Failed",
    TaskStatus.CANCELLED: "Cancelled",
}


class MemoryStack:
    """A thread-safe LIFO-within-priority stack held in one process.

    ``max_size`` bounds the queued tasks (0 = unlimited); ``retain`` bounds how many
    finished tasks are kept for ``get``/``list`` before the oldest are forgotten.
    A change the journal cannot record (:class:`NotStored`: a full disk) is not made: a push
    leaves no task, a finish leaves the task processing for its worker to try again.
    """

    backend = "memory"

    def __init__(self, max_size: int = 0, retain: int = 1000, journal: Journal | None = None):
        self.max_size = max_size
        self.retain = retain
        self._journal = journal or Journal()
        self._cond = threading.Condition(threading.RLock())
        self._tasks: dict[str, Task] = {}
        self._order: list[tuple[tuple[int, int], str]] = []
        self._finished: OrderedDict[str, None] = OrderedDict()
        self._listeners: dict[int, Listener] = {}
        self._next_listener = 0
        self._seq = 0
        self._closed = False
        self._restore()

    # -- helpers -----------------------------------------------------------------------

    def _restore(self) -> None:
        """Reload the journal: queued tasks queue again, running ones are queued again."""
        for task in sorted(self._journal.load(), key=lambda t: t.seq):
            self._seq = max(self._seq, task.seq)
            if task.status == TaskStatus.PROCESSING:
                task.status = TaskStatus.QUEUED
                task.message = "Queued again after a restart"
                task.progress = 0.0
                task.lease = task.worker = None
                task.cancel_requested = False
                self._save_or_log(task)
            self._tasks[task.id] = task
            if task.status == TaskStatus.QUEUED:
                bisect.insort(self._order, (order_key(task), task.id))
            else:
                self._finished[task.id] = None

    def _save_or_log(self, task: Task) -> None:
        """Journal a change that stands whether or not the journal takes it (it is behind)."""
        try:
            self._journal.save(task)
        except NotStored as exc:
            log.error("Task %s: %s", task.id, exc)

    def _emit(self, event: StackEvent) -> None:
        for listener in list(self._listeners.values()):
            try:
                listener(event)
            except Exception:
                # A broken subscriber must not stop the stack or the other subscribers.
                log.exception("Stack listener failed on %r", event)

    def _event(self, task: Task, **extra: Any) -> None:
        self._emit(
            TaskEvent(
                task_id=task.id,
                status=task.status,
                progress=task.progress,
                message=task.message,
                queue_position=self._position(task.id),
                error=task.error,
                **extra,
            )
        )

    def _queue_changed(self) -> None:
        self._emit(QueueChanged(len(self._order)))

    def _position(self, task_id: str) -> int | None:
        task = self._tasks.get(task_id)
        if task is None or task.status != TaskStatus.QUEUED:
            return None
        return bisect.bisect_left(self._order, (order_key(task), task.id)) + 1

    def _require(self, task_id: str) -> Task:
        task = self._tasks.get(task_id)
        if task is None:
            raise NotFound(f"Task {task_id} not found")
        return task

    def _owned(self, task_id: str, lease: str) -> Task:
        task = self._require(task_id)
        if task.status != TaskStatus.PROCESSING or task.lease != lease:
            raise LeaseLost(f"Task {task_id} is no longer held by this worker")
        return task

    def _unqueue(self, task: Task) -> None:
        index = bisect.bisect_left(self._order, (order_key(task), task.id))
        if index < len(self._order) and self._order[index][1] == task.id:
            del self._order[index]

    def _finalize(self, task: Task) -> None:
        self._finished[task.id] = None
        while len(self._finished) > self.retain:
            old, _ = self._finished.popitem(last=False)
            self._tasks.pop(old, None)
            try:
                self._journal.delete(old)
            except NotStored as exc:  # read back after a restart, and evicted again
                log.error("Task %s not forgotten in the journal: %s", old, exc)

    # -- TaskStack ---------------------------------------------------------------------

    def push(self, task: Task) -> int:
        with self._cond:
            if self.max_size and len(self._order) >= self.max_size:
                raise QueueFull(
                    f"The queue is full ({self.max_size} tasks waiting, MAX_QUEUE_SIZE); "
                    "try again when some have finished"
                )
            task = dataclasses.replace(task, seq=self._seq + 1, status=TaskStatus.QUEUED)
            self._journal.save(task)  # NotStored: nothing is queued
            self._seq += 1
            self._tasks[task.id] = task
            bisect.insort(self._order, (order_key(task), task.id))
            self._cond.notify()
            position = self._position(task.id) or 1
            self._event(task)
            self._queue_changed()
            return position

    def claim(self, worker_id: str, timeout: float) -> Task | None:
        deadline = time.monotonic() + max(0.0, timeout)
        with self._cond:
            while not self._order:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    return None
                self._cond.wait(remaining)
            _, task_id = self._order.pop(0)
            task = self._tasks[task_id]
            task.status.check(TaskStatus.PROCESSING)
            task.status = TaskStatus.PROCESSING
            task.started_at = time.time()
            task.attempts += 1
            task.worker = worker_id
            task.lease = uuid.uuid4().hex
            task.message = "Starting"
            # Unjournaled, the task reads back as queued after a crash: as if claimed again.
            self._save_or_log(task)
            self._event(task)
            self._queue_changed()
            return dataclasses.replace(task)

    def report(
        self,
        task_id: str,
        lease: str,
        progress: float,
        message: str,
        segment: dict[str, Any] | None = None,
    ) -> bool:
        with self._cond:
            task = self._owned(task_id, lease)
            task.progress = max(task.progress, min(1.0, float(progress)))
            task.message = message
            self._event(task, segment=segment)
            return task.cancel_requested

    def finish(
        self,
        task_id: str,
        lease: str,
        status: TaskStatus,
        result: dict[str, Any] | None = None,
        error: str | None = None,
        error_code: int | None = None,
    ) -> Task:
        with self._cond:
            task = self._owned(task_id, lease)
            task.status.check(status)
            task = dataclasses.replace(
                task,
                status=status,
                completed_at=time.time(),
                result=result,
                error=error,
                error_code=error_code if error is not None else None,
                lease=None,
                progress=1.0 if status == TaskStatus.COMPLETED else task.progress,
                message=_STATUS_MESSAGES[status] if error is None else error,
            )
            self._journal.save(task)  # NotStored: still processing; the worker tries again
            self._tasks[task_id] = task
            self._finalize(task)
            self._event(task, result=result)
            return dataclasses.replace(task)

    def requeue(self, task_id: str, lease: str, reason: str) -> Task:
        with self._cond:
            task = self._owned(task_id, lease)
            if task.cancel_requested:
                return self.finish(task_id, lease, TaskStatus.CANCELLED)
            task.status.check(TaskStatus.QUEUED)
            task.status = TaskStatus.QUEUED
            task.progress = 0.0
            task.lease = task.worker = None
            task.started_at = None
            task.message = reason
            bisect.insort(self._order, (order_key(task), task.id))
            self._save_or_log(task)  # read back as queued all the same
            self._cond.notify()
            self._event(task)
            self._queue_changed()
            return dataclasses.replace(task)

    def release_lost(self, task_id: str, reason: str, max_attempts: int) -> Task | None:
        """Requeue or fail a task whose engine died; returns it, or None if not processing."""
        with self._cond:
            task = self._tasks.get(task_id)
            if task is None or task.status != TaskStatus.PROCESSING:
                return None
            lease = task.lease or ""
            if task.cancel_requested:
                return self.finish(task_id, lease, TaskStatus.CANCELLED)
            if task.attempts >= max_attempts:
                error = (
                    reason
                    if max_attempts <= 0
                    else (f"{reason}; gave up after {task.attempts} attempts")
                )
                return self.finish(task_id, lease, TaskStatus.FAILED, error=error, error_code=500)
            return self.requeue(task_id, lease, f"{reason}; queued again")

    def cancel(self, task_id: str) -> Task:
        with self._cond:
            task = self._require(task_id)
            if task.status.is_final:
                raise Conflict(f"Task {task_id} is already {task.status.value}")
            if task.status == TaskStatus.QUEUED:
                task = dataclasses.replace(
                    task,
                    status=TaskStatus.CANCELLED,
                    completed_at=time.time(),
                    message="Cancelled",
                )
                self._journal.save(task)  # NotStored: it stays queued
                self._unqueue(task)
                self._tasks[task_id] = task
                self._finalize(task)
                self._event(task)
                self._queue_changed()
            elif not task.cancel_requested:
                task.cancel_requested = True
                task.message = "Cancelling"
                self._event(task)
            return dataclasses.replace(task)

    def edit_result(self, task_id: str, result: dict[str, Any]) -> Task:
        with self._cond:
            task = self._require(task_id)
            if task.status != TaskStatus.COMPLETED:
                raise Conflict(f"Task {task_id} is {task.status.value}: only results can be edited")
            original = task.original_result if task.original_result is not None else task.result
            task = dataclasses.replace(
                task, result=result, original_result=None if result == original else original
            )
            self._journal.save(task)  # NotStored: the edit is not made
            self._tasks[task_id] = task
            return dataclasses.replace(task)

    def get(self, task_id: str) -> Task | None:
        with self._cond:
            task = self._tasks.get(task_id)
            return dataclasses.replace(task) if task else None

    def position(self, task_id: str) -> int | None:
        with self._cond:
            return self._position(task_id)

    def positions(self) -> dict[str, int]:
        """Every queued task's position, in one call."""
        with self._cond:
            return {task_id: i + 1 for i, (_, task_id) in enumerate(self._order)}

    def list(self, status: TaskStatus | None = None, limit: int = 100) -> list[Task]:
        with self._cond:
            tasks = [t for t in self._tasks.values() if status is None or t.status == status]
            tasks.sort(key=lambda t: (t.created_at, t.seq), reverse=True)
            return [dataclasses.replace(t) for t in tasks[: max(0, limit)]]

    def processing(self) -> builtins.list[Task]:
        with self._cond:
            return [
                dataclasses.replace(t)
                for t in self._tasks.values()
                if t.status == TaskStatus.PROCESSING
            ]

    def counts(self) -> dict[str, int]:
        with self._cond:
            counts = {status.value: 0 for status in TaskStatus}
            for task in self._tasks.values():
                counts[task.status.value] += 1
            counts["queue_size"] = len(self._order)
            return counts

    def health(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "redis_connected": False,
            "degraded": False,
            "last_backup": self._journal.last_write,
            "journal": self._journal.health(),
        }

    def heartbeat(self, held: dict[str, str]) -> int:
        """Leases here never expire (the supervisor sees a dead engine); count those held."""
        with self._cond:
            return sum(
                1
                for task_id, lease in held.items()
                if (t := self._tasks.get(task_id)) is not None and t.lease == lease
            )

    def hand_over(self, task_id: str) -> Task | None:
        """Remove a queued task without ending it (it moves to another stack)."""
        with self._cond:
            task = self._tasks.get(task_id)
            if task is None or task.status != TaskStatus.QUEUED:
                return None
            try:
                self._journal.delete(task_id)
            except NotStored as exc:  # it stays here, and runs here
                log.error("Task %s not handed over: %s", task_id, exc)
                return None
            self._unqueue(task)
            del self._tasks[task_id]
            self._queue_changed()
            return dataclasses.replace(task)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._cond:
            key = self._next_listener
            self._next_listener += 1
            self._listeners[key] = listener

        def unsubscribe() -> None:
            with self._cond:
                self._listeners.pop(key, None)

        return unsubscribe

    def fetch(self, task: Task, folder: str) -> LocalAudio:
        """The task's own file: the host's stacks hold paths on this machine, never audio."""
        return LocalAudio(task.source)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            self._journal.close()
