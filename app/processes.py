"""Entry points of the processes the app spawns (they configure their own logging here)."""

from __future__ import annotations

import logging
import signal
from typing import Any

from engine.memory_stack import StackAddress, connect
from engine.worker import EngineConfig, serve


def engine_main(
    config: EngineConfig,
    address: StackAddress,
    stop: Any,
    messages: Any,
    *,
    log_queue: Any,
    log_level: int,
) -> None:
    """The engine process: connect to the host's stacks and serve until told to stop."""
    from app.logs import configure_child

    # Ctrl-C reaches the whole process group; the host decides when the engine stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure_child(log_queue, log_level)
    stacks = {"queue": connect(address, "stack"), "direct": connect(address, "direct")}
    logging.getLogger(__name__).debug("Engine %s connected to the host", config.engine_id)
    serve(config, stacks, stop, messages.put)
