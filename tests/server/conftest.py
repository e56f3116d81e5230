"""A real server for each test: Runtime (stack host, engine process) and its listeners."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.runtime import Runtime
from harness.waits import until


@dataclass
class Live:
    """A started server; ``urls`` has the base URL of each listener served."""

    runtime: Runtime
    urls: dict[str, str]
    uploads: Path

    @property
    def queue(self) -> str:
        return self.urls["queue"]

    @property
    def direct(self) -> str:
        return self.urls["direct"]

    @property
    def tasks(self) -> str:
        return self.urls["tasks"]

    def client(self, which: str = "queue", **kwargs: Any) -> httpx.Client:
        timeout = kwargs.pop("timeout", 60)
        return httpx.Client(base_url=self.urls[which], timeout=timeout, **kwargs)

    @property
    def ws(self) -> str:
        return self.queue.replace("http://", "ws://")


@pytest.fixture
def make_server(make_runtime: Callable[..., Runtime]) -> Iterator[Callable[..., Live]]:
    from app.configs import server_config
    from server.runner import ServerRunner

    runners: list[ServerRunner] = []

    def make(wait: bool = True, **overrides: object) -> Live:
        """``listeners`` and ports in ``overrides`` choose what is served, as for ``serve``;
        every listener served binds a free port."""
        runtime = make_runtime(wait=wait, **{"host": "127.0.0.1", **overrides})
        config = server_config(runtime.settings)
        ports: dict[str, Any] = {f"{n}_port": 0 for n in config.listeners}
        config = dataclasses.replace(config, **ports)
        runner = ServerRunner(runtime.service, config)
        runner.start()
        runners.append(runner)
        return Live(runtime, runner.urls(), Path(runtime.settings.data_path) / "uploads")

    yield make
    for runner in runners:
        runner.stop()


@pytest.fixture
def live(make_server: Callable[..., Live]) -> Live:
    return make_server()


def wait_final(client: httpx.Client, task_id: str, timeout: float = 60) -> dict:
    """Poll GET /task/{id} until the task ends, as the existing frontend does."""

    def final() -> dict | None:
        body = client.get(f"/task/{task_id}").json()
        return body if body["status"] in ("completed", "failed", "cancelled") else None

    return until(final, timeout, f"task {task_id} to finish")


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
