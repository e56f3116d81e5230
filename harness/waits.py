"""Waiting in tests: always on a condition, always with a deadline of its own."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def until(condition: Callable[[], T | None], timeout: float = 60.0, what: str = "it") -> T:
    """Call ``condition`` until it returns something true (returned), failing at ``timeout``."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}")
        time.sleep(0.02)
    return value


def task_status(
    client, task_id: str, status: str, timeout: float = 60.0, path: str = "/task"
) -> dict:
    """Poll ``GET {path}/{task_id}`` until the task has ``status``; its body."""

    def reached() -> dict | None:
        body = client.get(f"{path}/{task_id}").json()
        return body if body["status"] == status else None

    return until(reached, timeout, f"task {task_id} to be {status}")
