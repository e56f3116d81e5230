"""``/health`` and ``/config``, served by both listeners."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from engine.supervisor import EngineState
from server.context import authorize, context
from server.responses import now_iso


def health_body(request: Request) -> dict[str, Any]:
    ctx = context(request)
    engine = ctx.service.engine_status()
    counts = ctx.service.counts()
    backend = ctx.service.backend()
    if engine.state == EngineState.READY and not backend["degraded"]:
        status = "healthy"
    elif engine.state in (EngineState.UNAVAILABLE, EngineState.STOPPED):
        status = "unhealthy"
    else:
        status = "degraded"
    return {
        "status": status,
        "queue_size": counts["queue_size"],
        "timestamp": now_iso(),
        "model_loaded": engine.state == EngineState.READY,
        "model": engine.model,
        "device": engine.device,
        "compute_type": engine.compute_type,
        "backend": backend["backend"],
        "redis_connected": backend["redis_connected"],
        "engine_alive": engine.state == EngineState.READY,
        "engine_state": engine.state.value,
        "error": engine.error,
        "download": {"done": engine.download_done, "total": engine.download_total}
        if engine.state == EngineState.DOWNLOADING
        else None,
    }


def router(service_type: str) -> APIRouter:
    api = APIRouter()

    @api.get("/health", summary="Service health (no API key needed)")
    async def health(request: Request) -> dict[str, Any]:
        return {**health_body(request), "service_type": service_type}

    @api.get("/config", dependencies=[Depends(authorize)], summary="Effective configuration")
    async def config(request: Request) -> dict[str, Any]:
        ctx = context(request)
        return {
            "service_type": service_type,
            "model": ctx.config.model,
            "backend": ctx.service.backend()["backend"],
            "max_upload_mb": ctx.config.max_upload_bytes // (1024 * 1024),
            "queue_url": f"http://{ctx.config.host}:{ctx.config.queue_port}",
            "direct_url": f"http://{ctx.config.host}:{ctx.config.direct_port}",
            "settings": ctx.config.public_settings,
        }

    return api
