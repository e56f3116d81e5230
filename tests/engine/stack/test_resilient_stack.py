"""Redis away, Redis back: tasks accepted meanwhile wait locally, then move to Redis."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.stack.memory import MemoryStack
from engine.stack.resilient import ResilientStack
from engine.task import Task
from harness import defaults
from harness.redis_server import RedisServer
from harness.waits import until

pytestmark = pytest.mark.redis


def test_tasks_accepted_while_redis_is_down_move_to_it_in_order(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis")  # not started yet
    local = MemoryStack()
    stack = ResilientStack(defaults.redis_stack(server.url, "r:"), local, check_every=0.2)
    try:
        assert stack.health() == {
            "backend": "redis",
            "redis_connected": False,
            "degraded": True,
            "last_backup": None,  # the local stack keeps no journal here
            "journal": {"writable": True, "error": None, "repaired": None},
        }
        tasks = [Task(filename=f"t{i}", source=__file__, priority=i % 2) for i in range(4)]
        for task in tasks:
            stack.push(task)

        def position(task: Task) -> int:
            place = stack.position(task.id)
            assert place is not None, task  # every task was just pushed
            return place

        order = sorted(tasks, key=position)
        assert local.counts()["queue_size"] == 4
        server.start()
        until(lambda: stack.health()["redis_connected"] and not local.counts()["queue_size"])
        assert stack.health()["degraded"] is False
        assert [stack.primary.position(t.id) for t in order] == [1, 2, 3, 4]
        for task in tasks:
            got = stack.get(task.id)
            assert got is not None and got.filename == task.filename
        assert stack.counts()["queue_size"] == 4
    finally:
        stack.close()
        local.close()
        server.stop()


def test_redis_lost_then_back_while_tasks_wait(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis").start()
    local = MemoryStack()
    stack = ResilientStack(defaults.redis_stack(server.url, "r:"), local, check_every=0.2)
    try:
        first = Task(filename="first", source=__file__)
        stack.push(first)
        server.kill()
        during = Task(filename="during", source=__file__)
        stack.push(during)  # goes to the local stack, nothing raised
        assert stack.health()["degraded"] and local.get(during.id) is not None
        server.start()  # AOF: "first" is still there
        # Taken from the local stack, then pushed to Redis: wait for both, not the first.
        until(lambda: local.get(during.id) is None and stack.primary.get(during.id) is not None)
        assert stack.primary.position(during.id) == 1 and stack.primary.position(first.id) == 2
    finally:
        stack.close()
        local.close()
        server.stop()
