"""Redis going away under a running host: nothing is left behind, no position is shared."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.stack.memory import MemoryStack
from engine.stack.resilient import ResilientStack
from engine.task import Task, TaskStatus
from harness import defaults
from harness.waits import until

pytestmark = [pytest.mark.redis, pytest.mark.timeout(240)]


def test_uploads_are_deleted_even_when_the_final_event_is_missed(
    make_runtime, redis_server, redis_prefix: str, tmp_path: Path, jfk: str
) -> None:
    runtime = make_runtime(
        redis=defaults.redis_options(redis_server.url, redis_prefix), redis_url=redis_server.url
    )
    runtime.service.close()  # the host hears no event from now on, as while reconnecting
    assert runtime.service.uploads_dir is not None
    runtime.service.uploads_dir.mkdir(parents=True, exist_ok=True)
    upload_path = runtime.service.uploads_dir / "upload.flac"  # uploads live there, or are refused
    shutil.copy(jfk, upload_path)
    task, _ = runtime.service.submit(str(upload_path), "jfk.flac", owns_source=True)
    until(lambda: runtime.stack.get(task.id).status.is_final, timeout=60)
    assert runtime.stack.get(task.id).status == TaskStatus.COMPLETED
    until(lambda: not upload_path.exists(), timeout=10)


def test_positions_never_collide_while_degraded(redis_server, redis_prefix: str) -> None:
    local = MemoryStack()
    # A long check interval: the monitor must not move the local tasks during the test.
    stack = ResilientStack(defaults.redis_stack(redis_server.url, redis_prefix), local, 60)
    try:
        in_redis = [Task(filename=f"r{i}", source=__file__) for i in range(2)]
        for task in in_redis:
            stack.push(task)
        stack._lost(RuntimeError("test: Redis taken away"))  # degraded: new tasks stay local
        here = [Task(filename=f"l{i}", source=__file__) for i in range(2)]
        for task in here:
            local.push(task)
        positions = stack.positions()
        assert sorted(positions.values()) == [1, 2, 3, 4], positions
        assert {stack.position(t.id) for t in in_redis + here} == {1, 2, 3, 4}
        # The local stack is claimed first, so its tasks come first.
        assert {positions[t.id] for t in here} == {1, 2}
    finally:
        stack.close()
        local.close()
