"""A damaged task journal does not stop the server (issue 19, item 9): it is moved aside,
a new one started, and ``/health`` and the log say so."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from harness.waits import task_status
from tests.server.conftest import upload

pytestmark = pytest.mark.timeout(240)


def test_the_server_starts_on_a_damaged_journal_and_says_so(
    make_server, tmp_path: Path, jfk: str, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "tasks.sqlite3").write_bytes(b"SQLite format 3\0" + b"\x07" * 4000)  # a bad header
    with caplog.at_level(logging.ERROR, logger="engine.stack.journal"):
        live = make_server(durable=True, data_dir=str(data))
    aside = list(data.glob("tasks.sqlite3.corrupt-*"))
    assert len(aside) == 1
    assert any(str(aside[0]) in r.getMessage() for r in caplog.records)
    with live.client() as client:
        journal = client.get("/health").json()["journal"]
        assert journal["writable"] and str(aside[0]) in journal["repaired"]
        accepted = upload(client, jfk)
        assert accepted.status_code == 200, accepted.text
        task_status(client, accepted.json()["task_id"], "completed")
