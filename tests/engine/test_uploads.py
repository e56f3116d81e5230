"""Nothing outside the uploads folder is opened or deleted for a task, whatever its record says."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from engine.uploads import from_record, inside, remove, to_record


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    folder = tmp_path / "data" / "uploads"
    folder.mkdir(parents=True)
    return folder


def test_only_a_path_that_resolves_inside_the_folder_counts(uploads: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("keep")
    (uploads / "link.wav").symlink_to(secret)
    (uploads / "loop.wav").symlink_to(uploads / "loop.wav")
    assert inside(uploads / "talk.wav", uploads)
    assert inside(uploads / "sub" / ".." / "talk.wav", uploads)
    assert not inside(uploads / ".." / ".." / "secret.txt", uploads)  # `..` out of it
    assert not inside(uploads / "link.wav", uploads)  # a link pointing out of it
    assert not inside(uploads, uploads)  # the folder itself is not an upload
    assert not inside("/etc/passwd", uploads)
    assert not inside(uploads / "loop.wav", uploads)  # a link loop resolves to nothing


def test_the_journal_keeps_uploads_relative_so_the_data_folder_can_move(
    uploads: Path, tmp_path: Path
) -> None:
    recorded = to_record(str(uploads / "a1b2.wav"), uploads)
    assert recorded == "a1b2.wav"
    moved = tmp_path / "elsewhere" / "uploads"
    assert from_record(recorded, moved) == str(moved / "a1b2.wav")
    outside = str(tmp_path / "talk.wav")  # not an upload: kept as it was given
    assert to_record(outside, uploads) == outside
    assert from_record(outside, moved) == outside


def test_remove_deletes_an_upload_and_never_a_file_outside(
    uploads: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    upload = uploads / "a1b2.wav"
    upload.write_bytes(b"RIFF")
    secret = tmp_path / "secret.txt"
    secret.write_text("keep")
    remove(str(upload), uploads)
    assert not upload.exists()
    remove(str(upload), uploads)  # already gone: nothing to say
    with caplog.at_level(logging.ERROR, logger="engine.uploads"):
        remove(os.path.join(uploads, "..", "..", "secret.txt"), uploads)
    assert secret.read_text() == "keep"
    assert "outside the uploads folder" in caplog.text
