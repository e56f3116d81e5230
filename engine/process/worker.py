"""The engine process: one loaded model, a worker per lane, tasks claimed from the stack.

The queue lane takes work from the shared stack (the host's local stack, then Redis when
one is configured); the direct lane takes synchronous requests from the host's direct
stack, so a direct request never waits behind queued work. Both lanes share one
:class:`Transcriber` (one copy of the weights). A heartbeat thread extends the leases of
the tasks in hand, and the process exits if its host goes away.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from engine.errors import (
    EngineStopping,
    LeaseLost,
    NotStored,
    StackscribeError,
    StackUnavailable,
    TaskCancelled,
    TaskTimeout,
)
from engine.pipeline.transcriber import DecodeSettings, Transcriber
from engine.process.messages import (
    EngineAlive,
    EngineFailed,
    EngineLoading,
    EngineMessage,
    EngineReady,
    EngineStopped,
)
from engine.result import Segment
from engine.stack.protocol import TaskStack
from engine.task import Task, TaskStatus

log = logging.getLogger(__name__)

StatusFn = Callable[[EngineMessage], None]
_COMMIT_PATIENCE = 300.0  # seconds a finished result waits for an unreachable stack


@dataclass(frozen=True)
class EngineConfig:
    """Everything an engine process needs, passed to it when it is spawned.

    No defaults: the app builds it from its settings, where each value is declared.
    """

    engine_id: str
    model_name: str
    model_path: str
    device: str
    compute_type: str
    cpu_threads: int
    worker_timeout: float
    decode: DecodeSettings
    work_dir: str  # where audio fetched from a remote stack is kept while it runs
    lease_seconds: float


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class DirectFirst:
    """Lets direct requests run alone: queued work pauses at its next segment meanwhile.

    Both lanes share the CPU (or GPU); a person waiting on a direct request should not wait
    for a long file in the background to share it.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active = 0

    @contextlib.contextmanager
    def direct(self) -> Iterator[None]:
        with self._cond:
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    def yield_to_direct(self, stop: threading.Event) -> None:
        with self._cond:
            while self._active and not stop.is_set():
                self._cond.wait(0.5)


