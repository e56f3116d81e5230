"""Builds the running system from the settings: stacks, the engine and the task service."""

from __future__ import annotations

import functools
import logging
import multiprocessing
from collections.abc import Callable

from app.logs import ForwardedLogs
from app.processes import engine_main
from app.settings import Settings
from engine.memory_stack import MemoryStack, StackHost
from engine.service import TaskService
from engine.supervisor import EngineStatus, EngineSupervisor
from engine.transcriber import DecodeSettings
from engine.worker import EngineConfig

log = logging.getLogger(__name__)


class Runtime:
    """Everything one host process runs; ``close()`` stops it all, engine first."""

    def __init__(
        self,
        settings: Settings,
        *,
        on_engine_change: Callable[[EngineStatus], None] | None = None,
    ) -> None:
        self.settings = settings
        self.stack = MemoryStack(max_size=settings.max_queue_size)
        self.direct = MemoryStack()
        self.backend = self.stack.backend
        self._logs = ForwardedLogs(multiprocessing.get_context("spawn"))
        self._host = StackHost({"stack": self.stack, "direct": self.direct})
        address = self._host.start()
        self._logs.start()
        self.supervisor = EngineSupervisor(
            model=settings.model,
            cache_dir=settings.model_cache,
            make_config=self._engine_config,
            target=functools.partial(
                engine_main,
                log_queue=self._logs.queue,
                log_level=logging.getLogger().getEffectiveLevel(),
            ),
            address=address,
            stacks={"queue": self.stack, "direct": self.direct},
            worker_timeout=settings.worker_timeout,
            on_change=on_engine_change,
        )
        self.service = TaskService(self.stack, self.direct, self.supervisor)
        self.supervisor.start()

    def _engine_config(self, engine_id: str, model_path: str) -> EngineConfig:
        s = self.settings
        return EngineConfig(
            engine_id=engine_id,
            model_name=s.model,
            model_path=model_path,
            device=s.device,
            compute_type=s.compute_type,
            cpu_threads=s.cpu_threads,
            worker_timeout=s.worker_timeout,
            decode=DecodeSettings(
                decode_mode=s.decode_mode,
                batch_size=s.batch_size,
                beam_size=s.beam_size,
                batched_min_seconds=s.batched_min_seconds,
            ),
        )

    def close(self, timeout: float = 5.0) -> None:
        self.supervisor.stop(timeout)
        self.service.fail_direct("shutting down")
        self.service.close()
        self._host.stop()
        self.stack.close()
        self.direct.close()
        self._logs.stop()
