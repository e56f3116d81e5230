"""DNS rebinding (issue 19, High 2): a web page whose name points at 127.0.0.1 reads nothing.

Such a page's requests are same-origin, so they carry no Origin and CORS does not apply; what
gives it away is the Host header, which names the page's site. Without an API key only
loopback names, --host and ALLOWED_HOSTS are answered.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import httpx
import pytest

EVIL = "evil.example"
#: A route on each listener that answers what a page would want to read.
READS = {"queue": "/tasks?include_results=true", "direct": "/config", "tasks": "/tasks"}
#: Each WebSocket route, by listener.
SOCKETS = [("queue", "/ws/some-task"), ("direct", "/ws/live"), ("direct", "/v1/realtime")]


def _port(base: str) -> int:
    port = urlsplit(base).port
    assert port is not None
    return port


def _get(base: str, path: str, host: str, **headers: str) -> httpx.Response:
    with httpx.Client(base_url=base, timeout=30) as client:
        return client.get(path, headers={"Host": host, **headers})


def _handshake(base: str, path: str, host: str) -> int:
    """The status a WebSocket handshake naming ``host`` is answered with."""
    url = urlsplit(base)
    assert url.hostname is not None and url.port is not None
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(request.encode())
        answer = b""
        while b"\r\n" not in answer and (part := sock.recv(4096)):
            answer += part
    return int(answer.split(b" ", 2)[1])


@pytest.mark.parametrize("listener", list(READS))
def test_a_foreign_host_reads_nothing_without_a_key(live, listener: str) -> None:
    base = live.urls[listener]
    port = _port(base)
    refused = _get(base, READS[listener], f"{EVIL}:{port}")
    assert refused.status_code == 421, refused.text
    assert EVIL in refused.json()["detail"]
    assert _get(base, "/health", EVIL).status_code == 421
    for name in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", "LOCALHOST"):
        assert _get(base, READS[listener], name).status_code == 200, name


@pytest.mark.parametrize(("listener", "path"), SOCKETS)
def test_a_websocket_handshake_with_a_foreign_host_is_refused(
    live, listener: str, path: str
) -> None:
    base = live.urls[listener]
    assert _handshake(base, path, f"{EVIL}:{_port(base)}") == 421
    # The same handshake naming this machine gets through the Host check.
    assert _handshake(base, path + "?intent=transcription", f"127.0.0.1:{_port(base)}") == 101


def test_allowed_hosts_and_the_api_key(make_server) -> None:
    live = make_server(allowed_hosts="box.lan, Other.Lan")
    base = live.queue
    assert _get(base, "/tasks", f"box.lan:{_port(base)}").status_code == 200
    assert _get(base, "/tasks", "other.lan").status_code == 200
    assert _get(base, "/tasks", EVIL).status_code == 421
    keyed = make_server(api_key="s3cret", listeners="queue")
    good = {"Authorization": "Bearer s3cret"}
    # With a key the key protects, whatever the Host.
    assert _get(keyed.queue, "/tasks", EVIL, **good).status_code == 200
    assert _get(keyed.queue, "/tasks", EVIL).status_code == 401
