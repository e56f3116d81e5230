"""The start-up steps ``serve`` and ``gui`` share, in the order they run.

1. :func:`check_exposure`: refuse an address beyond loopback without an API key;
2. :func:`host_runtime`: the runtime (engine, stacks), uploads no task needs removed;
3. :func:`server_runner`: the listeners the settings serve, over the runtime's service.

``serve`` then binds and runs them in the foreground; the window starts them in a thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app import configs
from app.settings import Settings
from server.config import is_loopback

if TYPE_CHECKING:
    from app.runtime import Runtime
    from engine.service import TaskService
    from engine.status import EngineStatus
    from server.runner import ServerRunner

log = logging.getLogger(__name__)


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
    from app.runtime import Runtime, redis_options

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

    level = "debug" if settings.log_level == "debug" else "warning"  # uvicorn's own logs
    return ServerRunner(service, configs.server_config(settings), level)
