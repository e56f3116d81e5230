"""What an attacker tried (issue 11): every one of these is refused, and says why."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import websockets

from harness import defaults
from harness.redis_server import RedisServer
from harness.waits import until
from tests.server.conftest import upload, wait_final

LISTENERS = ["queue", "direct"]
EVERY_LISTENER = [*LISTENERS, "tasks"]


def _raw(base: str, request: bytes, chunk: int = 1 << 16) -> bytes:
    """Send ``request`` as it is on a fresh connection; the server's answer (up to close)."""
    url = urlsplit(base)
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        try:
            for start in range(0, len(request), chunk):
                sock.sendall(request[start : start + chunk])
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the whole request was sent: read the answer anyway
        answer = b""
        try:
            while b"\r\n\r\n" not in answer and (part := sock.recv(65536)):
                answer += part
        except (ConnectionResetError, TimeoutError):
            pass
    return answer


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


@pytest.mark.parametrize("listener", LISTENERS)
def test_playlist_uploads_are_refused(live, tmp_path: Path, jfk: str, listener: str) -> None:
    playlist = tmp_path / "talk.m3u8"
    playlist.write_text(
        f"#EXTM3U\n#EXT-X-TARGETDURATION:20\n#EXTINF:20,\nfile://{jfk}\n#EXT-X-ENDLIST\n"
    )
    with live.client(listener) as client:
        refused = upload(client, playlist)
    assert refused.status_code == 400, refused.text
    assert "refer to other files" in refused.json()["detail"]
    assert list(live.uploads.iterdir()) == []


@pytest.mark.parametrize("listener", LISTENERS)
def test_synthesizer_scripts_are_refused(live, tmp_path: Path, listener: str) -> None:
    """Issue 19, Low 13: 40 bytes of SBaGen script were taken as 20 hours of audio."""
    script = tmp_path / "tone.sbg"
    script.write_text("tone: 200+10/50\nNOW tone\n+20:00:00 tone\n")
    with live.client(listener) as client:
        refused = upload(client, script)
    assert refused.status_code == 400, refused.text
    assert "synthesize sound from a script" in refused.json()["detail"]
    assert list(live.uploads.iterdir()) == []


@pytest.mark.parametrize("listener", EVERY_LISTENER)
def test_oversized_request_heads_are_refused(live, listener: str) -> None:
    base = live.urls[listener]
    big_header = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (4 << 20) + b"\r\n\r\n"
    assert _status(_raw(base, big_header)) == 431
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(10_000))
    assert _status(_raw(base, b"GET /health HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")) == 431
    long_line = b"GET /health?q=" + b"a" * (1 << 20) + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    assert _status(_raw(base, long_line)) == 414
    # Ordinary requests still pass on the same listener, also a whole request of more than
    # 64 KB (head and body) that the server reads in one piece.
    body = b"x" * (100 * 1024)
    whole = b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body)
    assert _status(_raw(base, whole + body, chunk=len(whole) + len(body))) != 431
    with httpx.Client(base_url=base, timeout=30) as client:
        assert client.get("/health", headers={"X-Fine": "a" * 4000}).status_code == 200


def test_config_and_health_hide_passwords_in_urls(make_server) -> None:
    live = make_server(redis_url="redis://user:hunter2@127.0.0.1:1/0")
    for listener in LISTENERS:
        with live.client(listener) as client:
            config = client.get("/config")
            health = client.get("/health")
        assert config.status_code == 200
        assert "hunter2" not in config.text and "hunter2" not in health.text
        assert config.json()["settings"]["redis_url"] == "redis://user:***@127.0.0.1:1/0"


@pytest.mark.parametrize("listener", EVERY_LISTENER)
def test_api_docs_need_the_key(make_server, listener: str) -> None:
    live = make_server(api_key="s3cret")
    with live.client(listener) as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert client.get(path).status_code == 401, path
            good = client.get(path, headers={"Authorization": "Bearer s3cret"})
            assert good.status_code == 200, path
        schema = client.get("/openapi.json", headers={"Authorization": "Bearer s3cret"}).json()
        assert ("/tasks/transcription" if listener == "tasks" else "/transcribe/") in schema[
            "paths"
        ]


def test_foreign_origins_cannot_change_anything(live, jfk: str) -> None:
    with live.client() as client:
        evil = {"Origin": "http://evil.example"}
        with open(jfk, "rb") as fh:
            refused = client.post("/transcribe/", files={"file": fh}, headers=evil)
        assert refused.status_code == 403, refused.text
        assert "Origin" in refused.json()["detail"]
        assert client.get("/tasks").json()["count"] == 0
        with open(jfk, "rb") as fh:
            allowed = client.post(
                "/transcribe/", files={"file": fh}, headers={"Origin": "http://localhost:3000"}
            )
        assert allowed.status_code == 200
        task_id = allowed.json()["task_id"]
        assert client.delete(f"/task/{task_id}", headers=evil).status_code == 403
        assert client.get("/health", headers=evil).status_code == 200  # reading is fine
    with live.client("direct") as client, open(jfk, "rb") as fh:
        assert client.post("/transcribe/", files={"file": fh}, headers=evil).status_code == 403
    with live.client("tasks") as client, open(jfk, "rb") as fh:
        refused = client.post("/tasks/transcription", files={"file": fh}, headers=evil)
        assert refused.status_code == 403


