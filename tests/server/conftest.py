"""A real server for each test: Runtime (stack host, engine process) and both listeners."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.runtime import Runtime


@dataclass
class Live:
    runtime: Runtime
    queue: str
    direct: str
    uploads: Path

    def client(self, which: str = "queue", **kwargs: object) -> httpx.Client:
        base = self.queue if which == "queue" else self.direct
        return httpx.Client(base_url=base, timeout=kwargs.pop("timeout", 60), **kwargs)

    @property
    def ws(self) -> str:
        return self.queue.replace("http://", "ws://")


@pytest.fixture
def make_server(make_runtime: Callable[..., Runtime]) -> Iterator[Callable[..., Live]]:
    from app.serve_cmd import server_config
    from server.runner import ServerRunner

    runners: list[ServerRunner] = []

    def make(wait: bool = True, **overrides: object) -> Live:
        overrides = {"host": "127.0.0.1", "queue_port": 0, "direct_port": 0, **overrides}
        runtime = make_runtime(wait=wait, **overrides)
        runner = ServerRunner(runtime.service, server_config(runtime.settings))
        runner.start()
        runners.append(runner)
        return Live(
            runtime,
            runner.url("queue"),
            runner.url("direct"),
            Path(runtime.settings.data_path) / "uploads",
        )

    yield make
    for runner in runners:
        runner.stop()


@pytest.fixture
def live(make_server: Callable[..., Live]) -> Live:
    return make_server()


def wait_final(client: httpx.Client, task_id: str, timeout: float = 60) -> dict:
    """Poll GET /task/{id} until the task ends, as the existing frontend does."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/task/{task_id}").json()
        if body["status"] in ("completed", "failed", "cancelled"):
            return body
        time.sleep(0.05)
    raise AssertionError(f"task {task_id} did not finish: {body}")


def upload(
    client: httpx.Client,
    path: str | Path,
    name: str | None = None,
    path_url: str = "/transcribe/",
    **fields: object,
) -> httpx.Response:
    with open(path, "rb") as fh:
        files = {"file": (name or Path(path).name, fh, "application/octet-stream")}
        return client.post(path_url, files=files, data={k: str(v) for k, v in fields.items()})
