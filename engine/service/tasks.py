"""The task service: the one object the CLI, the server and the GUI talk to.

It submits work to the stack (or to the direct lane), answers questions about tasks,
relays every change to subscribers and deletes uploaded files once their task has ended.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine import uploads
from engine.errors import BadInput, ModelUnavailable, NotFound, StackUnavailable, Unavailable
from engine.live.hub import LiveHub
from engine.pipeline.audio import probe
from engine.process.supervisor import EngineSupervisor
from engine.stack.memory import MemoryStack
from engine.stack.protocol import Listener, StackEvent, TaskStack
from engine.status import EngineState, EngineStatus
from engine.task import Task, TaskEvent, TaskStatus, TranscribeOptions

log = logging.getLogger(__name__)


class TaskService:
    """Submit, watch, cancel and read tasks, whatever the stack backend.

    A task owning its source (an upload) must name a file inside ``uploads_dir``; only
    there is an upload ever deleted (see :mod:`engine.uploads`).
    """

    def __init__(
        self,
        stack: TaskStack,
        direct: MemoryStack,
        supervisor: EngineSupervisor | None,
        live: LiveHub | None = None,
        uploads_dir: Path | None = None,
    ) -> None:
        self.uploads_dir = uploads_dir
        self.stack = stack
        self.direct = direct
        self.live = live  # live streams, served by the same engine (None: not offered)
        self.supervisor = supervisor
        self._unsubscribe = [s.subscribe(self._cleanup) for s in (stack, direct)]

    # -- submitting --------------------------------------------------------------------

    def check_engine(self) -> None:
        """Raise 503 when the model can never run, so a request is not accepted in vain."""
        status = self.engine_status()
        if status.state == EngineState.UNAVAILABLE:
            raise ModelUnavailable(status.error or f"Model {status.model} is not available")
        if status.state == EngineState.STOPPED:
            raise Unavailable("The engine is stopped; the service is shutting down")

    def _push(
        self,
        stack: TaskStack,
        source: str,
        filename: str,
        options: TranscribeOptions | None,
        priority: int,
        owns_source: bool,
    ) -> tuple[Task, int]:
        """Check the engine, probe the file, push the task; an owned file refused is deleted."""
        if owns_source and not self._is_upload(source):
            raise BadInput(uploads.refusal(source))
        try:
            self.check_engine()
            info = probe(source)
            task = Task(
                filename=filename,
                source=source,
                options=options or TranscribeOptions(),
                priority=priority,
                duration=info.duration,
                owns_source=owns_source,
            )
            return task, stack.push(task)
        except Exception:
            if owns_source:
                self._remove(source)
            raise

    def submit(
        self,
        source: str,
        filename: str,
        options: TranscribeOptions | None = None,
        priority: int = 0,
        owns_source: bool = False,
    ) -> tuple[Task, int]:
        """Queue a file; returns the task and its 1-based queue position.

        The file is probed first, so undecodable input is refused here with a reason.
        ``owns_source`` files are deleted once the task ends (or at once, if refused).
        """
        task, position = self._push(self.stack, source, filename, options, priority, owns_source)
        return self.get(task.id), position

    def submit_direct(
        self,
        source: str,
        filename: str,
        options: TranscribeOptions | None = None,
        owns_source: bool = False,
    ) -> Task:
        """Start a synchronous transcription on the direct lane (never behind the queue)."""
        return self._push(self.direct, source, filename, options, 0, owns_source)[0]

    # -- reading -----------------------------------------------------------------------

    # The direct lane is asked first: it is local, and answers while Redis is away (the
    # shared stack raises StackUnavailable then, a 503, never "not found").

    def _stack_of(self, task_id: str) -> TaskStack:
        if self.direct.get(task_id) is not None:
            return self.direct
        if self.stack.get(task_id) is not None:
            return self.stack
        raise NotFound(f"Task {task_id} not found")

    def get(self, task_id: str) -> Task:
        task = self.direct.get(task_id) or self.stack.get(task_id)
        if task is None:
            raise NotFound(f"Task {task_id} not found")
        return task

    def position(self, task_id: str) -> int | None:
        return self._stack_of(task_id).position(task_id)

    def public(self, task_id: str) -> dict[str, Any]:
        task = self.get(task_id)
        return task.to_public(self.position(task_id))

    def positions(self) -> dict[str, int]:
        """Every queued task's position, in one call."""
        return self.stack.positions()

    def list(self, status: TaskStatus | None = None, limit: int = 100) -> list[Task]:
        return self.stack.list(status, limit)

    def counts(self) -> dict[str, int]:
        return self.stack.counts()

    def backend(self) -> dict[str, Any]:
        return self.stack.health()

    def engine_status(self) -> EngineStatus:
        if self.supervisor is None:
            return EngineStatus(state=EngineState.STOPPED)
        return self.supervisor.status

    # -- changing ----------------------------------------------------------------------

    def cancel(self, task_id: str) -> Task:
        return self._stack_of(task_id).cancel(task_id)

    def edit_result(self, task_id: str, result: dict[str, Any]) -> Task:
        """Save a person's edit of a completed task's result (the original is kept)."""
        return self._stack_of(task_id).edit_result(task_id, result)

    def subscribe(self, listener: Listener, direct: bool = False) -> Callable[[], None]:
        stack = self.direct if direct else self.stack
        return stack.subscribe(listener)

    def wait(self, task_id: str, timeout: float | None = None) -> Task:
        """Block until the task is final (or ``timeout`` passes); returns it as it is."""
        done = threading.Event()
        stack = self._stack_of(task_id)

        def listener(event: StackEvent) -> None:
            if isinstance(event, TaskEvent) and event.task_id == task_id and event.status.is_final:
                done.set()

        unsubscribe = stack.subscribe(listener)
        try:
            task = stack.get(task_id)
            if task is not None and not task.status.is_final:  # None: gone, get says so
                done.wait(timeout)
        finally:
            unsubscribe()
        return self.get(task_id)

    def _cleanup(self, event: StackEvent) -> None:
        if not isinstance(event, TaskEvent) or not event.status.is_final:
            return
        try:
            task = self.direct.get(event.task_id) or self.stack.get(event.task_id)
        except StackUnavailable as exc:  # a Redis task's audio left this host at its push
            log.debug("Task %s not read after it ended: %s", event.task_id, exc)
            return
        if task is not None and task.owns_source:
            self._remove(task.source)

    def _is_upload(self, path: str) -> bool:
        return self.uploads_dir is not None and uploads.inside(path, self.uploads_dir)

    def _remove(self, path: str) -> None:
        """Delete an upload; a path outside the uploads folder (a forged record) is left be."""
        if self.uploads_dir is None:
            log.error("Not deleting %s: no uploads folder is configured", path)
            return
        uploads.remove(path, self.uploads_dir)

    def fail_direct(self, reason: str) -> None:
        """End every direct request still open (the host is going away)."""
        for task in self.direct.list(limit=10_000):
            if not task.status.is_final:
                try:
                    self.direct.cancel(task.id)
                except NotFound:
                    continue
        log.info("Direct lane closed: %s", reason)

    def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
