"""Completion callbacks: a real HTTP receiver on a free port gets each queued task's final state."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from harness.waits import task_status, until
from server.callbacks import SIGNATURE_HEADER, TASK_HEADER
from tests.server.conftest import upload, wait_final

pytestmark = pytest.mark.timeout(180)


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1:<free port>; ``answers`` are the statuses it gives, in turn
    (200 once they run out)."""

    answers: list[int] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    def start(self) -> Receiver:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append(Call(self.path, dict(self.headers.items()), body))
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return  # the test reads the calls, not a log

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait(self, count: int, timeout: float = 60) -> list[Call]:
        until(lambda: len(self.calls) >= count, timeout, f"{count} callbacks")
        return self.calls

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    started = Receiver().start()
    yield started
    started.stop()


def closed_port() -> int:
    """A port nothing listens on (bound, read back, closed again)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_final_state_is_posted_signed(make_server, receiver, jfk: str) -> None:
    live = make_server(callback_secret="s3cret-key")
    with live.client() as queue:
        answer = upload(queue, jfk, callback_url=receiver.url + "?job=7")
        assert answer.status_code == 200, answer.text
        assert set(answer.json()) == {  # the answer is unchanged
            "task_id", "status", "message", "queue_position", "filename", "duration",
        }  # fmt: skip
        task_id = answer.json()["task_id"]
        wait_final(queue, task_id)
        (call,) = receiver.wait(1)
        assert call.path == "/hook?job=7"
        assert call.json() == queue.get(f"/task/{task_id}").json()  # the status route's body
        assert call.json()["status"] == "completed" and call.json()["result"]["text"]
        assert call.headers["Content-Type"] == "application/json"
        assert call.headers[TASK_HEADER] == task_id
        expected = hmac.new(b"s3cret-key", call.body, hashlib.sha256).hexdigest()
        assert call.headers[SIGNATURE_HEADER] == f"sha256={expected}"
        config = queue.get("/config").json()
    assert "s3cret-key" not in json.dumps(config)  # a secret is never shown
    assert json.dumps(config).count("***") >= 1
    time.sleep(0.5)  # a second call would come now: only letting time pass can show none does
    assert len(receiver.calls) == 1  # once, not once per listener or event


def test_the_tasks_listener_posts_its_own_status_body_unsigned(
    make_server, receiver, jfk: str
) -> None:
    live = make_server()
    with live.client("tasks") as tasks:
        answer = upload(tasks, jfk, path_url="/tasks/transcription", callback_url=receiver.url)
        assert answer.status_code == 200, answer.text
        task_id = answer.json()["task_id"]
        (call,) = receiver.wait(1)
        assert call.json() == tasks.get(f"/tasks/{task_id}").json()
        assert call.json()["task_type"] == "transcription"
        assert SIGNATURE_HEADER not in call.headers


def test_a_cancelled_task_is_called_back_too(make_server, receiver, long_audio: str) -> None:
    live = make_server()
    with live.client() as queue:
        task_id = upload(queue, long_audio, callback_url=receiver.url).json()["task_id"]
        assert queue.delete(f"/task/{task_id}").status_code == 200
        (call,) = receiver.wait(1)
        assert call.json()["status"] == "cancelled" and call.json()["task_id"] == task_id


def test_a_failed_task_is_called_back_with_its_error(make_server, receiver, long_audio: str):
    live = make_server(worker_timeout=3.0)  # an hour takes the generated model far longer
    with live.client() as queue:
        task_id = upload(queue, long_audio, callback_url=receiver.url).json()["task_id"]
        (call,) = receiver.wait(1, timeout=90)
        assert call.json() == queue.get(f"/task/{task_id}").json()
    assert call.json()["status"] == "failed" and "WORKER_TIMEOUT" in call.json()["error_message"]


@pytest.mark.parametrize(
    "url,reason",
    [
        ("http://example.com/hook", "'example.com' is not allowed"),
        ("http://10.0.0.7:9000/hook", "'10.0.0.7' is not allowed"),
        ("ftp://127.0.0.1/hook", "http:// or https://"),
        ("http://127.0.0.1:99999/hook", "not a valid URL"),
        ("127.0.0.1/hook", "http:// or https://"),
        ("http://127.0.0.1/a hook", "percent-encode"),
        ("http://127.0.0.1/h\u00f6ok", "percent-encode"),
        ("http://127.0.0.1/hook\x01", "percent-encode"),
    ],
)
def test_hosts_outside_the_allow_list_are_refused_at_submission(
    live, jfk: str, url: str, reason: str
) -> None:
    with live.client() as queue, live.client("tasks") as tasks:
        for client, path in ((queue, "/transcribe/"), (tasks, "/tasks/transcription")):
            answer = upload(client, jfk, path_url=path, callback_url=url)
            assert answer.status_code == 422, answer.text
            assert reason in answer.json()["detail"]
        assert queue.get("/tasks").json()["count"] == 0  # nothing was queued
    assert not list(Path(live.uploads).iterdir())  # and the uploads are gone


def test_the_allow_list_is_a_setting(make_server, receiver, jfk: str) -> None:
    live = make_server(callback_hosts="hooks.example.org")
    with live.client() as queue:
        refused = upload(queue, jfk, callback_url=receiver.url)
        assert refused.status_code == 422 and "CALLBACK_HOSTS" in refused.json()["detail"]
        assert "hooks.example.org" in refused.json()["detail"]


def test_a_target_down_is_retried_with_backoff(make_server, receiver, jfk: str) -> None:
    receiver.answers = [503, 500]  # down twice, then up
    live = make_server(callback_attempts=4)
    with live.client() as queue:
        task_id = upload(queue, jfk, callback_url=receiver.url).json()["task_id"]
        calls = receiver.wait(3, timeout=90)
    assert [c.headers[TASK_HEADER] for c in calls] == [task_id] * 3
    assert calls[0].body == calls[2].body


def test_a_target_that_stays_down_is_given_up_and_nothing_else_suffers(
    make_server, receiver, jfk: str, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="server.callbacks")
    live = make_server(callback_attempts=2)
    nowhere = f"http://127.0.0.1:{closed_port()}/hook"
    with live.client() as queue:
        lost = upload(queue, jfk, callback_url=nowhere).json()["task_id"]
        assert wait_final(queue, lost)["status"] == "completed"
        until(lambda: "giving up" in caplog.text, 60, "the callback to be given up")
        assert f"Callback of task {lost}" in caplog.text and "attempt 2 in 1.0 s" in caplog.text
        # the server and the callbacks of other tasks carry on
        assert queue.get("/health").status_code == 200
        kept = upload(queue, jfk, callback_url=receiver.url).json()["task_id"]
        (call,) = receiver.wait(1)
        assert call.json()["task_id"] == kept


def test_a_receiver_that_refuses_is_not_retried(make_server, receiver, jfk: str) -> None:
    receiver.answers = [400]
    live = make_server(callback_attempts=4)
    with live.client() as queue:
        upload(queue, jfk, callback_url=receiver.url)
        receiver.wait(1)
        time.sleep(2.5)  # past the first two backoff waits: a retry would have come by now
    assert len(receiver.calls) == 1


@pytest.mark.redis
def test_a_task_finished_by_a_redis_worker_is_called_back(
    make_server, receiver, redis_server, redis_prefix, tiny_model, long_audio, jfk, tmp_path
) -> None:
    from harness import defaults
    from harness.workers import start_worker

    options = defaults.redis_options(redis_server.url, redis_prefix)
    live = make_server(redis=options, redis_url=redis_server.url)
    worker = None
    try:
        with live.client() as queue:
            # The server's own engine takes the hour; the worker, started then, the short file.
            busy = upload(queue, long_audio).json()["task_id"]
            task_status(queue, busy, "processing")
            worker, engine_id = start_worker(
                redis_server.url, redis_prefix, tiny_model, tmp_path / "w"
            )
            task_id = upload(queue, jfk, callback_url=receiver.url).json()["task_id"]
            (call,) = receiver.wait(1, timeout=120)
            queue.delete(f"/task/{busy}")
        task = live.runtime.service.get(task_id)
        assert call.json()["status"] == "completed" and call.json()["task_id"] == task_id
        assert task.worker is not None and task.worker.startswith(engine_id), task.worker
    finally:
        if worker is not None:
            worker.kill()


class Dribbler:
    """A receiver that answers one byte every half second, for as long as it is let."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.connections = 0
        self.cut = 0  # connections the sender ended
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.getsockname()[1]}/slow"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return  # stopped
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._dribble, args=(conn,), daemon=True).start()

    def _dribble(self, conn: socket.socket) -> None:
        stop = threading.Event()
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100_000:
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    break
                stop.wait(0.5)
        with self._lock:
            self.cut += 1

    def stop(self) -> None:
        self.server.close()


