"""Stack semantics: LIFO within a priority, positions, cancel, leases, events, full stack.

The same tests run against every backend (``stack`` is parametrised in conftest).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from engine.errors import Conflict, LeaseLost, NotFound, QueueFull
from engine.stack.protocol import QueueChanged
from engine.task import Task, TaskEvent, TaskStatus
from harness.waits import until

# The stack never decodes the audio, but the Redis backend copies the bytes: any file will do.
AUDIO = __file__


def push(stack, name: str, priority: int = 0) -> Task:
    task = Task(filename=name, source=AUDIO, priority=priority)
    stack.push(task)
    return task


def test_newest_first_within_a_priority(stack) -> None:
    a, b, c = (push(stack, n) for n in "abc")
    assert [stack.position(t.id) for t in (c, b, a)] == [1, 2, 3]
    taken = [stack.claim("w", 0.1).filename for _ in range(3)]
    assert taken == ["c", "b", "a"]


def test_higher_priority_first(stack) -> None:
    low = push(stack, "low", priority=0)
    high = push(stack, "high", priority=5)
    newest_low = push(stack, "newest-low", priority=0)
    assert stack.position(high.id) == 1
    assert stack.position(newest_low.id) == 2
    assert stack.position(low.id) == 3
    assert [stack.claim("w", 0.1).filename for _ in range(3)] == ["high", "newest-low", "low"]


def test_push_returns_the_position_and_older_tasks_move_back(stack) -> None:
    first = Task(filename="first", source=AUDIO)
    assert stack.push(first) == 1
    assert stack.push(Task(filename="second", source=AUDIO)) == 1
    assert stack.position(first.id) == 2
    assert stack.push(Task(filename="urgent-low", source=AUDIO, priority=-1)) == 3


def test_claim_marks_processing_with_a_lease_and_no_position(stack) -> None:
    task = push(stack, "a")
    claimed = stack.claim("worker-1", 0.1)
    assert claimed.id == task.id
    assert claimed.status == TaskStatus.PROCESSING
    assert claimed.lease and claimed.worker == "worker-1" and claimed.attempts == 1
    assert claimed.started_at is not None
    assert stack.position(task.id) is None
    assert stack.claim("worker-1", 0.05) is None  # empty: waits, then gives up


def test_claim_waits_for_a_push(stack) -> None:
    got: list[Task | None] = []
    waiter = threading.Thread(target=lambda: got.append(stack.claim("w", 5.0)))
    waiter.start()
    push(stack, "late")
    waiter.join(5)
    assert got and got[0] is not None and got[0].filename == "late"


def test_cancel_a_queued_task_removes_it(stack) -> None:
    a, b = push(stack, "a"), push(stack, "b")
    cancelled = stack.cancel(b.id)
    assert cancelled.status == TaskStatus.CANCELLED
    assert stack.position(a.id) == 1
    assert stack.claim("w", 0.1).id == a.id
    assert stack.claim("w", 0.05) is None


def test_cancel_a_running_task_asks_its_worker_to_stop(stack) -> None:
    push(stack, "a")
    task = stack.claim("w", 0.1)
    assert stack.report(task.id, task.lease, 0.2, "working") is False
    assert stack.cancel(task.id).status == TaskStatus.PROCESSING
    assert stack.report(task.id, task.lease, 0.3, "working") is True
    done = stack.finish(task.id, task.lease, TaskStatus.CANCELLED)
    assert done.status == TaskStatus.CANCELLED
    assert done.completed_at is not None


def test_cancel_twice_and_cancel_finished(stack) -> None:
    task = push(stack, "a")
    stack.cancel(task.id)
    with pytest.raises(Conflict):
        stack.cancel(task.id)
    push(stack, "b")
    running = stack.claim("w", 0.1)
    stack.finish(running.id, running.lease, TaskStatus.COMPLETED, result={"text": "x"})
    with pytest.raises(Conflict) as info:
        stack.cancel(running.id)
    assert info.value.status == 409


def test_unknown_ids_are_not_found(stack) -> None:
    assert stack.get("nope") is None
    assert stack.position("nope") is None
    with pytest.raises(NotFound):
        stack.cancel("nope")


def test_a_stale_lease_cannot_commit(stack) -> None:
    push(stack, "a")
    task = stack.claim("w", 0.1)
    stack.finish(task.id, task.lease, TaskStatus.COMPLETED, result={"text": "first"})
    with pytest.raises(LeaseLost):
        stack.finish(task.id, task.lease, TaskStatus.COMPLETED, result={"text": "second"})
    with pytest.raises(LeaseLost):
        stack.report(task.id, "not-the-lease", 0.5, "x")
    assert stack.get(task.id).result == {"text": "first"}


def test_requeue_keeps_the_task_and_its_place(stack) -> None:
    older = push(stack, "older")
    newer = push(stack, "newer")
    running = stack.claim("w", 0.1)
    assert running.id == newer.id
    stack.requeue(running.id, running.lease, "engine stopping")
    again = stack.get(newer.id)
    assert again.status == TaskStatus.QUEUED and again.progress == 0.0
    assert stack.position(newer.id) == 1 and stack.position(older.id) == 2
    assert stack.claim("w", 0.1).attempts == 2


def test_lost_tasks_are_retried_then_failed(stack) -> None:
    push(stack, "a")
    for attempt in (1, 2):
        task = stack.claim("w", 0.1)
        assert task.attempts == attempt
        assert stack.release_lost(task.id, "engine died", max_attempts=2).status == (
            TaskStatus.QUEUED if attempt == 1 else TaskStatus.FAILED
        )
    failed = stack.get(task.id)
    assert "engine died" in failed.error and "2 attempts" in failed.error


def test_full_stack_refuses_with_503(stack_factory) -> None:
    stack = stack_factory(max_size=2)
    push(stack, "a")
    push(stack, "b")
    with pytest.raises(QueueFull) as info:
        push(stack, "c")
    assert info.value.status == 503 and "MAX_QUEUE_SIZE" in str(info.value)
    stack.claim("w", 0.1)  # a running task does not count
    push(stack, "c")


def test_counts_and_listing(stack) -> None:
    for name in "abc":
        push(stack, name)
    running = stack.claim("w", 0.1)
    stack.finish(running.id, running.lease, TaskStatus.FAILED, error="bad audio")
    counts = stack.counts()
    assert counts["queued"] == 2 and counts["failed"] == 1 and counts["queue_size"] == 2
    assert [t.filename for t in stack.list()] == ["c", "b", "a"]
    assert [t.filename for t in stack.list(TaskStatus.FAILED)] == ["c"]
    assert len(stack.list(limit=1)) == 1


def test_every_change_is_published(stack) -> None:
    events: list = []
    unsubscribe = stack.subscribe(events.append)
    task = push(stack, "a")
    running = stack.claim("w", 0.1)
    stack.report(running.id, running.lease, 0.5, "half", segment={"text": "hi"})
    stack.finish(running.id, running.lease, TaskStatus.COMPLETED, result={"text": "hi"})

    def updates() -> list[TaskEvent]:
        return [e for e in events if isinstance(e, TaskEvent) and e.task_id == task.id]

    until(lambda: len(updates()) >= 4, 5, "four events")  # Redis delivers from its own thread
    # A listener still subscribed sees the next task: once it has, the one that left would
    # have seen it too (one thread delivers every event, in order).
    still: list = []
    stays = stack.subscribe(still.append)
    unsubscribe()
    after = push(stack, "after")
    until(
        lambda: any(getattr(e, "task_id", None) == after.id for e in still),
        5,
        "the listener still subscribed to see the next task",
    )
    stays()
    seen = updates()
    assert [e.status for e in seen] == [
        TaskStatus.QUEUED,
        TaskStatus.PROCESSING,
        TaskStatus.PROCESSING,
        TaskStatus.COMPLETED,
    ]
    assert seen[0].queue_position == 1
    assert seen[2].segment == {"text": "hi"} and seen[2].progress == 0.5
    assert seen[3].result == {"text": "hi"}
    assert any(isinstance(e, QueueChanged) for e in events)
    assert [e for e in events if getattr(e, "task_id", None) == after.id] == []


def test_concurrent_claims_take_each_task_once(stack) -> None:
    ids = {push(stack, f"t{i}").id for i in range(60)}
    taken: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        while (task := stack.claim("w", 0.2)) is not None:
            with lock:
                taken.append(task.id)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(taken) == sorted(ids)


def test_a_claimed_tasks_audio_is_fetched_as_a_file(stack, tmp_path) -> None:
    """What the engine reads: the bytes that were pushed, and nothing left behind after."""
    push(stack, "audio")
    task = stack.claim("w", 0.1)
    work = tmp_path / "work"
    with stack.fetch(task, str(work)) as path, open(path, "rb") as fh:
        assert fh.read() == Path(AUDIO).read_bytes()
    assert not work.exists() or not any(work.iterdir())


def test_a_local_task_whose_file_is_gone_says_so(tmp_path) -> None:
    from engine.errors import AudioDecodeError
    from engine.stack.memory import MemoryStack

    gone = tmp_path / "gone.flac"
    gone.write_bytes(b"x")
    stack = MemoryStack()
    stack.push(Task(filename="gone.flac", source=str(gone)))
    task = stack.claim("w", 0.1)
    assert task is not None
    gone.unlink()
    with pytest.raises(AudioDecodeError, match="no longer on disk"), stack.fetch(task, "."):
        pass
    stack.close()
