"""The supervisor thread keeps its engine alive whatever the stack does."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from app.settings import Settings
from engine.errors import NotStored, StackscribeError, StackUnavailable
from engine.process.messages import EngineReady
from engine.process.supervisor import EngineSupervisor
from engine.process.worker import EngineConfig
from engine.task import Task, TaskStatus
from harness import defaults
from harness.waits import until


def idle_engine(config: EngineConfig, address: Any, stop: Any, messages: Any) -> None:
    """An engine process that says it is ready and waits (the watchdog kills it)."""
    messages.put(EngineReady(config.model_name, "cpu", "int8"))
    stop.wait(60)


class _RedisGoneAtTheWorstMoment:
    """A fake stack (what cannot be staged with a real Redis: it must fail between two
    calls): it lists a task stuck past WORKER_TIMEOUT, then cannot be reached to fail it
    (or, as a journal on a full disk, cannot write its failure down)."""

    backend = "redis"

    def __init__(self, error: StackscribeError) -> None:
        self.owner: EngineSupervisor | None = None
        self.release_attempts = 0
        self.error = error

    def processing(self) -> list[Task]:
        assert self.owner is not None
        stuck = Task(filename="stuck.flac", source="", status=TaskStatus.PROCESSING)
        stuck.worker, stuck.started_at = f"{self.owner.engine_id}/queue", time.time() - 3600
        return [stuck]

    def release_lost(self, task_id: str, reason: str, max_attempts: int) -> Task | None:
        self.release_attempts += 1
        raise self.error


@pytest.mark.parametrize(
    "error",
    [
        StackUnavailable("Redis at redis://test cannot be reached: gone"),
        NotStored("The task journal cannot be written: database or disk is full"),
    ],
    ids=["redis-away", "disk-full"],
)
def test_the_supervisor_survives_an_unreachable_stack_while_failing_a_timeout(
    tiny_model: str, tmp_path, error: StackscribeError
) -> None:
    stack = _RedisGoneAtTheWorstMoment(error)
    supervisor = EngineSupervisor(
        model=tiny_model,
        cache_dir=str(tmp_path),
        make_config=lambda engine_id, path: defaults.engine_config(
            engine_id, path, model_name="tiny"
        ),
        target=idle_engine,
        address=None,  # type: ignore[arg-type]
        stacks={"queue": stack},  # type: ignore[dict-item]
        worker_timeout=0.01,
        max_attempts=Settings().max_attempts,
    )
    stack.owner = supervisor
    supervisor.start()
    try:

        def restarted() -> bool:
            assert supervisor._thread.is_alive(), "the supervisor thread died"
            return supervisor.status.restarts >= 1

        until(restarted, 60, "a restart")
        assert stack.release_attempts >= 1
        assert supervisor._thread.is_alive()
    finally:
        supervisor.stop(timeout=2)
    assert not any(t.name == "engine-supervisor" and t.is_alive() for t in threading.enumerate())
