"""Entry points of the processes the app spawns (they configure their own logging here)."""

from __future__ import annotations

import logging
import signal
from typing import Any

from engine.memory_stack import StackAddress, connect
from engine.redis_stack import RedisOptions
from engine.stack import TaskStack
from engine.worker import EngineConfig, serve


def engine_main(
    config: EngineConfig,
    address: StackAddress,
    stop: Any,
    messages: Any,
    *,
    log_queue: Any,
    log_level: int,
    redis: RedisOptions | None = None,
) -> None:
    """The engine process: connect to the host's stacks (and Redis) and serve until told."""
    from app.logs import configure_child

    # Ctrl-C or a SIGTERM to the whole process group (timeout, systemd) reaches the engine
    # too; the host decides when it stops, and the engine exits if the host is gone.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    configure_child(log_queue, log_level)
    queue: list[TaskStack] = [connect(address, "stack")]
    if redis is not None:
        queue.append(redis.open())  # after the local stack: what Redis could not take
    lanes = {"queue": queue, "direct": [connect(address, "direct")]}
    logging.getLogger(__name__).debug("Engine %s connected to the host", config.engine_id)
    serve(config, lanes, stop, messages.put, live=connect(address, "live"))
