"""The FastAPI applications: the queue, direct and tasks listeners."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from server.context import ServerContext
from server.http import errors, guards
from server.live import realtime
from server.live import routes as live_routes
from server.routes import common, direct, openai, queue, risk, tasks, websocket


def _base(ctx: ServerContext, title: str, description: str) -> FastAPI:
    app = FastAPI(
        title=title,
        description=description,
        version=ctx.config.version,
        docs_url=None,  # served by guards.install_docs, behind the API key
        redoc_url=None,
        openapi_url=None,
    )
    app.state.context = ctx
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(ctx.config.cors_origins),
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )
    app.add_middleware(guards.OriginGuard, allowed=ctx.config.cors_origins)
    app.add_middleware(  # outermost: a foreign Host is refused before anything else
        guards.HostGuard,
        host=ctx.config.host,
        allowed=ctx.config.allowed_hosts,
        api_key=ctx.config.api_key,
    )
    errors.install(app)
    guards.install_docs(app)
    return app


def queue_app(ctx: ServerContext) -> FastAPI:
    app = _base(
        ctx, "Stackscribe queue API", "Tasks on a LIFO stack, progress over WebSocket (see API.md)."
    )
    app.include_router(common.router("queue"))
    app.include_router(queue.router())
    app.include_router(websocket.router())
    app.include_router(openai.router())
    app.include_router(risk.router("/detect-risk/", "/detect-risk"))
    return app


def direct_app(ctx: ServerContext) -> FastAPI:
    app = _base(
        ctx,
        "Stackscribe direct API",
        "Synchronous transcription and OpenAI-compatible routes (see API.md).",
    )
    app.include_router(common.router("direct"))
    app.include_router(direct.router())
    app.include_router(openai.router())
    app.include_router(live_routes.router())
    app.include_router(realtime.router())
    return app


def tasks_app(ctx: ServerContext) -> FastAPI:
    app = _base(
        ctx,
        "Stackscribe tasks API",
        "The original system's separated queue API on the same stack (see API.md).",
    )
    app.include_router(tasks.router())
    app.include_router(risk.router("/tasks/risk-detection"))
    return app


#: Each listener's application, by the name ``LISTENERS`` gives it.
APPS = {"queue": queue_app, "direct": direct_app, "tasks": tasks_app}
