"""The guards before every route: foreign Origins change nothing, foreign Hosts read nothing."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from server.http.guards import HostGuard, OriginGuard, host_name


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("127.0.0.1:8000", "127.0.0.1"),
        ("LocalHost", "localhost"),
        ("localhost.:8000", "localhost"),  # the root dot names the same host
        ("[::1]:8000", "::1"),
        ("::1", "::1"),  # a bare IPv6 address keeps every colon
        (" box.lan ", "box.lan"),
    ],
)
def test_a_host_header_is_read_as_its_name(header: str, name: str) -> None:
    assert host_name(header) == name


def _app(origins: tuple[str, ...] = (), hosts: tuple[str, ...] = (), key: str = "") -> TestClient:
    """A route behind both guards, as a listener on 127.0.0.1 has them (run in-process)."""

    def echo(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ran")

    app = Starlette(routes=[Route("/", echo, methods=["GET", "POST"])])
    app.add_middleware(OriginGuard, allowed=origins)
    app.add_middleware(HostGuard, host="127.0.0.1", allowed=hosts, api_key=key)
    return TestClient(app, base_url="http://127.0.0.1:8000")


def test_a_page_on_another_site_cannot_post_but_may_read() -> None:
    client = _app(origins=("https://mine.example/",))
    refused = client.post("/", headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert "CORS_ORIGINS" in refused.json()["detail"]
    assert client.get("/", headers={"Origin": "https://evil.example"}).text == "ran"
    assert client.post("/", headers={"Origin": "https://mine.example"}).text == "ran"
    assert client.post("/").text == "ran"  # no Origin: not a browser


def test_without_a_key_only_this_machine_s_names_are_answered() -> None:
    client = _app(hosts=("box.lan",))
    for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "BOX.LAN:8000"):
        assert client.get("/", headers={"Host": host}).text == "ran", host
    rebound = client.get("/", headers={"Host": "attacker.example:8000"})
    assert rebound.status_code == 421 and "ALLOWED_HOSTS" in rebound.json()["detail"]


def test_with_a_key_the_key_protects_whatever_the_host() -> None:
    client = _app(key="s3cret")
    assert client.get("/", headers={"Host": "attacker.example"}).text == "ran"
