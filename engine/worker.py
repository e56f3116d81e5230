"""The engine process: one loaded model, a worker per lane, tasks claimed from the stack.

The queue lane takes work from the shared stack; the direct lane takes synchronous requests
from the host's direct stack, so a direct request never waits behind queued work. Both
lanes share one :class:`Transcriber` (one copy of the weights).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.errors import (
    AudioDecodeError,
    EngineStopping,
    LeaseLost,
    StackscribeError,
    TaskCancelled,
    TaskTimeout,
)
from engine.result import Segment
from engine.stack import TaskStack
from engine.task import Task, TaskStatus
from engine.transcriber import DecodeSettings, Transcriber

log = logging.getLogger(__name__)

StatusFn = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class EngineConfig:
    """Everything an engine process needs, passed to it when it is spawned."""

    engine_id: str
    model_name: str
    model_path: str
    device: str = "auto"
    compute_type: str = "auto"
    cpu_threads: int = 0
    worker_timeout: float = 1200.0
    decode: DecodeSettings = field(default_factory=DecodeSettings)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Worker:
    """Claims tasks from one stack and runs them one at a time until ``stop`` is set."""

    def __init__(
        self,
        stack: TaskStack,
        transcriber: Transcriber,
        worker_id: str,
        timeout: float,
        stop: threading.Event,
    ) -> None:
        self.stack = stack
        self.transcriber = transcriber
        self.worker_id = worker_id
        self.timeout = timeout
        self.stop = stop

    def run(self) -> None:
        log.info("Worker %s ready", self.worker_id)
        while not self.stop.is_set():
            task = self.stack.claim(self.worker_id, timeout=0.5)
            if task is not None:
                self.process(task)
        log.info("Worker %s stopped", self.worker_id)

    def process(self, task: Task) -> None:
        """Run one task to a final state (or back to the stack on shutdown)."""
        lease = task.lease or ""
        log.info("Task %s started (%s)", task.id, task.filename)
        try:
            self._check_source(task)
            transcript = self.transcriber.transcribe(
                task.source, task.options, self._reporter(task, lease)
            )
            self.stack.finish(task.id, lease, TaskStatus.COMPLETED, result=transcript.to_dict())
            log.info("Task %s completed", task.id)
        except TaskCancelled:
            self.stack.finish(task.id, lease, TaskStatus.CANCELLED)
            log.info("Task %s cancelled", task.id)
        except EngineStopping:
            self.stack.requeue(task.id, lease, "Queued again: the engine was stopped")
            log.info("Task %s handed back to the stack", task.id)
        except LeaseLost:
            log.warning("Task %s was taken from this worker; its result is dropped", task.id)
        except StackscribeError as exc:
            self.stack.finish(
                task.id, lease, TaskStatus.FAILED, error=str(exc), error_code=exc.status
            )
            log.info("Task %s failed: %s", task.id, exc)
        except Exception as exc:
            # The task boundary: log the traceback, fail the task, keep serving.
            log.exception("Task %s failed unexpectedly", task.id)
            self.stack.finish(
                task.id,
                lease,
                TaskStatus.FAILED,
                error=f"Transcription failed: {type(exc).__name__}: {exc}",
                error_code=500,
            )

    @staticmethod
    def _check_source(task: Task) -> None:
        if not os.path.isfile(task.source):
            raise AudioDecodeError("The audio file of this task is no longer on disk")

    def _reporter(self, task: Task, lease: str) -> Callable[[float, Segment | None], None]:
        deadline = time.monotonic() + self.timeout
        duration = task.duration or 0.0

        def report(progress: float, segment: Segment | None) -> None:
            if self.stop.is_set():
                raise EngineStopping("engine stopping")
            if time.monotonic() > deadline:
                raise TaskTimeout(
                    f"Transcription took longer than {self.timeout:.0f} s (WORKER_TIMEOUT) "
                    "and was stopped"
                )
            message = "Transcribing"
            if duration:
                message = f"Transcribing {_clock(progress * duration)} of {_clock(duration)}"
            cancel = self.stack.report(
                task.id, lease, progress, message, segment.to_dict() if segment else None
            )
            if cancel:
                raise TaskCancelled("cancelled")

        return report


def serve(
    config: EngineConfig,
    stacks: dict[str, TaskStack],
    stop: threading.Event,
    status: StatusFn,
    make_transcriber: Callable[[EngineConfig], Transcriber] | None = None,
) -> None:
    """Load the model, run a worker per stack until ``stop`` is set, then return."""
    status({"state": "loading", "model": config.model_name})
    try:
        transcriber = (make_transcriber or _whisper)(config)
    except Exception as exc:  # a model that will not load is reported, not raised
        log.exception("Model %s failed to load", config.model_name)
        status(
            {"state": "unavailable", "error": f"Model {config.model_name} failed to load: {exc}"}
        )
        return
    status(
        {
            "state": "ready",
            "model": config.model_name,
            "device": getattr(transcriber, "device", "cpu"),
            "compute_type": getattr(transcriber, "compute_type", ""),
        }
    )
    threads = [
        threading.Thread(
            target=Worker(
                stack, transcriber, f"{config.engine_id}/{lane}", config.worker_timeout, stop
            ).run,
            name=f"worker-{lane}",
            daemon=True,
        )
        for lane, stack in stacks.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    status({"state": "stopped"})


def _whisper(config: EngineConfig) -> Transcriber:
    from engine.transcriber import WhisperTranscriber

    return WhisperTranscriber(
        config.model_path,
        device=config.device,
        compute_type=config.compute_type,
        cpu_threads=config.cpu_threads,
        num_workers=2,
        settings=config.decode,
    )
