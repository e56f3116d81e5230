"""What every listener checks before a route runs: the caller's Origin, and the key on the docs.

CORS only stops a browser from *reading* an answer: a page on another site can still send
a simple POST (a form upload) and have it run. Requests that change something (anything but
GET, HEAD and OPTIONS) whose ``Origin`` header is present and not in ``CORS_ORIGINS`` are
refused with 403. Clients that are not browsers send no Origin and are not affected.

Without an API key, a request is also checked for its ``Host`` header: a web page whose name
an attacker points at 127.0.0.1 (DNS rebinding) makes same-origin requests, which carry no
Origin, and would read every transcript. Only loopback names, the configured ``--host`` and
``ALLOWED_HOSTS`` are answered; any other Host gets 421 (a WebSocket handshake is refused).
With a key, the key protects.

The interactive documentation (``/docs``, ``/redoc``, ``/openapi.json``) describes every
route, so it needs the API key like they do (the header, or ``?token=`` from a browser).
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from server.config import is_loopback
from server.context import bearer, context

log = logging.getLogger(__name__)

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class OriginGuard:
    """ASGI middleware: 403 for a state-changing request from a foreign Origin."""

    def __init__(self, app: ASGIApp, allowed: tuple[str, ...]) -> None:
        self.app = app
        self.allowed = frozenset(o.rstrip("/") for o in allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in _SAFE_METHODS:
            origin = _header(scope, b"origin")
            if origin is not None and not self.allows(origin):
                detail = (
                    f"Origin {origin} may not change anything here: add it to CORS_ORIGINS "
                    "(--cors-origins) if this page is yours"
                )
                response = JSONResponse({"detail": detail}, status_code=403)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def allows(self, origin: str) -> bool:
        return "*" in self.allowed or origin.rstrip("/") in self.allowed


def host_name(header: str) -> str:
    """The name in a ``Host`` header, without its port or brackets, lower case."""
    header = header.strip().lower()
    if header.startswith("["):
        name = header[1:].split("]", 1)[0]
    else:
        name = header.rsplit(":", 1)[0] if header.count(":") == 1 else header
    return name.rstrip(".")


class HostGuard:
    """ASGI middleware: without an API key, 421 for a Host that is not this machine's."""

    def __init__(self, app: ASGIApp, host: str, allowed: tuple[str, ...], api_key: str) -> None:
        self.app = app
        self.names = frozenset(host_name(h) for h in (host, *allowed) if h.strip())
        self.keyed = bool(api_key)

    def allows(self, header: str | None) -> bool:
        if self.keyed or header is None:  # the key protects; no Host: not a browser
            return True
        name = host_name(header)
        return "*" in self.names or name in self.names or is_loopback(name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        header = _header(scope, b"host")
        if self.allows(header):
            await self.app(scope, receive, send)
            return
        detail = (
            f"Host {header!r} is not this server's name: only loopback names, --host and "
            "ALLOWED_HOSTS are answered without an API key (a web page pointing its name at "
            "this machine must not read it)"
        )
        log.warning("Refused a %s request: %s", scope["type"], detail)
        if scope["type"] == "http":
            await JSONResponse({"detail": detail}, status_code=421)(scope, receive, send)
        else:
            await _refuse_socket(scope, send, detail)


async def _refuse_socket(scope: Scope, send: Send, detail: str) -> None:
    """Refuse a WebSocket handshake: 421 with the reason where the server can, else 403."""
    if "websocket.http.response" in scope.get("extensions", {}):
        body = JSONResponse({"detail": detail}).body
        await send(
            {
                "type": "websocket.http.response.start",
                "status": 421,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": 1008})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def _docs_key(request: Request) -> str | None:
    """The key, checked: from the Authorization header or ``?token=`` (a browser tab)."""
    provided = bearer(request.headers.get("authorization")) or request.query_params.get("token")
    context(request).check_key(provided)
    return provided


def install_docs(app: FastAPI) -> None:
    """``/openapi.json``, ``/docs`` and ``/redoc``, behind the API key when one is set."""

    def schema_url(request: Request) -> str:
        token = _docs_key(request)
        return "/openapi.json" + (f"?token={quote(token)}" if token else "")

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(request: Request) -> JSONResponse:
        _docs_key(request)
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    def swagger(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=schema_url(request), title=app.title)

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        return get_redoc_html(openapi_url=schema_url(request), title=app.title)
