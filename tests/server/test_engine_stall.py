"""A frozen engine is visible in ``/health``; a long decode is not mistaken for one
(issue 19, "also seen": SIGSTOP was invisible)."""

from __future__ import annotations

import os
import signal

import httpx
import pytest

from harness.waits import until
from tests.server.conftest import upload

pytestmark = pytest.mark.timeout(240)

LEASE = 5.0  # heartbeats every second; silent for a lease is "not responding"


def _health(client: httpx.Client) -> dict:
    return client.get("/health").json()


def test_a_frozen_engine_is_unhealthy_until_it_runs_again(make_server) -> None:
    live = make_server(lease_seconds=LEASE)
    pid = live.runtime.supervisor.status.pid
    assert pid is not None
    with live.client() as client:
        assert _health(client)["status"] == "healthy"
        os.kill(pid, signal.SIGSTOP)
        try:

            def seen_frozen() -> dict | None:
                health = _health(client)
                return None if health["engine_responding"] else health

            frozen = until(seen_frozen, 60, "/health to see the frozen engine")
            assert frozen["status"] == "unhealthy" and frozen["engine_alive"] is False
        finally:
            os.kill(pid, signal.SIGCONT)
        until(lambda: _health(client)["status"] == "healthy", 60, "the engine to answer again")


def test_a_long_decode_is_never_taken_for_a_frozen_engine(make_server, ten_minutes: str) -> None:
    live = make_server(lease_seconds=LEASE)
    with live.client() as client:
        task_id = upload(client, ten_minutes).json()["task_id"]
        seen: list[dict] = []

        def finished() -> bool:
            seen.append(_health(client))
            return client.get(f"/task/{task_id}").json()["status"] == "completed"

        until(finished, 180, "the ten-minute task to complete")
    assert seen and all(h["engine_responding"] for h in seen)
    assert all(h["status"] == "healthy" for h in seen)