class Worker:
    """Claims tasks from its stacks, in order, and runs them one at a time until ``stop``.

    A worker with ``priority`` holds the :class:`DirectFirst` gate while it works; one with
    ``yields`` waits at each segment while the gate is held.
    """

    def __init__(
        self,
        stacks: list[TaskStack],
        transcriber: Transcriber,
        worker_id: str,
        timeout: float,
        stop: threading.Event,
        work_dir: str = "",
        gate: DirectFirst | None = None,
        priority: bool = False,
    ) -> None:
        self.gate = gate
        self.priority = priority
        self.stacks = stacks
        self.transcriber = transcriber
        self.worker_id = worker_id
        self.timeout = timeout
        self.stop = stop
        self.work_dir = work_dir
        self.held: dict[str, tuple[TaskStack, str]] = {}  # task id -> (stack, lease)
        self.lost: set[str] = set()  # tasks whose lease a heartbeat found gone

    def run(self) -> None:
        log.info("Worker %s ready", self.worker_id)
        while not self.stop.is_set():
            try:
                claimed = self._claim()
                if claimed is not None:
                    self.process(*claimed)
            except Exception:
                # The worker's boundary (the task's is in _run): whatever the stack raised
                # (a host gone, a journal broken), the lane keeps claiming after a pause.
                log.exception("Worker %s: the stack failed; going on", self.worker_id)
                self.stop.wait(1.0)
        log.info("Worker %s stopped", self.worker_id)

    def _claim(self) -> tuple[TaskStack, Task] | None:
        for index, stack in enumerate(self.stacks):
            wait = 0.5 if index == len(self.stacks) - 1 else 0.0
            try:
                task = stack.claim(self.worker_id, timeout=wait)
            except StackUnavailable as exc:
                log.debug("Worker %s cannot claim from stack %d: %s", self.worker_id, index, exc)
                self.stop.wait(1.0)
                continue
            if task is not None:
                return stack, task
        return None

    def process(self, stack: TaskStack, task: Task) -> None:
        """Run one task to a final state (or back to the stack on shutdown)."""
        lease = task.lease or ""
        self.held[task.id] = (stack, lease)
        log.info("Task %s started (%s)", task.id, task.filename)
        try:
            outcome = self._run(stack, task, lease)
        finally:
            self.held.pop(task.id, None)
            self.lost.discard(task.id)
        if outcome is not None:
            self._commit(stack, task, lease, *outcome)

    def _run(  # noqa: PLR0911 - one return per way a task can end
        self, stack: TaskStack, task: Task, lease: str
    ) -> tuple[Any, ...] | None:
        """The task's outcome as arguments for ``finish`` (None: nothing to commit)."""
        try:
            hold = self.gate.direct() if self.gate and self.priority else contextlib.nullcontext()
            # The audio of a shared stack's task lives in it, never on this machine: a Redis
            # record naming a local path is refused by its fetch (anyone with Redis could
            # write one); a host's stack hands over the task's own file.
            with hold, stack.fetch(task, self.work_dir) as path:
                transcript = self.transcriber.transcribe(
                    path, task.options, self._reporter(stack, task, lease)
                )
            return (TaskStatus.COMPLETED, transcript.to_dict(), None, None)
        except TaskCancelled:
            return (TaskStatus.CANCELLED, None, None, None)
        except EngineStopping:
            with contextlib.suppress(LeaseLost, StackUnavailable):
                stack.requeue(task.id, lease, "Queued again: the engine was stopped")
                log.info("Task %s handed back to the stack", task.id)
            return None
        except LeaseLost:
            log.warning("Task %s was taken from this worker; its work is dropped", task.id)
            return None
        except StackUnavailable as exc:
            # Not the task's fault: its lease runs out and it is queued again elsewhere.
            log.warning("Task %s interrupted, the stack is unreachable: %s", task.id, exc)
            return None
        except StackscribeError as exc:
            return (TaskStatus.FAILED, None, str(exc), exc.status)
        except Exception as exc:
            # The task boundary: log the traceback, fail the task, keep serving.
            log.exception("Task %s failed unexpectedly", task.id)
            return (
                TaskStatus.FAILED,
                None,
                f"Transcription failed: {type(exc).__name__}: {exc}",
                500,
            )

    def _commit(
        self,
        stack: TaskStack,
        task: Task,
        lease: str,
        status: TaskStatus,
        result: Any,
        error: str | None,
        code: int | None,
    ) -> None:
        """Record the outcome; while the stack is unreachable, keep trying for a while."""
        deadline = time.monotonic() + _COMMIT_PATIENCE
        delay = 0.5
        while True:
            try:
                stack.finish(task.id, lease, status, result=result, error=error, error_code=code)
                log.info("Task %s %s", task.id, status.value)
                return
            except LeaseLost:
                log.warning("Task %s was taken from this worker; its result is refused", task.id)
                return
            except NotStored as exc:
                # The host cannot write it down (a full disk): the task stays ours and
                # processing, and the result is offered again until there is room.
                if self.stop.is_set():
                    log.error("Task %s: result not recorded before stopping: %s", task.id, exc)
                    return
                log.warning("Task %s: cannot record the result yet (%s)", task.id, exc)
                self.stop.wait(delay)
                delay = min(delay * 2, 10.0)
                continue
            except StackUnavailable as exc:
                if time.monotonic() > deadline:
                    log.error(
                        "Task %s: result dropped, the stack stayed unreachable (%s); "
                        "it will run again",
                        task.id,
                        exc,
                    )
                    return
                log.warning("Task %s: cannot record the result yet (%s)", task.id, exc)
                time.sleep(delay)
                delay = min(delay * 2, 10.0)

    def _reporter(
        self, stack: TaskStack, task: Task, lease: str
    ) -> Callable[[float, Segment | None], None]:
        deadline = time.monotonic() + self.timeout
        duration = task.duration or 0.0

        def report(progress: float, segment: Segment | None) -> None:
            if self.gate is not None and not self.priority:
                self.gate.yield_to_direct(self.stop)
            if self.stop.is_set():
                raise EngineStopping("engine stopping")
            if task.id in self.lost:
                raise LeaseLost("lease lost")
            if time.monotonic() > deadline:
                raise TaskTimeout(
                    f"Transcription took longer than {self.timeout:.0f} s (WORKER_TIMEOUT) "
                    "and was stopped"
                )
            message = "Transcribing"
            if duration:
                message = f"Transcribing {_clock(progress * duration)} of {_clock(duration)}"
            try:
                cancel = stack.report(
                    task.id, lease, progress, message, segment.to_dict() if segment else None
                )
            except StackUnavailable as exc:
                log.debug("Progress of %s not recorded: %s", task.id, exc)
                return
            if cancel:
                raise TaskCancelled("cancelled")

        return report

    def beat(self) -> None:
        """Extend the lease of the task in hand; note it if the lease is gone."""
        for task_id, (stack, lease) in list(self.held.items()):
            try:
                if stack.heartbeat({task_id: lease}) == 0:
                    log.warning("Task %s: lease lost; stopping it", task_id)
                    self.lost.add(task_id)
            except StackUnavailable as exc:
                log.debug("Heartbeat for %s not sent: %s", task_id, exc)


