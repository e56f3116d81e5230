"""Builds the running system from the settings: stacks, the engine, the task service and the
listeners; every command that runs the engine starts here.

The stack is Redis when ``REDIS_URL`` answers at start (with a local journaled stack as its
safety net), the in-memory stack otherwise. Long-running hosts (``serve``, ``gui``) journal
the local stack in the data folder, so queued tasks and results survive a restart. Their
start-up steps, in the order they run:

1. :func:`check_exposure`: refuse an address beyond loopback without an API key;
2. :func:`host_runtime`: the :class:`Runtime` (engine, stacks), uploads no task needs removed;
3. :func:`server_runner`: the listeners the settings serve, over the runtime's service.

``serve`` then binds and runs them in the foreground; the window starts them in a thread.
``transcribe``, ``watch``, ``live`` and ``worker`` build a :class:`Runtime` of their own.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import multiprocessing
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app import configs
from app.logs import ForwardedLogs, configure_child
from app.settings import Settings
from engine.live.hub import LiveHub
from engine.process.main import engine_main
from engine.process.supervisor import EngineSupervisor
from engine.redact import redact
from engine.service.tasks import TaskService
from engine.stack.journal import SqliteJournal
from engine.stack.memory import MemoryStack
from engine.stack.protocol import TaskStack
from engine.stack.redis import RedisOptions, reachable
from engine.stack.resilient import ResilientStack
from engine.stack.sharing import StackHost
from engine.status import EngineStatus
from server.config import is_loopback

if TYPE_CHECKING:
    from server.runner import ServerRunner

log = logging.getLogger(__name__)


def redis_options(settings: Settings) -> RedisOptions | None:
    """The Redis stack to use, or None for the in-memory stack.

    An empty REDIS_URL, or the default one when nothing answers there (a desktop with no
    Redis), means the in-memory stack. A URL set on purpose that does not answer yet means
    Redis all the same: tasks are accepted locally until it does.
    """
    options = configs.redis_options(settings)
    if not options.url:
        return None
    if not reachable(options.url):
        if configs.redis_is_default(settings):
            log.info("No Redis at %s: using the in-memory stack", redact(options.url))
            return None
        log.warning(
            "Redis at %s does not answer yet: tasks wait locally until it does",
            redact(options.url),
        )
    return options


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
        host = configs.host_config(settings)
        journal = SqliteJournal(host.journal_path, uploads=host.uploads_dir) if durable else None
        self.local = MemoryStack(max_size=host.max_queue_size, journal=journal)
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
            model=host.model,
            cache_dir=host.model_cache,
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
            worker_timeout=host.worker_timeout,
            max_attempts=host.max_attempts,
            on_change=on_engine_change,
        )
        self.service = TaskService(
            self.stack, self.direct, self.supervisor, live=self.live, uploads_dir=host.uploads_dir
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


def check_exposure(settings: Settings) -> str | None:
    """Refuse a blank API key, and a non-loopback address without a key; returns the reason."""
    if settings.api_key and not settings.api_key.strip():
        return "The API key is blank: give a real key with --api-key or API_KEY, or none"
    if not is_loopback(settings.host) and not settings.api_key:
        return (
            f"--host {settings.host} would expose the API beyond this machine: set an API key "
            "with --api-key or API_KEY (clients send it as Authorization: Bearer <key>)"
        )
    return None


def host_runtime(
    settings: Settings,
    *,
    durable: bool,
    on_engine_change: Callable[[EngineStatus], None] | None = None,
) -> Runtime:
    """The runtime of a serving host.

    Durable: the journal and Redis (when it answers or was named on purpose), and uploads
    left by tasks that ended while the app was down are removed. Not durable (``serve``
    of only ``direct``, which answers in the request): neither, and the uploads are left be.
    """
    if not durable:
        return Runtime(settings, on_engine_change=on_engine_change)
    runtime = Runtime(
        settings, on_engine_change=on_engine_change, durable=True, redis=redis_options(settings)
    )
    remove_orphan_uploads(configs.uploads_dir(settings), runtime)
    return runtime


def remove_orphan_uploads(folder: Path, runtime: Runtime) -> None:
    """Delete uploads left by tasks that ended while the app was down (or crashed)."""
    if not folder.is_dir():
        return
    tasks = runtime.local.list(limit=1_000_000)
    wanted = {Path(t.source).resolve() for t in tasks if not t.status.is_final}
    removed = 0
    for path in folder.iterdir():
        if path.resolve() not in wanted and path.is_file():
            path.unlink(missing_ok=True)
            removed += 1
    if removed:
        log.info("Removed %d upload(s) no task needs any more", removed)


def server_runner(settings: Settings, service: TaskService) -> ServerRunner:
    """The listeners ``settings`` serve, over ``service``; the caller binds or starts them."""
    from server.runner import ServerRunner

    return ServerRunner(
        service, configs.server_config(settings), configs.uvicorn_log_level(settings)
    )
