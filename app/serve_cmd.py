"""``python -m app serve``: the queue, direct and tasks listeners over one engine, headless.

``--listeners`` (or a port of 0) chooses which are served, as the original's
``start_services.py direct|queue|all`` did; serving only ``direct`` needs no stack that
outlives a request, so it uses neither Redis nor the journal.
"""

from __future__ import annotations

import logging
import sys

from app.data_lock import DataFolderLock
from app.runtime import check_exposure, host_runtime, server_runner
from app.settings import Settings
from server.config import is_loopback

log = logging.getLogger(__name__)


def run(settings: Settings) -> int:
    refusal = check_exposure(settings)
    if refusal:
        print(f"stackscribe: {refusal}", file=sys.stderr)
        return 2
    if not settings.served:
        print(
            "stackscribe: no listener to serve: name some with --listeners "
            "(queue, direct, tasks) and give them ports other than 0",
            file=sys.stderr,
        )
        return 2
    lock = DataFolderLock(settings.data_path)  # one host per data folder
    refusal = lock.acquire()
    if refusal:
        print(f"stackscribe: {refusal}", file=sys.stderr)
        return 2
    try:
        return _serve(settings)
    finally:
        lock.release()


def _serve(settings: Settings) -> int:
    # Serving only direct answers in the request: no Redis, no journal, uploads left be.
    runtime = host_runtime(settings, durable=settings.served != ("direct",))
    try:
        runner = server_runner(settings, runtime.service)
        try:
            runner.bind()
        except OSError as exc:
            print(f"stackscribe: {exc}", file=sys.stderr)
            return 2
        _announce(settings, runner, runtime.backend)
        runner.run_forever()
    finally:
        runtime.close(timeout=5)
    log.info("Stopped")
    return 0


ANNOUNCEMENTS = {
    "queue": "Queue API:  %s  (WebSocket ws://…/ws/{task_id})",
    "direct": "Direct API: %s  (OpenAI-compatible under /v1)",
    "tasks": "Tasks API:  %s  (the original frontend's /tasks/transcription)",
}


def _announce(settings: Settings, runner, backend: str) -> None:
    for name, url in runner.urls().items():
        log.info(ANNOUNCEMENTS[name], url)
    log.info("Stack: %s; model: %s; data: %s", backend, settings.model, settings.data_path)
    if settings.api_key:
        log.info("API key required: Authorization: Bearer <key> (WebSocket: ?token=<key>)")
    if not is_loopback(settings.host):
        log.warning("Listening on %s: reachable from other machines", settings.host)