def _heartbeats(
    workers: dict[str, tuple[Worker, threading.Thread]],
    stop: threading.Event,
    every: float,
    status: StatusFn,
) -> None:
    """The engine's heartbeat thread: beats for every worker, watches the host process, and
    tells the host it is alive and which lanes' threads have died (``/health`` shows both)."""
    parent = os.getppid()
    while not stop.wait(every):
        if os.getppid() != parent:
            log.error("The host process is gone; the engine exits")
            os._exit(1)
        for worker, _ in workers.values():
            worker.beat()
        dead = tuple(lane for lane, (_, thread) in workers.items() if not thread.is_alive())
        status(EngineAlive(dead_workers=dead))


def serve(
    config: EngineConfig,
    lanes: dict[str, list[TaskStack]],
    stop: threading.Event,
    status: StatusFn,
    make_transcriber: Callable[[EngineConfig], Transcriber] | None = None,
    live: Any = None,
) -> None:
    """Load the model, run a worker per lane (and one for ``live`` streams) until ``stop``."""
    status(EngineLoading(config.model_name))
    try:
        transcriber = (make_transcriber or _whisper)(config)
    except Exception as exc:  # a model that will not load is reported, not raised
        log.exception("Model %s failed to load", config.model_name)
        status(EngineFailed(f"Model {config.model_name} failed to load: {exc}"))
        return
    status(
        EngineReady(
            config.model_name,
            transcriber.device,
            transcriber.compute_type,
        )
    )
    gate = DirectFirst()  # the direct lane runs alone; the others wait at their next segment
    lanes_run: dict[str, tuple[Worker, threading.Thread]] = {}
    for lane, stacks in lanes.items():
        worker = Worker(
            stacks,
            transcriber,
            f"{config.engine_id}/{lane}",
            config.worker_timeout,
            stop,
            config.work_dir,
            gate=gate,
            priority=lane == "direct",
        )
        thread = threading.Thread(target=worker.run, name=f"worker-{worker.worker_id}", daemon=True)
        lanes_run[lane] = (worker, thread)
    threads = [thread for _, thread in lanes_run.values()]
    if live is not None:
        threads.append(_live_thread(live, transcriber, config, stop))
    threads.append(
        threading.Thread(
            target=_heartbeats,
            args=(lanes_run, stop, heartbeat_every(config.lease_seconds), status),
            name="heartbeat",
            daemon=True,
        )
    )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    status(EngineStopped())


def heartbeat_every(lease_seconds: float) -> float:
    """Seconds between heartbeats: five in a lease, so one late beat loses nothing."""
    return max(0.5, lease_seconds / 5)


def _live_thread(
    hub: Any, transcriber: Transcriber, config: EngineConfig, stop: threading.Event
) -> threading.Thread:
    from engine.live.streamer import WhisperDecoder
    from engine.live.worker import LiveWorker

    decoder = WhisperDecoder(transcriber.model, config.decode.beam_size)
    worker = LiveWorker(hub, decoder, stop, f"{config.engine_id}/live")
    return threading.Thread(target=worker.run, name="worker-live", daemon=True)


def _whisper(config: EngineConfig) -> Transcriber:
    from engine.pipeline.transcriber import WhisperTranscriber

    return WhisperTranscriber(
        config.model_path,
        device=config.device,
        compute_type=config.compute_type,
        cpu_threads=config.cpu_threads,
        num_workers=2,
        settings=config.decode,
    )
