"""The hosted backend as the GUI thread sees it: every call that can wait runs elsewhere."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from engine import (
    EngineStatus,
    QueueChanged,
    StackEvent,
    StackscribeError,
    Task,
    TaskEvent,
    TaskService,
    TranscribeOptions,
)
from gui.jobs import Jobs, describe
from gui.settings.window import WindowSettings

log = logging.getLogger(__name__)

LISTED_TASKS = 1000  # tasks shown from the service when the window opens
CLOSE_PATIENCE = 30.0  # seconds closing waits for the engine before quitting without it


class Backend(Protocol):
    """What the window hosts: the engine behind a task service, and the HTTP listeners."""

    service: TaskService
    server_error: str | None  # why the HTTP listeners are not running, if they are not

    @property
    def settings(self) -> WindowSettings:
        """The settings it runs with."""
        ...

    def urls(self) -> dict[str, str]:
        """Base URL of each served listener ("queue", "direct", "tasks"); empty when none."""
        ...

    def close(self, timeout: float = 5.0) -> None:
        """Stop the server, then the engine (blocks)."""
        ...


#: Builds a started backend; the callback receives every engine status, from any thread.
#: Its settings are those ``app/`` gave the window, as the settings dialog changed them:
#: ``app/``'s own type, which this package does not name (hence ``Any``).
BackendFactory = Callable[[Any, Callable[[EngineStatus], None]], Backend]


class Session(QObject):
    """Starts, restarts and closes the backend off the GUI thread and relays its events.

    Signals:
        started(object): a :class:`Backend` is up and its service takes work.
        start_failed(str): the backend could not start, and why.
        stopped(): the server and the engine are down (after :meth:`close`).
        engine_changed(object): a new :class:`EngineStatus`.
        task_event(object): a :class:`TaskEvent` of the queue stack.
        positions_changed(object): ``{task_id: position}`` of every queued task.
        tasks_listed(object): the tasks the service held when the backend started.
        task_fetched(object): a :class:`Task` asked for with :meth:`fetch`.
        submitted(object, int): a file was queued: the task and its position.
        rejected(str, str): a file was refused: its path and the reason.
        requeued(object): ``[(old id, new Task)]`` when a finished task is queued again.
        edit_saved(object): the :class:`Task` as saved after :meth:`edit_result`.
        error(str): an action failed; the message is for people.
    """

    started = Signal(object)
    start_failed = Signal(str)
    stopped = Signal()
    engine_changed = Signal(object)
    task_event = Signal(object)
    positions_changed = Signal(object)
    tasks_listed = Signal(object)
    task_fetched = Signal(object)
    submitted = Signal(object, int)
    rejected = Signal(str, str)
    requeued = Signal(object)
    edit_saved = Signal(object)
    error = Signal(str)

    # From the stack's and the supervisor's threads, tagged with the backend generation.
    _stack_signal = Signal(int, object)
    _engine_signal = Signal(int, object)

    def __init__(self, factory: BackendFactory, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._factory = factory
        self.backend: Backend | None = None
        self.engine_status: EngineStatus | None = None
        self._generation = 0
        self._unsubscribe: Callable[[], None] | None = None
        self._positions_busy = False
        self._positions_again = False
        self._starting = False
        self._closing = False
        self._stopped = False
        self.jobs = Jobs("session", workers=4, parent=self)
        self._submits = Jobs("submit", workers=1, parent=self)
        self._edits = Jobs("edit", workers=1, parent=self)  # saved in the order made
        self._stack_signal.connect(self._on_stack_event, Qt.ConnectionType.QueuedConnection)
        self._engine_signal.connect(self._on_engine_status, Qt.ConnectionType.QueuedConnection)

    # -- lifecycle -----------------------------------------------------------------------

    def start(self, settings: WindowSettings) -> None:
        self._generation += 1
        self._starting = True
        self.jobs.run(
            self._factory,
            settings,
            self._engine_callback(self._generation),
            on_done=self._on_started,
            on_error=self._on_start_error,
        )

    def restart(self, settings: WindowSettings) -> None:
        """Stop the engine and start one with ``settings``; queued work is carried over.

        The local stack is journaled in the data folder: the new runtime finds the queued
        tasks (and the one that was running, queued again) under the same ids.
        """
        old = self._detach()
        self._generation += 1
        self._starting = True
        self.jobs.run(
            self._swap,
            old,
            settings,
            self._engine_callback(self._generation),
            on_done=self._on_swapped,
            on_error=self._on_start_error,
        )

    def close(self) -> None:
        """Stop the server and the engine off the GUI thread; ``stopped`` follows."""
        self._closing = True
        if not self._starting:  # else the start's outcome closes what it started
            self._shutdown()

    def _shutdown(self) -> None:
        old = self._detach()
        self._generation += 1
        self._submits.close()
        self.jobs.run_detached(
            _close, old, on_done=lambda _: self._closed(), on_error=self._close_error
        )
        QTimer.singleShot(round(CLOSE_PATIENCE * 1000), self._close_timed_out)

    def _close_timed_out(self) -> None:
        if not self._stopped:
            log.error("The engine did not stop within %.0f s; quitting without it", CLOSE_PATIENCE)
            self._closed()

    def _closed(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._edits.close()
        self.jobs.close()
        self.stopped.emit()

    def _close_error(self, exc: BaseException) -> None:
        log.error("The engine did not stop cleanly: %s", describe(exc), exc_info=exc)
        self._closed()

    def _engine_callback(self, generation: int) -> Callable[[EngineStatus], None]:
        def changed(status: EngineStatus) -> None:
            if shiboken6.isValid(self):  # the window may be gone while the engine stops
                self._engine_signal.emit(generation, status)

        return changed

    def _swap(
        self,
        old: Backend | None,
        settings: WindowSettings,
        callback: Callable[[EngineStatus], None],
    ) -> Backend:
        if old is not None:
            old.close()
        return self._factory(settings, callback)

    def _attach(self, backend: Backend) -> None:
        self.backend = backend
        generation = self._generation

        def listener(event: StackEvent) -> None:
            self._stack_signal.emit(generation, event)

        self._unsubscribe = backend.service.subscribe(listener)

    def _detach(self) -> Backend | None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        old, self.backend = self.backend, None
        return old

    @Slot(object)
    def _on_started(self, backend: Backend) -> None:
        self._starting = False
        self._attach(backend)
        if self._closing:
            self._shutdown()
            return
        self.started.emit(backend)
        self.jobs.run(_snapshot, backend.service, on_done=self._on_snapshot)

    def _on_swapped(self, backend: Backend) -> None:
        self._on_started(backend)

    def _on_start_error(self, exc: BaseException) -> None:
        self._starting = False
        log.error("The engine could not start: %s", describe(exc), exc_info=exc)
        self.start_failed.emit(describe(exc))
        if self._closing:
            self._shutdown()

    def _on_snapshot(self, snapshot: tuple[list[Task], dict[str, int]]) -> None:
        tasks, positions = snapshot
        self.tasks_listed.emit(tasks)
        self.positions_changed.emit(positions)

    # -- events --------------------------------------------------------------------------

    @Slot(int, object)
    def _on_stack_event(self, generation: int, event: StackEvent) -> None:
        if generation != self._generation:
            return
        if isinstance(event, TaskEvent):
            self.task_event.emit(event)
        elif isinstance(event, QueueChanged):
            self._refresh_positions()

    @Slot(int, object)
    def _on_engine_status(self, generation: int, status: EngineStatus) -> None:
        if generation != self._generation:
            return
        self.engine_status = status
        self.engine_changed.emit(status)

    def _refresh_positions(self) -> None:
        """Ask for every position after the queue moved; bursts make one or two calls."""
        if self.backend is None:
            return
        if self._positions_busy:
            self._positions_again = True
            return
        self._positions_busy = True
        self.jobs.run(
            self.backend.service.positions,
            on_done=self._on_positions,
            on_error=self._on_positions_error,
        )

    def _on_positions(self, positions: dict[str, int]) -> None:
        self._positions_busy = False
        self.positions_changed.emit(positions)
        if self._positions_again:
            self._positions_again = False
            self._refresh_positions()

    def _on_positions_error(self, exc: BaseException) -> None:
        self._positions_busy = False
        log.warning("Could not read the queue positions: %s", describe(exc))

    # -- actions -------------------------------------------------------------------------

    def submit(self, paths: Sequence[str], options: TranscribeOptions, priority: int = 0) -> None:
        """Queue files in the given order (so the last one is taken first)."""
        if self.backend is None:
            why = "the engine is restarting" if self._starting else "the engine is not running"
            for path in paths:
                self.rejected.emit(path, f"{why}; add it again in a moment")
            return
        service = self.backend.service
        for path in paths:
            self._submits.run(
                self._submit_one,
                service,
                path,
                options,
                priority,
                on_error=partial(self._submit_failed, path),
            )

    def _submit_one(
        self, service: TaskService, path: str, options: TranscribeOptions, priority: int
    ) -> None:
        """In the submit lane: one file, reported through ``submitted`` or ``rejected``."""
        try:
            task, position = service.submit(path, Path(path).name, options, priority)
        except StackscribeError as exc:
            log.info("Refused %s: %s", path, exc)
            self.rejected.emit(path, str(exc))
        else:
            self.submitted.emit(task, position)

    def resubmit(
        self, old_id: str, source: str, filename: str, options: TranscribeOptions, priority: int
    ) -> None:
        """Queue a finished task's file again; ``requeued`` pairs the old id with the new task."""
        if self.backend is None:
            self.error.emit("The engine is not running")
            return
        self._submits.run(
            _submit,
            self.backend.service,
            source,
            filename,
            options,
            priority,
            on_done=lambda task: self.requeued.emit([(old_id, task)]),
            on_error=self._report,
        )

    def _submit_failed(self, path: str, exc: BaseException) -> None:
        log.error("Could not queue %s", path, exc_info=exc)
        self.rejected.emit(path, describe(exc))

    def edit_result(self, task_id: str, result: dict[str, Any]) -> None:
        """Save a person's edit of a finished task's result; ``edit_saved`` follows."""
        if self.backend is None:
            self.error.emit("The engine is not running: the edit is shown but not saved")
            return
        self._edits.run(
            self.backend.service.edit_result,
            task_id,
            result,
            on_done=self.edit_saved.emit,
            on_error=self._report,
        )

    def cancel(self, task_id: str) -> None:
        if self.backend is not None:
            self.jobs.run(self.backend.service.cancel, task_id, on_error=self._report)

    def fetch(self, task_id: str) -> None:
        """Read one task (one the window has not seen yet); ``task_fetched`` follows."""
        if self.backend is not None:
            self.jobs.run(
                self.backend.service.get,
                task_id,
                on_done=self.task_fetched.emit,
                on_error=self._report,
            )

    def _report(self, exc: BaseException) -> None:
        if not isinstance(exc, StackscribeError):
            log.error("Task action failed", exc_info=exc)
        self.error.emit(describe(exc))


def _snapshot(service: TaskService) -> tuple[list[Task], dict[str, int]]:
    return service.list(limit=LISTED_TASKS), service.positions()


def _close(backend: Backend | None) -> None:
    if backend is not None:
        backend.close(timeout=5.0)


def _submit(
    service: TaskService, source: str, filename: str, options: TranscribeOptions, priority: int
) -> Task:
    task, _ = service.submit(source, filename, options, priority)
    return task
