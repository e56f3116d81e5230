"""Counting the Redis stack's tasks costs the same with 10 tasks kept as with 10,000."""

from __future__ import annotations

import pytest

from engine.stack.redis import RedisStack
from engine.task import Task, TaskStatus
from harness import defaults

pytestmark = pytest.mark.redis


def _commands(stack: RedisStack) -> int:
    return int(stack.client.info("stats")["total_commands_processed"])


def test_counts_are_right_and_read_no_task_records(redis_server, redis_prefix: str) -> None:
    stack = defaults.redis_stack(redis_server.url, redis_prefix)
    try:
        tasks = [Task(filename=f"t{i}", source=__file__) for i in range(300)]
        for task in tasks:
            stack.push(task)
        for i in range(120):  # 100 completed, 20 failed
            held = stack.claim("w", 0)
            status = TaskStatus.COMPLETED if i < 100 else TaskStatus.FAILED
            stack.finish(held.id, held.lease, status, result={"text": ""}, error="x")
        for task in tasks[:30]:  # the oldest are still queued (LIFO): cancelled at once
            stack.cancel(task.id)
        stack.claim("w", 0)  # one running
        expected = {
            "queued": 149,
            "processing": 1,
            "completed": 100,
            "failed": 20,
            "cancelled": 30,
            "queue_size": 149,
        }
        assert stack.counts() == expected
        before = _commands(stack)
        stack.counts()
        used = _commands(stack) - before - 1  # the INFO of _commands itself
        # One script of a few commands (inside it too, Redis counts each), not one per task.
        assert used <= 12, f"counts() ran {used} commands for 300 tasks"
    finally:
        stack.close()
