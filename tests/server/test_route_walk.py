"""Every route of every listener needs the API key, except ``/health``.

The routes come from the FastAPI applications' own route tables (including ``/docs``,
``/redoc``, ``/openapi.json``, the WebSockets and the ``/v1`` routes), so a route added
later is walked too. Without the key: 401 with the Bearer hint (a WebSocket is closed with
1008 before it is accepted, which the handshake answers with 403). With it: past the check.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
import websockets
from fastapi.routing import APIWebSocketRoute, iter_route_contexts
from starlette.routing import Route

from app.configs import server_config
from server.app import APPS
from server.context import ServerContext

KEY = "s3cret"
OPEN = {"/health"}


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def routes(live) -> list[tuple[str, str, str]]:
    """(listener, method or "WS", path) for every route each served listener's app has."""
    config = server_config(live.runtime.settings)
    found = []
    for listener in live.urls:
        # No EventBridge: building an app to list its routes delivers no events.
        app = APPS[listener](ServerContext(live.runtime.service, config, bridge=None))  # type: ignore[arg-type]
        # Routes of included routers sit under their router in app.routes: walk them all.
        for context in iter_route_contexts(app.routes):
            route, path = context.original_route, _concrete(context.path or "")
            if isinstance(route, APIWebSocketRoute):
                found.append((listener, "WS", path))
            elif isinstance(route, Route):
                for method in sorted((route.methods or set()) - {"HEAD"}):
                    found.append((listener, method, path))
    return found


async def _handshake(url: str, **kwargs: Any) -> int:
    """The HTTP status of a WebSocket handshake (101 when accepted)."""
    try:
        async with websockets.connect(url, open_timeout=30, **kwargs):
            return 101
    except websockets.InvalidStatus as refused:
        return refused.response.status_code


def test_every_route_but_health_needs_the_key(make_server) -> None:
    live = make_server(api_key=KEY)
    walked = routes(live)
    paths = {path for _, _, path in walked}
    # The walk covers what the README promises to guard (and so cannot pass by walking nothing).
    assert {"/docs", "/redoc", "/openapi.json", "/ws/x", "/ws/live", "/v1/realtime"} <= paths
    assert {"/v1/models", "/v1/models/x", "/v1/audio/transcriptions", "/transcribe"} <= paths
    assert {listener for listener, _, _ in walked} == {"queue", "direct", "tasks"}
    good = {"Authorization": f"Bearer {KEY}"}
    refused_http: list[tuple[str | int, ...]] = []
    passed: list[tuple[str | int, ...]] = []
    for listener, method, path in walked:
        base = live.urls[listener]
        if method == "WS":
            url = base.replace("http://", "ws://") + path
            if asyncio.run(_handshake(url)) != 403:
                refused_http.append((listener, path, "no key"))
            if asyncio.run(_handshake(url, additional_headers=good)) != 101:
                passed.append((listener, path, "header"))
            if asyncio.run(_handshake(f"{url}?token={KEY}")) != 101:
                passed.append((listener, path, "?token="))
            continue
        with live.client(listener) as client:
            bare = client.request(method, path)
            wrong = client.request(method, path, headers={"Authorization": "Bearer wrong"})
            keyed = client.request(method, path, headers=good)
        if path in OPEN:
            assert bare.status_code == 200, (listener, method, path)
            continue
        for answer in (bare, wrong):
            if answer.status_code != 401 or "Bearer" not in answer.json()["detail"]:
                refused_http.append((listener, method, path, answer.status_code))
        if keyed.status_code == 401:
            passed.append((listener, method, path))
    assert refused_http == [], "answered without the key"
    assert passed == [], "refused with the key"


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
def test_a_browser_tab_reads_the_docs_with_the_token(make_server, path: str) -> None:
    live = make_server(api_key=KEY, listeners="queue")
    with live.client() as client:
        assert client.get(path).status_code == 401
        assert client.get(path, params={"token": "wrong"}).status_code == 401
        answer = client.get(path, params={"token": KEY})
    assert answer.status_code == 200
    if path == "/openapi.json":
        assert "/transcribe/" in answer.json()["paths"]
    else:  # the page fetches the schema with the token too
        assert f"/openapi.json?token={KEY}" in answer.text