@pytest.mark.parametrize("listener", LISTENERS)
def test_an_unterminated_multipart_body_is_refused(live, jfk: str, listener: str) -> None:
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="jfk.flac"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + Path(jfk).read_bytes()  # no closing boundary
    with live.client(listener) as client:
        refused = client.post(
            "/transcribe/",
            content=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert refused.status_code == 400, refused.text
        assert "incomplete" in refused.json()["detail"]
        if listener == "queue":
            assert client.get("/tasks").json()["count"] == 0
    assert list(live.uploads.iterdir()) == []


def test_a_binary_frame_closes_the_socket_with_1003(live, jfk: str) -> None:
    with live.client() as client:
        task_id = upload(client, jfk).json()["task_id"]

    async def main() -> int | None:
        async with websockets.connect(f"{live.ws}/ws/{task_id}") as ws:
            await ws.recv()
            await ws.send(b"\x00\x01binary")
            with pytest.raises(websockets.ConnectionClosed):
                while True:
                    await asyncio.wait_for(ws.recv(), 10)
            return ws.close_code

    assert asyncio.run(main()) == 1003


@pytest.mark.redis
def test_a_known_task_is_503_not_404_while_redis_is_away(
    make_server, tmp_path: Path, jfk: str
) -> None:
    server = RedisServer(tmp_path / "redis").start()
    try:
        live = make_server(redis=defaults.redis_options(server.url, "away:"), redis_url=server.url)
        with live.client() as client:
            task_id = upload(client, jfk).json()["task_id"]
            assert wait_final(client, task_id)["status"] == "completed"
            server.kill()
            for method, path in [
                ("GET", f"/task/{task_id}"),
                ("GET", f"/task/{task_id}/result"),
                ("DELETE", f"/task/{task_id}"),
                ("GET", "/tasks"),
            ]:
                answer = client.request(method, path)
                assert answer.status_code == 503, (method, path, answer.text)
                assert "Redis" in answer.json()["detail"] and answer.headers["Retry-After"]
            assert client.get("/health").status_code == 200  # health still answers

            async def frame() -> tuple[dict, int | None]:
                async with websockets.connect(f"{live.ws}/ws/{task_id}") as ws:
                    first = json.loads(await ws.recv())
                    with pytest.raises(websockets.ConnectionClosed):
                        await asyncio.wait_for(ws.recv(), 10)
                    return first, ws.close_code

            first, code = asyncio.run(frame())
            assert first["type"] == "error" and "not found" not in first["message"]
            assert code == 1013  # try again later
            server.start()
            until(lambda: client.get(f"/task/{task_id}").status_code == 200, 30, "the task")
            assert client.get(f"/task/{task_id}").json()["status"] == "completed"
    finally:
        server.stop()


@pytest.mark.redis
def test_a_slow_stack_never_stalls_the_event_loop(make_server, tmp_path: Path, jfk: str) -> None:
    import os
    import signal
    import threading

    server = RedisServer(tmp_path / "redis").start()
    assert server.proc is not None  # started
    try:
        live = make_server(redis=defaults.redis_options(server.url, "slow:"), redis_url=server.url)
        with live.client() as client:
            task_id = upload(client, jfk).json()["task_id"]
            assert wait_final(client, task_id)["status"] == "completed"
        os.kill(server.proc.pid, signal.SIGSTOP)  # Redis hangs: every call waits for it

        def stuck_request() -> None:
            with live.client() as client:
                client.get(f"/task/{task_id}")

        async def stuck_socket() -> None:
            async with websockets.connect(f"{live.ws}/ws/{task_id}") as ws:
                await asyncio.wait_for(ws.recv(), 30)

        waiting = [
            threading.Thread(target=stuck_request),
            threading.Thread(target=lambda: asyncio.run(stuck_socket())),
        ]
        for thread in waiting:
            thread.start()
        time.sleep(0.5)  # both are inside a call to Redis now: nothing to see that from outside
        started = time.monotonic()
        with live.client() as client:
            assert client.get("/openapi.json").status_code == 200
        assert time.monotonic() - started < 1.5, "a request waited for another one's Redis call"
        os.kill(server.proc.pid, signal.SIGCONT)
        for thread in waiting:
            thread.join(30)
    finally:
        os.kill(server.proc.pid, signal.SIGCONT)
        server.stop()


@pytest.mark.redis
def test_task_pages_are_bounded_and_redis_errors_are_json(
    make_server, redis_server, redis_prefix: str, jfk: str
) -> None:
    """Issue 19, Low 12: ``offset=2**63-11`` made Redis fail, answered as plain-text 500."""
    import redis

    options = defaults.redis_options(redis_server.url, redis_prefix)
    live = make_server(redis=options, redis_url=redis_server.url)
    with live.client("tasks") as tasks, live.client() as queue:
        task_id = upload(queue, jfk).json()["task_id"]
        assert wait_final(queue, task_id)["status"] == "completed"
        for offset in ("9223372036854775797", "100001"):
            refused = tasks.get("/tasks", params={"offset": offset})
            assert refused.status_code == 422, refused.text
            assert "offset" in refused.json()["detail"]
        page = tasks.get("/tasks", params={"offset": 100_000}).json()
        assert page["tasks"] == [] and page["total"] == 1
        assert [t["task_id"] for t in tasks.get("/tasks").json()["tasks"]] == [task_id]
        # A key Redis holds in another type (a damaged deployment): an error a person can
        # read, in the documented shape, never a plain-text 500.
        damage = redis.Redis.from_url(redis_server.url)
        damage.delete(f"{redis_prefix}tasks")
        damage.set(f"{redis_prefix}tasks", "not a sorted set")
        broken = tasks.get("/tasks")
        assert broken.status_code >= 500
        assert "detail" in broken.json()
