"""The engine process's entry point: connect to the host's stacks (and Redis) and serve."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from typing import Any

from engine.process.worker import EngineConfig, serve
from engine.stack.protocol import TaskStack
from engine.stack.redis import RedisOptions
from engine.stack.sharing import StackAddress, connect


def engine_main(
    config: EngineConfig,
    address: StackAddress,
    stop: Any,
    messages: Any,
    *,
    configure_logging: Callable[[], None],
    redis: RedisOptions | None = None,
) -> None:
    """The engine process; ``configure_logging`` (picklable, from the app) sets up its logs."""
    # Ctrl-C or a SIGTERM to the whole process group (timeout, systemd) reaches the engine
    # too; the host decides when it stops, and the engine exits if the host is gone.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    configure_logging()
    queue: list[TaskStack] = [connect(address, "stack")]
    if redis is not None:
        queue.append(redis.open())  # after the local stack: what Redis could not take
    lanes = {"queue": queue, "direct": [connect(address, "direct")]}
    logging.getLogger(__name__).debug("Engine %s connected to the host", config.engine_id)
    serve(config, lanes, stop, messages.put, live=connect(address, "live"))
