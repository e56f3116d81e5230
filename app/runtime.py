"""Builds the running system from the settings: stacks, the engine and the task service.

The stack is Redis when ``REDIS_URL`` answers at start (with a local journaled stack as its
safety net), the in-memory stack otherwise. Long-running hosts (``serve``, ``gui``) journal
the local stack in the data folder, so queued tasks and results survive a restart.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import multiprocessing
from collections.abc import Callable

from app import configs
from app.logs import ForwardedLogs, configure_child
from app.settings import Settings
from engine.live.hub import LiveHub
from engine.process.main import engine_main
from engine.process.supervisor import EngineSupervisor
from engine.redact import redact
from engine.service import TaskService
from engine.stack.journal import SqliteJournal
from engine.stack.memory import MemoryStack
from engine.stack.protocol import TaskStack
from engine.stack.redis import RedisOptions, reachable
from engine.stack.resilient import ResilientStack
from engine.stack.sharing import StackHost
from engine.status import EngineStatus

log = logging.getLogger(__name__)


def redis_options(settings: Settings) -> RedisOptions | None:
    """The Redis stack to use, or None for the in-memory stack.

    An empty REDIS_URL, or the default one when nothing answers there (a desktop with no
    Redis), means the in-memory stack. A URL set on purpose that does not answer yet means
    Redis all the same: tasks are accepted locally until it does.
    """
    if not settings.redis_url:
        return None
    if not reachable(settings.redis_url):
        if settings.redis_url == Settings().redis_url:
            log.info("No Redis at %s: using the in-memory stack", redact(settings.redis_url))
            return None
        log.warning(
            "Redis at %s does not answer yet: tasks wait locally until it does",
            redact(settings.redis_url),
        )
    return configs.redis_options(settings)


class Runtime:
    """Everything one host process runs; ``close()`` stops it all, engine first."""

    def __init__(
        self,
        settings: Settings,
        *,
        on_engine_change: Callable[[EngineStatus], None] | None = None,
        durable: bool = False,
        redis: RedisOptions | None = None,
    ) -> None:
        self.settings = settings
        self._undo = contextlib.ExitStack()  # what has started, stopped again if a step fails
        try:
            self._start(on_engine_change, durable, redis)
        except BaseException:
            self._undo.close()
            raise
        self._undo.pop_all()  # from here on close() stops everything, in its own order

    def _start(
        self,
        on_engine_change: Callable[[EngineStatus], None] | None,
        durable: bool,
        redis: RedisOptions | None,
    ) -> None:
        settings = self.settings
        uploads = configs.uploads_dir(settings)
        journal = (
            SqliteJournal(settings.data_path / "tasks.sqlite3", uploads=uploads)
            if durable
            else None
        )
        self.local = MemoryStack(max_size=settings.max_queue_size, journal=journal)
        self._undo.callback(self.local.close)
        self.direct = MemoryStack()
        self._undo.callback(self.direct.close)
        self.redis = redis
        self.stack: TaskStack = self.local
        if redis is not None:
            primary = redis.open()
            self._undo.callback(primary.close)
            primary.start_reaper()
            self.stack = ResilientStack(primary, self.local)
            self._undo.callback(self.stack.close)
        self.backend = self.stack.backend
        self._logs = ForwardedLogs(multiprocessing.get_context("spawn"))
        self.live = LiveHub(configs.live_limits(settings))
        self._host = StackHost({"stack": self.local, "direct": self.direct, "live": self.live})
        address = self._host.start()
        self._undo.callback(self._host.stop)
        self._logs.start()
        self._undo.callback(self._logs.stop)
        self.supervisor = EngineSupervisor(
            model=settings.model,
            cache_dir=settings.model_cache,
            make_config=functools.partial(configs.engine_config, settings),
            target=functools.partial(
                engine_main,
                configure_logging=functools.partial(
                    configure_child, self._logs.queue, logging.getLogger().getEffectiveLevel()
                ),
                redis=redis,
            ),
            address=address,
            stacks={"queue": self.stack, "direct": self.direct},
            worker_timeout=settings.worker_timeout,
            max_attempts=settings.max_attempts,
            on_change=on_engine_change,
        )
        self.service = TaskService(
            self.stack, self.direct, self.supervisor, live=self.live, uploads_dir=uploads
        )
        self.supervisor.start()

    def close(self, timeout: float = 5.0) -> None:
        self.supervisor.stop(timeout)
        self.service.fail_direct("shutting down")
        self.service.close()
        self._host.stop()
        if self.stack is not self.local:
            self.stack.close()
        self.local.close()
        self.direct.close()
        self._logs.stop()