@pytest.fixture
def dribbler():
    started = Dribbler()
    yield started
    started.stop()


def test_slow_receivers_are_cut_at_one_deadline_and_block_no_one(
    make_server, receiver, dribbler, jfk: str, caplog
) -> None:
    """A byte every half second used to hold a delivery thread for hours (10 s per read);
    four such receivers held every thread, and no other callback was sent."""
    caplog.set_level(logging.INFO, logger="server.callbacks")
    live = make_server(callback_attempts=1)
    with live.client() as queue:
        for _ in range(4):
            assert upload(queue, jfk, callback_url=dribbler.url).status_code == 200
        until(lambda: dribbler.connections == 4, 90, "four slow deliveries")
        kept = upload(queue, jfk, callback_url=receiver.url).json()["task_id"]
        (call,) = receiver.wait(1)
        assert call.json()["task_id"] == kept
    until(lambda: dribbler.cut == 4, 60, "the slow deliveries to be cut")
    assert caplog.text.count("no answer within 10 s; giving up") == 4, caplog.text


def test_shutdown_does_not_wait_on_a_slow_receiver(
    tmp_path: Path, tiny_model: str, dribbler, jfk: str
) -> None:
    port = closed_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--data-dir", str(tmp_path / "data"),
         "--model", tiny_model, "--listeners", "queue", "--queue-port", str(port),
         "--cpu-threads", "1"],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "HF_HUB_OFFLINE": "1", "REDIS_URL": ""},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:

        def ready() -> bool:
            try:
                return bool(httpx.get(f"{base}/health").json()["engine_alive"])
            except httpx.HTTPError:
                return False

        until(ready, 60, "the server")
        with httpx.Client(base_url=base, timeout=60) as queue:
            assert upload(queue, jfk, callback_url=dribbler.url).status_code == 200
        until(lambda: dribbler.connections == 1, 60, "the slow delivery")
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)  # the receiver would hold it for 14 hours
        assert proc.returncode == 0, err
        assert "cut short" in err
        until(lambda: dribbler.cut == 1, 10, "the delivery to be cut")
    finally:
        if proc.poll() is None:
            proc.kill()


def test_the_direct_listener_refuses_callback_url(live, receiver, jfk: str) -> None:
    """It used to be ignored without a word: the client waited for a call that never came."""
    with live.client("direct") as direct:
        refused = upload(direct, jfk, callback_url=receiver.url)
    assert refused.status_code == 422, refused.text
    assert "direct listener" in refused.json()["detail"]
    assert receiver.calls == []
