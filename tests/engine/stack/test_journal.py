"""The SQLite journal reads back only what it can trust: bad rows, forged paths, damage."""

from __future__ import annotations

import json
import shutil
import sqlite3
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
