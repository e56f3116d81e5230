"""``python -m app worker``: an engine alone, taking work from a shared Redis stack.

It may run on another machine than the API servers: the audio comes through Redis, results
go back through Redis, and every API server sees them. Stop it with Ctrl-C or SIGTERM: the
task in hand goes back on the stack.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading

from app.settings import Settings

log = logging.getLogger(__name__)


def run(settings: Settings) -> int:
    from app.runtime import Runtime, redis_options
    from engine.redact import redact

    if not settings.redis_url:
        print(
            "stackscribe: worker needs --redis-url (or REDIS_URL) pointing at the shared "
            "Redis server",
            file=sys.stderr,
        )
        return 2
    redis = redis_options(settings)
    if redis is None:
        print(
            f"stackscribe: Redis at {redact(settings.redis_url)} does not answer; start it or fix "
            "--redis-url",
            file=sys.stderr,
        )
        return 2
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    runtime = Runtime(settings, redis=redis)
    try:
        status = runtime.supervisor.wait_settled(timeout=None)
        if not status.alive:
            print(f"stackscribe: {status.error or 'the engine did not start'}", file=sys.stderr)
            return 2
        log.info(
            "Worker %s serving %s (model %s on %s)",
            runtime.supervisor.engine_id,
            redact(settings.redis_url),
            status.model,
            status.device,
        )
        stop.wait()
    finally:
        runtime.close(timeout=10)
    log.info("Worker stopped")
    return 0
