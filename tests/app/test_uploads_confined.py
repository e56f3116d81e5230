"""A forged record (journal row, Redis task hash) never has a file outside the uploads
folder opened or deleted: its task fails with the reason (issue 19, item 1)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.stack.journal import SqliteJournal
from engine.stack.memory import MemoryStack
from engine.task import Task, TaskStatus
from harness import defaults
from harness.waits import until

pytestmark = pytest.mark.timeout(240)


def test_a_journal_row_naming_a_file_elsewhere_fails_and_the_file_stays(
    make_runtime, tmp_path: Path, jfk: str
) -> None:
    victim = tmp_path / "elsewhere" / "precious.flac"
    victim.parent.mkdir()
    shutil.copy(jfk, victim)
    data = tmp_path / "data"
    forged = MemoryStack(journal=SqliteJournal(data / "tasks.sqlite3"))
    task = Task(filename="talk.flac", source=str(victim), owns_source=True)
    forged.push(task)  # as a hand-edited or planted journal row would read
    forged.close()

    runtime = make_runtime(durable=True, data_dir=str(data))
    ended = until(
        lambda: (t := runtime.service.get(task.id)).status.is_final and t, 60, "the task to end"
    )
    assert ended.status == TaskStatus.FAILED
    assert "outside the uploads folder" in (ended.error or "")
    assert victim.read_bytes() == Path(jfk).read_bytes()


@pytest.mark.redis
def test_a_redis_task_naming_a_local_file_fails_and_the_file_stays(
    make_runtime, redis_server, redis_prefix: str, tmp_path: Path, jfk: str
) -> None:
    victim = tmp_path / "precious.flac"
    shutil.copy(jfk, victim)
    writer = defaults.redis_stack(redis_server.url, redis_prefix)
    try:
        task = Task(filename="talk.flac", source=jfk)
        writer.push(task)
        # Anyone who can write to the shared Redis: point the record at a file on the hosts.
        key = f"{redis_prefix}task:{task.id}"
        writer.client.hset(key, mapping={"source": str(victim), "owns_source": "1", "blob": ""})
        runtime = make_runtime(redis=defaults.redis_options(redis_server.url, redis_prefix))
        ended = until(
            lambda: (t := writer.get(task.id)) is not None and t.status.is_final and t,
            60,
            "the task to end",
        )
        assert ended.status == TaskStatus.FAILED
        assert "names no audio of its own" in (ended.error or "")
        assert runtime.service.get(task.id).status == TaskStatus.FAILED
    finally:
        writer.close()
    assert victim.read_bytes() == Path(jfk).read_bytes()
