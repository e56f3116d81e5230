"""Safe defaults: loopback, API keys, CORS, origins; and a graceful stop."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from harness.waits import task_status, until
from tests.server.conftest import upload

ROOT = Path(__file__).resolve().parents[2]


def test_api_key_guards_every_route_but_health(make_server, jfk: str) -> None:
    live = make_server(api_key="s3cret")
    with live.client() as client:
        assert client.get("/health").status_code == 200
        for path in ("/tasks", "/queue/status", "/config", "/task/x"):
            refused = client.get(path)
            assert refused.status_code == 401 and "Bearer" in refused.json()["detail"]
        assert client.get("/tasks", headers={"Authorization": "Bearer wrong"}).status_code == 401
        good = {"Authorization": "Bearer s3cret"}
        assert client.get("/tasks", headers=good).status_code == 200
        assert "s3cret" not in client.get("/config", headers=good).text
        assert upload(client, jfk).status_code == 401
        with open(jfk, "rb") as fh:
            task_id = client.post("/transcribe/", headers=good, files={"file": fh}).json()[
                "task_id"
            ]

    async def socket(url: str, **kwargs) -> str:
        async with websockets.connect(url, **kwargs) as ws:
            message = await ws.recv()
            assert isinstance(message, str)  # the server sends JSON text frames
            return message

    base = f"{live.ws}/ws/{task_id}"
    assert "task_update" in asyncio.run(socket(f"{base}?token=s3cret"))
    assert "task_update" in asyncio.run(socket(base, additional_headers=good))
    with pytest.raises(websockets.InvalidStatus) as refused:
        asyncio.run(socket(base))
    # A handshake refused before it is accepted is a 403 (Starlette's WebSocket close).
    assert refused.value.response.status_code == 403
    with pytest.raises(websockets.InvalidStatus) as wrong:
        asyncio.run(socket(f"{base}?token=wrong"))
    assert wrong.value.response.status_code == 403


def test_cors_allows_the_frontend_only(live) -> None:
    with live.client() as client:
        allowed = client.options(
            "/tasks",
            headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"},
        )
        assert allowed.headers["access-control-allow-origin"] == "http://localhost:3000"
        denied = client.options(
            "/tasks",
            headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "GET"},
        )
        assert "access-control-allow-origin" not in denied.headers
        simple = client.get("/health", headers={"Origin": "http://127.0.0.1:3000"})
        assert simple.headers["access-control-allow-origin"] == "http://127.0.0.1:3000"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(tmp_path: Path, *args: str, **popen: Any) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "REDIS_URL": ""}
    return subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--data-dir", str(tmp_path / "data"), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def _serve_queue(tmp_path: Path, tiny_model: str, **popen: Any) -> tuple[subprocess.Popen, str]:
    """``serve`` with only the queue listener, its engine ready; the process and its URL."""
    port = _free_port()
    proc = _serve(
        tmp_path,
        "--model",
        tiny_model,
        "--listeners",
        "queue",
        "--queue-port",
        str(port),
        "--cpu-threads",
        "1",
        **popen,
    )
    base = f"http://127.0.0.1:{port}"

    def alive() -> bool:
        try:
            return bool(httpx.get(f"{base}/health").json()["engine_alive"])
        except httpx.HTTPError:
            return proc.poll() is not None  # it died: the test says why

    until(alive, 60, "the server's engine")
    assert proc.poll() is None, proc.communicate()[1]
    return proc, base


_BOUNDARY = "stackscribe-test-boundary"


def _upload_head(size: int) -> bytes:
    """The request head and the file part's headers of a ``size``-byte multipart upload."""
    part = (
        f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        'filename="talk.wav"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    tail = len(f"\r\n--{_BOUNDARY}--\r\n")
    head = (
        "POST /transcribe/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: multipart/form-data; boundary={_BOUNDARY}\r\n"
        f"Content-Length: {len(part) + size + tail}\r\n\r\n"
    ).encode()
    return head + part


def _answer(sock: socket.socket) -> tuple[int, dict]:
    """The status and JSON body of the answer on ``sock``."""
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        part = sock.recv(65536)
        if not part:
            break
        data += part
    head, _, body = data.partition(b"\r\n\r\n")
    try:
        return int(head.split(b" ", 2)[1]), json.loads(body)
    except ValueError:  # a plain-text answer: shown as it is when the test fails
        return int(head.split(b" ", 2)[1]), {"detail": body.decode("latin-1")}


def test_sigterm_during_an_upload_answers_503_and_discards_it(
    tmp_path: Path, tiny_model: str
) -> None:
    """A client still sending when the server stops gets 503 and a reason, not a bare 500."""
    proc, base = _serve_queue(tmp_path, tiny_model)
    uploads = tmp_path / "data" / "uploads"
    port = int(base.rsplit(":", 1)[1])
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(_upload_head(50 << 20) + b"\0" * (1 << 20))
            until(lambda: any(uploads.iterdir()), 30, "the upload to reach the disk")
            proc.send_signal(signal.SIGTERM)
            # The client sends nothing more: the server stops waiting for it after a few s.
            status, body = _answer(sock)
        assert status == 503, body
        assert "shutting down" in body["detail"]
        _, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert list(uploads.iterdir()) == []
    finally:
        if proc.poll() is None:
            proc.kill()


def _small_files() -> None:
    """In the server's process: files may not grow past 4 MB, as on a nearly full disk."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (4 << 20, 4 << 20))


def test_a_disk_that_cannot_hold_the_upload_is_507(tmp_path: Path, tiny_model: str) -> None:
    """Not the client's fault, so not a 400 about the multipart body."""
    proc, base = _serve_queue(tmp_path, tiny_model, preexec_fn=_small_files)
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            files = {"file": ("talk.wav", b"\0" * (8 << 20), "application/octet-stream")}
            refused = client.post("/transcribe/", files=files)
        assert refused.status_code == 507, refused.text
        assert "cannot store the upload" in refused.json()["detail"]
        assert list((tmp_path / "data" / "uploads").iterdir()) == []
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_a_public_address_needs_a_key(tmp_path: Path, tiny_model: str) -> None:
    proc = _serve(tmp_path, "--host", "0.0.0.0", "--model", tiny_model)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert "--api-key" in err and "Traceback" not in err


def test_sigterm_stops_within_seconds_and_hands_back_the_task(
    tmp_path: Path, tiny_model: str, long_audio: str
) -> None:
    queue_port, direct_port = _free_port(), _free_port()
    proc = _serve(
        tmp_path,
        "--model",
        tiny_model,
        "--queue-port",
        str(queue_port),
        "--direct-port",
        str(direct_port),
        "--tasks-port",
        "0",
        "--cpu-threads",
        "1",
    )
    base = f"http://127.0.0.1:{queue_port}"
    try:

        def alive() -> bool:
            try:
                return bool(httpx.get(f"{base}/health").json()["engine_alive"])
            except httpx.HTTPError:
                return False

        until(alive, 60, "the server's engine")
        with httpx.Client(base_url=base, timeout=30) as client:
            task_id = upload(client, long_audio).json()["task_id"]
            task_status(client, task_id, "processing")
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
        assert time.monotonic() - started < 10
        assert proc.returncode == 0, err
        assert "handed back to the stack" in err
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{base}/health")
    finally:
        if proc.poll() is None:
            proc.kill()
