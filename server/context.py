"""What every route needs: the service, the server's config, the event bridge."""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from starlette.websockets import WebSocket

from engine import StackscribeError, TaskService
from server.callbacks import CallbackSender
from server.config import ServerConfig
from server.events import EventBridge


class Unauthorized(StackscribeError):
    status = 401


@dataclass
class ServerContext:
    service: TaskService
    config: ServerConfig
    bridge: EventBridge
    backend: Any = None
    started: float = field(default_factory=time.time)
    callbacks: CallbackSender | None = None  # None: no listener takes queued submissions
    stopping: bool = False  # set on SIGTERM/SIGINT: uploads under way are answered 503

    def check_key(self, provided: str | None) -> None:
        key = self.config.api_key
        if not key:
            return
        if provided is None or not hmac.compare_digest(provided.encode(), key.encode()):
            raise Unauthorized(
                "Missing or wrong API key: send the header Authorization: Bearer <key>"
            )


def context(request: Request) -> ServerContext:
    return request.app.state.context


def bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def authorize(request: Request) -> None:
    """Dependency of every route but /health: the Bearer key, when one is configured."""
    context(request).check_key(bearer(request.headers.get("authorization")))


def authorize_socket(websocket: WebSocket, ctx: ServerContext) -> bool:
    if not ctx.config.api_key:
        return True
    provided = bearer(websocket.headers.get("authorization")) or websocket.query_params.get("token")
    try:
        ctx.check_key(provided)
    except Unauthorized:
        return False
    return True


def admitted(websocket: WebSocket, ctx: ServerContext) -> bool:
    """The checks of every WebSocket: an allowed Origin (when sent) and the API key."""
    origins = ctx.config.cors_origins
    origin = websocket.headers.get("origin")
    if origin and "*" not in origins and origin.rstrip("/") not in origins:
        return False
    return authorize_socket(websocket, ctx)


async def accept_socket(websocket: WebSocket) -> ServerContext | None:
    """Accept a WebSocket that is :func:`admitted`; any other is closed (1008) and gets None."""
    ctx = websocket.app.state.context
    if not admitted(websocket, ctx):
        await websocket.close(code=1008)
        return None
    await websocket.accept()
    return ctx
