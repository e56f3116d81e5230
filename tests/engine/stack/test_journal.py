"""The SQLite journal reads back only what it can trust: bad rows, forged paths, damage."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from engine.stack.journal import SqliteJournal
from engine.stack.memory import MemoryStack
from engine.task import Task, TaskStatus


def _journal(data: Path) -> SqliteJournal:
    return SqliteJournal(data / "tasks.sqlite3", uploads=data / "uploads")


def _upload(data: Path, name: str = "upload.flac") -> Path:
    (data / "uploads").mkdir(parents=True, exist_ok=True)
    path = data / "uploads" / name
    path.write_bytes(b"audio")
    return path


def test_moving_the_data_folder_keeps_queued_uploads(tmp_path: Path) -> None:
    old = tmp_path / "old"
    upload = _upload(old)
    stack = MemoryStack(journal=_journal(old))
    task = Task(filename="talk.flac", source=str(upload), owns_source=True)
    stack.push(task)
    stack.close()
    shutil.move(old, tmp_path / "new")

    again = MemoryStack(journal=_journal(tmp_path / "new"))
    try:
        moved = again.get(task.id)
        assert moved is not None and moved.status == TaskStatus.QUEUED
        assert moved.source == str(tmp_path / "new" / "uploads" / "upload.flac")
        assert Path(moved.source).read_bytes() == b"audio"
    finally:
        again.close()


def test_an_old_row_with_an_absolute_upload_path_is_still_read(tmp_path: Path) -> None:
    data = tmp_path / "data"
    upload = _upload(data)
    stack = MemoryStack(journal=SqliteJournal(data / "tasks.sqlite3"))  # stored as given
    task = Task(filename="talk.flac", source=str(upload), owns_source=True)
    stack.push(task)
    stack.close()

    again = MemoryStack(journal=_journal(data))
    try:
        kept = again.get(task.id)
        assert kept is not None and kept.status == TaskStatus.QUEUED and kept.owns_source
        assert Path(kept.source) == upload
    finally:
        again.close()


def test_a_row_naming_an_upload_outside_the_uploads_folder_is_failed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me")
    escape = "../../precious.txt"  # relative rows are read against the uploads folder
    rows = MemoryStack(journal=SqliteJournal(data / "tasks.sqlite3"))
    forged = [
        Task(filename="a.flac", source=str(victim), owns_source=True),
        Task(filename="b.flac", source=escape, owns_source=True),
    ]
    for task in forged:
        rows.push(task)
    rows.close()

    stack = MemoryStack(journal=_journal(data))
    try:
        for task in forged:
            read = stack.get(task.id)
            assert read is not None and read.status == TaskStatus.FAILED
            assert "outside the uploads folder" in (read.error or "")
            assert not read.owns_source
        assert stack.counts()["queue_size"] == 0
    finally:
        stack.close()
    assert victim.read_text() == "keep me"


def _rows(path: Path) -> dict[str, dict]:
    with sqlite3.connect(path) as db:
        return {i: json.loads(r) for i, r in db.execute("SELECT id, record FROM tasks")}


def test_uploads_are_journaled_relative_to_the_uploads_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    stack = MemoryStack(journal=_journal(data))
    task = Task(filename="t.flac", source=str(_upload(data)), owns_source=True)
    stack.push(task)
    stack.close()
    assert _rows(data / "tasks.sqlite3")[task.id]["source"] == "upload.flac"


def _write_rows(path: Path, rows: Mapping[str, object]) -> None:
    with sqlite3.connect(path) as db:
        for task_id, record in rows.items():
            text = record if isinstance(record, str) else json.dumps(record)
            db.execute("INSERT OR REPLACE INTO tasks (id, record) VALUES (?, ?)", (task_id, text))


def test_rows_that_cannot_be_rebuilt_fail_their_task_and_the_rest_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    stack = MemoryStack(journal=_journal(data))
    good = Task(filename="good.flac", source=__file__)
    stack.push(good)
    stack.close()
    record = Task(filename="x.flac", source=__file__).to_record()
    bad = {
        # Saved under other rules: a language and a beam limit that changed since.
        "lang": {**record, "id": "lang", "options": {"language": "klingon"}},
        "beam": {**record, "id": "beam", "options": {"beam_size": 99}},
        # Wrong types, a status that does not exist, JSON that is not a task.
        "type": {**record, "id": "type", "priority": "high"},
        "when": {**record, "id": "when", "created_at": [2024]},
        "state": {**record, "id": "state", "status": "paused"},
        "list": [1, 2, 3],
        "text": "{not json",
    }
    _write_rows(data / "tasks.sqlite3", bad)

    again = MemoryStack(journal=_journal(data))
    try:
        kept = again.get(good.id)
        assert kept is not None and kept.status == TaskStatus.QUEUED
        assert again.counts()["queue_size"] == 1
        for task_id in bad:
            failed = again.get(task_id)
            assert failed is not None and failed.status == TaskStatus.FAILED, task_id
            assert "could not be read back" in (failed.error or ""), task_id
        named = again.get("lang")
        assert named is not None and named.filename == "x.flac"
    finally:
        again.close()
    # The rows themselves are left as they were: a later version may read them.
    with sqlite3.connect(data / "tasks.sqlite3") as db:
        (kept_row,) = db.execute("SELECT record FROM tasks WHERE id = 'lang'").fetchone()
    assert json.loads(kept_row)["options"] == {"language": "klingon"}


def test_a_damaged_header_is_moved_aside_and_a_new_journal_started(tmp_path: Path) -> None:
    data = tmp_path / "data"
    stack = MemoryStack(journal=_journal(data))
    stack.push(Task(filename="a.flac", source=__file__))
    stack.close()
    path = data / "tasks.sqlite3"
    with open(path, "r+b") as fh:
        fh.write(b"this is no database header")

    journal = _journal(data)
    again = MemoryStack(journal=journal)
    try:
        aside = list(data.glob("tasks.sqlite3.corrupt-*"))
        assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is no")
        health = again.health()["journal"]
        assert health["writable"] and str(aside[0]) in health["repaired"]
        again.push(Task(filename="b.flac", source=__file__))  # and it takes work again
        assert again.counts()["queue_size"] == 1
    finally:
        again.close()


def _finished_tasks(data: Path, count: int) -> Path:
    """A journal of ``count`` completed tasks, results big enough to span many pages."""
    stack = MemoryStack(journal=_journal(data))
    for i in range(count):
        stack.push(Task(filename=f"t{i}.flac", source=__file__))
        claimed = stack.claim("w", 0)
        assert claimed is not None
        text = f"words of task {i} " * 400
        stack.finish(claimed.id, claimed.lease or "", TaskStatus.COMPLETED, {"text": text})
    stack.close()
    return data / "tasks.sqlite3"


def test_a_truncated_journal_is_moved_aside_and_work_goes_on(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = _finished_tasks(data, 40)
    with open(path, "r+b") as fh:
        fh.truncate(path.stat().st_size // 2)

    again = MemoryStack(journal=_journal(data))
    try:
        assert list(data.glob("tasks.sqlite3.corrupt-*"))
        assert "damaged" in again.health()["journal"]["repaired"]
        again.push(Task(filename="new.flac", source=__file__))
        assert again.counts()["queue_size"] == 1
    finally:
        again.close()


def test_a_damaged_page_costs_only_the_tasks_on_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = _finished_tasks(data, 40)
    pages = path.stat().st_size // 4096
    with open(path, "r+b") as fh:
        fh.seek(pages // 2 * 4096)
        fh.write(b"\xff" * 4096)

    again = MemoryStack(journal=_journal(data))
    try:
        kept = again.counts()["completed"]
        assert 0 < kept < 40
        assert f"with the {kept} task(s)" in again.health()["journal"]["repaired"]
        assert all(t.result and t.result["text"] for t in again.list(TaskStatus.COMPLETED))
    finally:
        again.close()
