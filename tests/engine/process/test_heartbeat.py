"""The engine's heartbeat tells its host which lanes still have a worker (issue 19, item 3:
a dead queue worker left ``/health`` saying healthy)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from app.settings import Settings
from engine.process.messages import EngineAlive, EngineMessage, EngineReady
from engine.process.supervisor import EngineSupervisor
from engine.process.worker import serve
from engine.stack.memory import MemoryStack
from engine.status import EngineStatus
from harness import defaults
from harness.waits import until

pytestmark = pytest.mark.timeout(120)


class _ThreadKiller:
    """A stand-in stack (a worker thread's death cannot be staged with a real stack: the
    worker survives every error one raises): its claim ends the thread that calls it."""

    def claim(self, worker_id: str, timeout: float) -> Any:
        raise SystemExit(f"test: {worker_id} ends here")


# The thread's death is the point: pytest reports it as a warning, which would fail the test.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_dead_worker_thread_is_named_in_every_heartbeat(tiny_model: str) -> None:
    messages: list[EngineMessage] = []
    stop = threading.Event()
    direct = MemoryStack()
    config = defaults.engine_config("engine-test", tiny_model, lease_seconds=1.0)
    engine = threading.Thread(
        target=serve,
        args=(config, {"queue": [_ThreadKiller()], "direct": [direct]}, stop, messages.append),
        kwargs={"make_transcriber": lambda c: defaults.transcriber(c.model_path)},
        daemon=True,
    )
    engine.start()
    try:
        until(
            lambda: any(isinstance(m, EngineAlive) and m.dead_workers for m in messages),
            60,
            "a heartbeat naming the dead lane",
        )
        beats = [m for m in messages if isinstance(m, EngineAlive) and m.dead_workers]
        assert beats[-1].dead_workers == ("queue",)
    finally:
        stop.set()
        engine.join(30)
        direct.close()


def engine_with_a_dead_lane(config: Any, address: Any, stop: Any, messages: Any) -> None:
    """A stand-in engine process: ready, then beating with its queue lane dead."""
    messages.put(EngineReady(config.model_name, "cpu", "int8"))
    while not stop.wait(0.2):
        messages.put(EngineAlive(dead_workers=("queue",)))


def test_the_host_sees_a_dead_lane_and_stops_calling_the_engine_serving(
    tiny_model: str, tmp_path
) -> None:
    supervisor = EngineSupervisor(
        model=tiny_model,
        cache_dir=str(tmp_path),
        make_config=defaults.engine_config,
        target=engine_with_a_dead_lane,
        address=None,  # type: ignore[arg-type]
        stacks={},
        worker_timeout=60,
        max_attempts=Settings().max_attempts,
    )
    supervisor.start()
    try:

        def dead_lane_seen() -> EngineStatus | None:
            status = supervisor.status
            return status if status.dead_workers else None

        status = until(dead_lane_seen, 60, "the dead lane to be seen")
        assert status.dead_workers == ("queue",)
        assert status.alive and not status.serving  # ready, yet queued work would wait forever
    finally:
        supervisor.stop(timeout=2)
