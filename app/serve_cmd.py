"""``python -m app serve``: the queue, direct and tasks listeners over one engine, headless.

``--listeners`` (or a port of 0) chooses which are served, as the original's
``start_services.py direct|queue|all`` did; serving only ``direct`` needs no stack that
outlives a request, so it uses neither Redis nor the journal.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from app.settings import Settings
from server.config import ServerConfig, is_loopback

log = logging.getLogger(__name__)


def server_config(settings: Settings) -> ServerConfig:
    return ServerConfig(
        host=settings.host,
        queue_port=settings.queue_port,
        direct_port=settings.direct_port,
        tasks_port=settings.tasks_port,
        listeners=settings.served,
        max_upload_bytes=settings.max_upload_mb * 1024 * 1024,
        api_key=settings.api_key,
        cors_origins=tuple(settings.cors_list),
        uploads_dir=Path(settings.data_path) / "uploads",
        model=settings.model,
        public_settings=settings.public(),
        max_retries=max(settings.max_attempts - 1, 0),
        callback_hosts=settings.callback_host_list,
        callback_secret=settings.callback_secret,
        callback_attempts=settings.callback_attempts,
    )


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


def run(settings: Settings) -> int:
    from server.runner import ServerRunner

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
    runtime = _runtime(settings)
    try:
        runner = ServerRunner(runtime.service, server_config(settings), _uvicorn_level(settings))
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


def _runtime(settings: Settings):
    from app.runtime import Runtime, redis_options

    if settings.served == ("direct",):
        # Answers in the request: no Redis, no journal, and the journal's uploads are left be.
        return Runtime(settings)
    runtime = Runtime(settings, durable=True, redis=redis_options(settings))
    remove_orphan_uploads(server_config(settings).uploads_dir, runtime)
    return runtime


def remove_orphan_uploads(folder: Path, runtime) -> None:
    """Delete uploads left by tasks that ended while the app was down (or crashed)."""
    if not folder.is_dir():
        return
    wanted = {t.source for t in runtime.local.list(limit=1_000_000) if not t.status.is_final}
    removed = 0
    for path in folder.iterdir():
        if str(path) not in wanted and path.is_file():
            path.unlink(missing_ok=True)
            removed += 1
    if removed:
        log.info("Removed %d upload(s) no task needs any more", removed)


def _uvicorn_level(settings: Settings) -> str:
    return "debug" if settings.log_level == "debug" else "warning"


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
