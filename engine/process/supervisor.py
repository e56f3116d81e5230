"""Keeps one engine process alive from the host: model download, spawn, watchdog, restart.

The supervisor runs in a thread of the host process. It never blocks the server or the GUI:
they read :attr:`EngineSupervisor.status` and subscribe to its changes.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import queue
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, assert_never

from engine.errors import ModelUnavailable, NotStored, StackUnavailable
from engine.models import store as model_store
from engine.models.store import DownloadCancelled
from engine.process.messages import (
    EngineAlive,
    EngineFailed,
    EngineLoading,
    EngineMessage,
    EngineReady,
    EngineStopped,
)
from engine.process.worker import EngineConfig
from engine.stack.protocol import TaskStack
from engine.stack.sharing import StackAddress
from engine.status import EngineState, EngineStatus

log = logging.getLogger(__name__)

_GRACE = 30.0  # seconds past WORKER_TIMEOUT before a stuck engine is killed
_MAX_BACKOFF = 30.0


#: The function run in the engine process: (config, address, stop event, status queue).
EngineTarget = Callable[[EngineConfig, StackAddress, Any, Any], None]


class EngineSupervisor:
    """Owns the engine process for one host.

    ``stacks`` are the host-side stacks the engine's lanes claim from, by lane name; the
    supervisor hands back tasks a dead engine held. ``on_change`` is called with every new
    :class:`EngineStatus`, from the supervisor thread.
    """

    def __init__(
        self,
        *,
        model: str,
        cache_dir: str,
        make_config: Callable[[str, str], EngineConfig],
        target: EngineTarget,
        address: StackAddress,
        stacks: dict[str, TaskStack],
        worker_timeout: float,
        max_attempts: int,
        on_change: Callable[[EngineStatus], None] | None = None,
    ) -> None:
        self.model = model
        self.cache_dir = cache_dir
        self.make_config = make_config
        self.target = target
        self.address = address
        self.stacks = stacks
        self.worker_timeout = worker_timeout
        self.max_attempts = max_attempts
        self.on_change = on_change
        self.engine_id = f"engine-{uuid.uuid4().hex[:8]}"
        self._ctx = multiprocessing.get_context("spawn")
        self._status = EngineStatus(model=model)
        self._status_lock = threading.Lock()
        self._ready = threading.Condition(self._status_lock)
        self._stopping = threading.Event()
        self._cancel_download = threading.Event()
        self._process: Any = None
        self._engine_stop: Any = None
        self._last_beat: float | None = None  # monotonic time of the engine's last heartbeat
        self._thread = threading.Thread(target=self._run, name="engine-supervisor", daemon=True)

    # -- status ------------------------------------------------------------------------

    @property
    def status(self) -> EngineStatus:
        with self._status_lock:
            return self._status

    def _set(self, **changes: Any) -> None:
        with self._status_lock:
            self._status = dataclasses.replace(self._status, **changes)
            status = self._status
            self._ready.notify_all()
        if self.on_change is not None:
            self.on_change(status)

    def wait_settled(self, timeout: float | None) -> EngineStatus:
        """Wait until the engine is ready or known to be unavailable (``None``: however long)."""
        settled = (EngineState.READY, EngineState.UNAVAILABLE, EngineState.STOPPED)
        with self._status_lock:
            self._ready.wait_for(lambda: self._status.state in settled, timeout)
            return self._status

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def kill(self) -> None:
        """End the engine now, mid-task (a second Ctrl-C); ``stop`` then has nothing to wait for."""
        self._stopping.set()
        self._cancel_download.set()
        process = self._process
        if process is not None and process.is_alive():
            process.kill()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the engine to hand back its tasks and exit; kill it after ``timeout``."""
        self._stopping.set()
        self._cancel_download.set()
        process = self._process
        if self._engine_stop is not None and process is not None and process.is_alive():
            # Event.set() can block forever on a lock a killed engine held: never wait on it.
            threading.Thread(target=self._engine_stop.set, daemon=True).start()
        if process is not None:
            process.join(timeout)
            if process.is_alive():
                # It ignores SIGTERM (a signal to the whole group must not cut it short).
                log.warning("Engine did not stop within %.0f s; killing it", timeout)
                process.kill()
                process.join(5)
        if self._thread.is_alive():
            self._thread.join(timeout + 5)
        self._recover("Queued again: the engine was stopped")
        self._set(state=EngineState.STOPPED, pid=None)

    def _run(self) -> None:
        try:
            path = self._resolve_model()
        except DownloadCancelled:
            self._set(state=EngineState.STOPPED)
            return
        except ModelUnavailable as exc:
            log.error("%s", exc)
            self._set(state=EngineState.UNAVAILABLE, error=str(exc))
            return
        backoff = 1.0
        while not self._stopping.is_set():
            started = time.monotonic()
            outcome = self._run_once(path)
            if self._stopping.is_set() or outcome == "unavailable":
                return
            if time.monotonic() - started > 60:
                backoff = 1.0
            self._set(state=EngineState.RESTARTING, restarts=self.status.restarts + 1)
            log.warning("Engine exited (%s); restarting in %.0f s", outcome, backoff)
            self._stopping.wait(backoff)
            backoff = min(backoff * 2, _MAX_BACKOFF)

    def _resolve_model(self) -> str:
        def progress(done: int, total: int) -> None:
            self._set(state=EngineState.DOWNLOADING, download_done=done, download_total=total)

        choice = model_store.choose(self.model, self.cache_dir, progress, self._cancel_download)
        log.info("Model %s at %s: %s", choice.name, choice.path, choice.reason)
        self._set(model=choice.name, model_reason=choice.reason, model_fallback=choice.fallback)
        return choice.path

    def _run_once(self, path: str) -> str:
        """Spawn the engine and watch it until it exits; returns why it ended."""
        # The engine names the model it loaded: the one chosen, not an empty "automatic".
        config = self.make_config(self.engine_id, path)
        config = dataclasses.replace(config, model_name=self.status.model)
        self._engine_stop = self._ctx.Event()
        messages = self._ctx.Queue()
        self._process = self._ctx.Process(
            target=self.target,
            args=(config, self.address, self._engine_stop, messages),
            name="stackscribe-engine",
            daemon=True,
        )
        self._set(state=EngineState.LOADING, error=None, responding=True, dead_workers=())
        self._last_beat = None
        self._process.start()
        self._set(pid=self._process.pid)
        killed_for_timeout: set[str] = set()
        unavailable = False
        while self._process.is_alive() or not messages.empty():
            try:
                unavailable |= self._on_message(messages.get(timeout=0.25))
            except queue.Empty:
                killed_for_timeout |= self._watchdog()
            self._check_beat(config.lease_seconds)
        self._process.join()
        code = self._process.exitcode
        if self._stopping.is_set():
            return "stopped"
        for task_id in killed_for_timeout:
            self._fail_timeout(task_id)
        self._recover(f"The engine stopped unexpectedly (exit code {code})")
        return "unavailable" if unavailable else f"exit code {code}"

    def _on_message(self, message: EngineMessage) -> bool:
        """Apply one message from the engine; True when it cannot serve this model at all."""
        match message:
            case EngineLoading(model=model):
                self._set(state=EngineState.LOADING, model=model)
            case EngineReady(model=model, device=device, compute_type=compute_type):
                self._set(
                    state=EngineState.READY, model=model, device=device, compute_type=compute_type
                )
                self._last_beat = time.monotonic()
                log.info("Engine ready: model %s on %s (%s)", model, device, compute_type)
            case EngineAlive(dead_workers=dead):
                self._on_beat(dead)
            case EngineFailed(error=error):
                self._set(state=EngineState.UNAVAILABLE, error=error)
                return True
            case EngineStopped():
                self._set(state=EngineState.STOPPED)
            case _:
                assert_never(message)
        return False

    def _on_beat(self, dead: tuple[str, ...]) -> None:
        self._last_beat = time.monotonic()
        status = self.status
        if dead != status.dead_workers:
            log.error("Engine worker thread(s) died: %s; their lanes take no work", dead)
        if not status.responding:
            log.warning("The engine answers again")
        if dead != status.dead_workers or not status.responding:
            self._set(responding=True, dead_workers=dead)

    def _check_beat(self, bound: float) -> None:
        """A ready engine silent for a lease is not responding (beats come five times as often,
        from their own thread, so a long decode never goes a lease without one)."""
        status = self.status
        if self._last_beat is None or status.state != EngineState.READY or not status.responding:
            return
        silent = time.monotonic() - self._last_beat
        if silent > bound:
            log.error("The engine has sent no heartbeat for %.0f s: frozen or stopped?", silent)
            self._set(responding=False)

    def _held(self) -> list[tuple[TaskStack, Any]]:
        prefix = f"{self.engine_id}/"
        held = []
        for stack in self.stacks.values():
            try:
                running = stack.processing()
            except StackUnavailable as exc:
                log.debug("Cannot see the tasks of %s: %s", stack.backend, exc)
                continue
            held += [(stack, task) for task in running if (task.worker or "").startswith(prefix)]
        return held

    def _watchdog(self) -> set[str]:
        """Kill an engine stuck inside one call for longer than WORKER_TIMEOUT + grace."""
        now = time.time()
        stuck = {
            task.id
            for _, task in self._held()
            if task.started_at and now - task.started_at > self.worker_timeout + _GRACE
        }
        if stuck and self._process is not None and self._process.is_alive():
            log.error("Engine stuck on %s past WORKER_TIMEOUT; killing it", ", ".join(stuck))
            self._process.kill()
        return stuck

    def _fail_timeout(self, task_id: str) -> None:
        reason = (
            f"Transcription took longer than {self.worker_timeout:.0f} s (WORKER_TIMEOUT) "
            "and was stopped"
        )
        for stack in self.stacks.values():
            try:
                stack.release_lost(task_id, reason, max_attempts=0)
            except (StackUnavailable, NotStored) as exc:  # the thread lives on
                log.warning("Task %s not failed for its timeout now: %s", task_id, exc)

    def _recover(self, reason: str) -> None:
        for stack, task in self._held():
            try:
                released = stack.release_lost(task.id, reason, self.max_attempts)
            except (StackUnavailable, NotStored) as exc:  # Redis away, or a full disk
                log.warning("Task %s not released now: %s", task.id, exc)
                continue
            if released is not None:
                log.warning("Task %s: %s -> %s", task.id, reason, released.status.value)
