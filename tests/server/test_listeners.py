"""Choosing the listeners: each alone, in pairs, and from the command line."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.redis_server import free_port
from harness.waits import until
from server.config import LISTENERS

SELECTIONS = [(name,) for name in LISTENERS] + [
    ("queue", "direct"),
    ("queue", "tasks"),
    ("direct", "tasks"),
]
#: A route only that listener has (the direct listener's routes are all on the queue's too).
OWN_ROUTE = {"queue": "/queue/status", "tasks": "/stats"}


def refused(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize("served", SELECTIONS, ids=["+".join(s) for s in SELECTIONS])
def test_only_the_chosen_listeners_are_served(make_runtime, served: tuple[str, ...]) -> None:
    from app.configs import server_config
    from server.runner import ServerRunner

    runtime = make_runtime(wait=False, listeners=",".join(served))
    config = server_config(runtime.settings)
    assert config.listeners == served
    # Served: any free port. Not served: a port that was free, which must stay closed.
    ports = {n: 0 if n in served else free_port() for n in LISTENERS}
    port_fields: dict[str, Any] = {f"{n}_port": p for n, p in ports.items()}
    runner = ServerRunner(runtime.service, dataclasses.replace(config, **port_fields))
    runner.start()
    try:
        urls = runner.urls()
        assert list(urls) == list(served)
        for name, url in urls.items():
            health = httpx.get(f"{url}/health").json()
            assert health["service_type"] == name
            listed = httpx.get(f"{url}/config").json()["listeners"]
            assert listed == urls
            for other, route in OWN_ROUTE.items():
                found = httpx.get(f"{url}{route}").status_code != 404
                assert found == (other == name), (name, route)
        for name in set(LISTENERS) - set(served):
            assert refused(ports[name]), f"{name} answers on {ports[name]}"
    finally:
        runner.stop()


def _serve(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    with (tmp_path / "serve.log").open("w") as log:  # the child keeps its own copy
        return subprocess.Popen(
            [sys.executable, "-m", "app", "serve", *args],
            env={**os.environ, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _wait_health(proc: subprocess.Popen, url: str, log: Path) -> dict:

    def answered() -> dict | None:
        assert proc.poll() is None, log.read_text()
        try:
            return httpx.get(url, timeout=2).json()
        except httpx.TransportError:
            return None

    return until(answered, 60, f"{url} to answer")


def _stop(proc: subprocess.Popen, log: Path) -> None:
    proc.send_signal(signal.SIGINT)
    assert proc.wait(30) == 0, log.read_text()[-3000:]


def test_serve_direct_alone_needs_no_redis_and_keeps_no_journal(
    tmp_path: Path, tiny_model: str
) -> None:
    queue, direct, tasks, dead_redis = free_port(), free_port(), free_port(), free_port()
    data = tmp_path / "data"
    proc = _serve(
        tmp_path,
        *("--listeners", "direct", "--model", tiny_model, "--cpu-threads", "1"),
        *("--queue-port", str(queue), "--direct-port", str(direct), "--tasks-port", str(tasks)),
        *("--data-dir", str(data), "--redis-url", f"redis://127.0.0.1:{dead_redis}/0"),
    )
    try:
        log = tmp_path / "serve.log"
        health = _wait_health(proc, f"http://127.0.0.1:{direct}/health", log)
        assert health["backend"] == "memory" and health["redis_connected"] is False
        config = httpx.get(f"http://127.0.0.1:{direct}/config").json()
        assert config["listeners"] == {"direct": f"http://127.0.0.1:{direct}"}
        assert config["queue_url"] is None and config["tasks_url"] is None
        assert refused(queue) and refused(tasks)
        assert not (data / "tasks.sqlite3").exists()
        assert "Redis" not in log.read_text()
        _stop(proc, log)
    finally:
        proc.kill()
    assert not (data / "tasks.sqlite3").exists()


def test_a_port_of_zero_leaves_its_listener_out(tmp_path: Path, tiny_model: str) -> None:
    queue, tasks = free_port(), free_port()
    proc = _serve(
        tmp_path,
        *("--model", tiny_model, "--cpu-threads", "1", "--data-dir", str(tmp_path / "d")),
        *("--queue-port", str(queue), "--redis-url", ""),
        env={"TASKS_PORT": str(tasks), "DIRECT_PORT": "0"},
    )
    try:
        log = tmp_path / "serve.log"
        health = _wait_health(proc, f"http://127.0.0.1:{queue}/health", log)
        assert health["queue_service"]["url"] == f"http://127.0.0.1:{tasks}"
        assert httpx.get(f"http://127.0.0.1:{tasks}/health").json()["service_type"] == "tasks"
        config = httpx.get(f"http://127.0.0.1:{queue}/config").json()
        assert list(config["listeners"]) == ["queue", "tasks"] and config["direct_url"] is None
        assert (tmp_path / "d" / "tasks.sqlite3").exists()  # the queue keeps its journal
        _stop(proc, log)
    finally:
        proc.kill()


@pytest.mark.e2e  # `python -m app serve` processes
def test_no_listener_or_an_unknown_one_is_refused_with_the_reason(tmp_path: Path) -> None:
    for args, words in [
        (["--listeners", "queue,web"], "web"),
        (["--listeners", "direct", "--direct-port", "0"], "no listener"),
    ]:
        done = subprocess.run(
            [sys.executable, "-m", "app", "serve", *args, "--data-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode != 0 and words in done.stderr, done.stderr
