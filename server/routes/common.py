"""``/health`` and ``/config``, served by every listener."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from engine import EngineState
from server.context import authorize, context
from server.http.responses import now_iso
from server.routes.stats import queue_service


def health_body(
    request: Request, counts: dict[str, int], backend: dict[str, Any]
) -> dict[str, Any]:
    """``/health`` of every listener, from the stack's counts and health fetched once."""
    ctx = context(request)
    engine = ctx.service.engine_status()
    # The local journal (absent on a Redis-only stack): can task state be written down?
    journal = backend.get("journal")
    writable = journal is None or journal["writable"]
    if engine.serving and writable and not backend["degraded"]:
        status = "healthy"
    elif (
        engine.state in (EngineState.UNAVAILABLE, EngineState.STOPPED)
        or (engine.alive and not engine.serving)  # frozen, or a lane's worker died
        or not writable  # nothing new can be accepted, nothing finished recorded
    ):
        status = "unhealthy"
    else:
        status = "degraded"
    return {
        "status": status,
        "queue_size": counts["queue_size"],
        "timestamp": now_iso(),
        "model_loaded": engine.state == EngineState.READY,
        "model": engine.model,
        "model_reason": engine.model_reason,
        "device": engine.device,
        "compute_type": engine.compute_type,
        "backend": backend["backend"],
        "redis_connected": backend["redis_connected"],
        "engine_alive": engine.serving,
        "engine_state": engine.state.value,
        "engine_responding": engine.responding,
        "dead_workers": list(engine.dead_workers),
        "journal": journal,
        "error": engine.error,
        "download": {"done": engine.download_done, "total": engine.download_total}
        if engine.state == EngineState.DOWNLOADING
        else None,
    }


def router(service_type: str) -> APIRouter:
    api = APIRouter()

    @api.get("/health", summary="Service health (no API key needed)")
    def health(request: Request) -> dict[str, Any]:
        ctx = context(request)
        counts, backend = ctx.service.counts(), ctx.service.backend()
        body = {**health_body(request, counts, backend), "service_type": service_type}
        if service_type == "queue":
            body["queue_service"] = queue_service(ctx, counts, backend)
        return body

    @api.get("/config", dependencies=[Depends(authorize)], summary="Effective configuration")
    def config(request: Request) -> dict[str, Any]:
        return config_body(request, service_type)

    return api


def config_body(request: Request, service_type: str) -> dict[str, Any]:
    """``/config``: the effective settings and the listeners served, by name and URL."""
    ctx = context(request)
    return {
        "service_type": service_type,
        "model": ctx.config.model,
        "backend": ctx.service.backend()["backend"],
        "max_upload_mb": ctx.config.max_upload_bytes // (1024 * 1024),
        "listeners": ctx.config.urls(),
        "queue_url": ctx.config.url("queue"),
        "direct_url": ctx.config.url("direct"),
        "tasks_url": ctx.config.url("tasks"),
        "settings": ctx.config.public_settings,
    }
