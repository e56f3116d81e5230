"""A full disk under the data folder (issue 19, item 3): nothing half-accepted, no dead
worker, and ``/health`` says so. The disk is real: a small tmpfs mounted for the test."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.task import TaskStatus
from harness.waits import until
from tests.server.conftest import upload

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB filesystem of its own (tmpfs): needs root, as CI and the dev machines run.
    Ask for it before the server or runtime on it, so that it is unmounted after them."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    """Write until the filesystem is full; the filler's path (delete it to free the disk)."""
    filler = folder / "filler"
    with contextlib.suppress(OSError), open(filler, "wb") as out:
        while True:
            out.write(b"\0" * 65536)
            out.flush()
            os.fsync(out.fileno())
    with pytest.raises(OSError) as full, open(folder / "probe", "wb") as out:
        out.write(b"\0" * 65536)
        out.flush()
        os.fsync(out.fileno())
    assert full.value.errno == errno.ENOSPC
    (folder / "probe").unlink(missing_ok=True)
    return filler


def test_an_upload_that_cannot_be_journaled_is_507_and_leaves_no_task(
    small_disk: Path, make_server, tmp_path: Path, shared_audio: Path
) -> None:
    data = small_disk / "data"
    data.mkdir()
    roomy = tmp_path / "uploads"  # the audio itself has room: only the journal is full
    roomy.mkdir()
    (data / "uploads").symlink_to(roomy)
    live = make_server(durable=True, data_dir=str(data))
    clip = shared_audio / "hotwords.mp3"
    with live.client() as client:
        filler = fill(small_disk)
        refused = upload(client, clip)
        assert refused.status_code == 507, refused.text
        assert "journal" in refused.json()["detail"]
        assert client.get("/tasks").json()["tasks"] == []
        assert live.runtime.service.counts()["queue_size"] == 0
        assert list(roomy.iterdir()) == []  # its audio is not kept for a task that is not
        health = client.get("/health").json()
        assert health["status"] == "unhealthy"
        assert health["journal"]["writable"] is False

        filler.unlink()
        accepted = upload(client, clip)
        assert accepted.status_code == 200, accepted.text
        task_id = accepted.json()["task_id"]
        until(lambda: client.get(f"/task/{task_id}").json()["status"] == "completed", 60)
        assert client.get("/health").json()["journal"]["writable"] is True


def test_the_worker_survives_a_result_it_cannot_record_and_records_it_later(
    small_disk: Path, make_runtime, ten_minutes: str, jfk: str
) -> None:
    runtime = make_runtime(durable=True, data_dir=str(small_disk / "data"))
    service = runtime.service
    first, _ = service.submit(ten_minutes, "ten.flac")
    until(lambda: service.get(first.id).progress > 0, 60, "the first task to run")
    filler = fill(small_disk)
    # The first journal write from here is its result: refused, kept, tried again.
    until(lambda: not service.backend()["journal"]["writable"], 120, "the result to be refused")
    assert service.get(first.id).status == TaskStatus.PROCESSING
    filler.unlink()
    done = service.wait(first.id, timeout=120)
    assert done.status == TaskStatus.COMPLETED, done.error
    # The queue worker is still there to take the next task.
    second, _ = service.submit(jfk, "jfk.flac")
    assert service.wait(second.id, timeout=60).status == TaskStatus.COMPLETED
    assert service.backend()["journal"]["writable"]
