"""Many engines on one Redis stack: crashes, hangs, races, and Redis itself going away."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from engine.stack.redis import RedisStack
from engine.task import Task, TaskStatus
from harness import defaults
from harness.waits import until
from harness.workers import start_worker
from tests.conftest import phrases

pytestmark = [pytest.mark.redis, pytest.mark.timeout(240)]


@pytest.fixture
def client(redis_server, redis_prefix: str):
    # Long enough that a busy 2-core machine renews it in time; short enough to expire in a test.
    stack = defaults.redis_stack(redis_server.url, redis_prefix, lease_seconds=6)
    stack.start_reaper(0.5)
    yield stack
    stack.close()


def wait(stack: RedisStack, task_id: str, done, timeout: float = 120) -> Task:

    def reached() -> Task | None:
        task = stack.get(task_id)
        return task if task is not None and done(task) else None

    return until(reached, timeout, f"task {task_id}")


def started(task: Task) -> bool:
    return task.status == TaskStatus.PROCESSING and task.progress > 0


def final(task: Task) -> bool:
    return task.status.is_final


def worker_of(task: Task) -> str:
    assert task.worker is not None, task  # a task that was claimed names its worker
    return task.worker


def test_a_killed_engine_s_task_is_finished_by_the_other(
    client, redis_server, redis_prefix, tiny_model: str, long_audio: str, tmp_path: Path
) -> None:
    a, a_id = start_worker(redis_server.url, redis_prefix, tiny_model, tmp_path / "a")
    b, b_id = start_worker(redis_server.url, redis_prefix, tiny_model, tmp_path / "b")
    try:
        task = Task(filename="hour.flac", source=long_audio)
        client.push(task)
        holder = worker_of(wait(client, task.id, started))
        doomed, survivor = (a, b_id) if holder.startswith(a_id) else (b, a_id)
        doomed.kill()  # SIGKILL to the worker and its engine: nothing gets to clean up
        done = wait(client, task.id, final)
        assert done.status == TaskStatus.COMPLETED
        assert worker_of(done).startswith(survivor) and done.attempts == 2
        # Whole windows only, about 110 of them in an hour of loops (nothing half-written).
        assert done.result is not None
        assert phrases(done.result["text"]) >= 100
    finally:
        a.kill()
        b.kill()


def test_a_stopped_engine_past_its_lease_cannot_commit(
    client, redis_server, redis_prefix, tiny_model: str, long_audio: str, tmp_path: Path
) -> None:
    a, a_id = start_worker(redis_server.url, redis_prefix, tiny_model, tmp_path / "a")
    b, b_id = start_worker(redis_server.url, redis_prefix, tiny_model, tmp_path / "b")
    try:
        task = Task(filename="hour.flac", source=long_audio)
        client.push(task)
        holder = worker_of(wait(client, task.id, started))
        frozen, other = (a, b_id) if holder.startswith(a_id) else (b, a_id)
        frozen.signal_group(signal.SIGSTOP)
        done = wait(client, task.id, final)
        frozen.signal_group(signal.SIGCONT)
        assert done.status == TaskStatus.COMPLETED and worker_of(done).startswith(other)
        frozen.wait_for(r"was taken from this worker", timeout=30)
        time.sleep(1)  # on purpose: time for a late write by the resumed worker to land, if any
        again = client.get(task.id)
        assert again.worker == done.worker and again.completed_at == done.completed_at
    finally:
        a.kill()
        b.kill()


def test_concurrent_claims_run_each_task_once(
    client, redis_server, redis_prefix, tiny_model: str, shared_audio: Path, tmp_path: Path
) -> None:
    workers = [
        start_worker(redis_server.url, redis_prefix, tiny_model, tmp_path / str(i))
        for i in range(2)
    ]
    try:
        tasks = [
            Task(filename=f"{i}.mp3", source=str(shared_audio / "hotwords.mp3")) for i in range(30)
        ]
        for task in tasks:
            client.push(task)
        done = [wait(client, t.id, final) for t in tasks]
        assert all(t.status == TaskStatus.COMPLETED and t.attempts == 1 for t in done)
        engines = {worker_of(t).split("/")[0] for t in done}
        assert engines == {engine_id for _, engine_id in workers}  # both took part
        for worker, _ in workers:
            assert "taken from this worker" not in worker.log
    finally:
        for worker, _ in workers:
            worker.kill()
