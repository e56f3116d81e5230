"""One host per data folder (issue 19, item 8): a second ``serve`` on it exits at once,
naming the folder and the process holding it; the first goes on untouched."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.data_lock import DataFolderLock
from harness.redis_server import free_port
from harness.workers import AppProcess

pytestmark = pytest.mark.timeout(240)


def _serve(data: Path, model: str) -> tuple[AppProcess, int]:
    port = free_port()
    app = AppProcess(
        "serve",
        "--model",
        model,
        "--data-dir",
        str(data),
        "--queue-port",
        str(port),
        "--direct-port",
        str(free_port()),
        "--tasks-port",
        "0",
        "--cpu-threads",
        "1",
        "--redis-url",
        "",
    )
    return app, port


def test_a_second_server_on_the_same_data_folder_refuses_to_start(
    tmp_path: Path, tiny_model: str
) -> None:
    data = tmp_path / "data"
    first, port = _serve(data, tiny_model)
    try:
        first.wait_for("Engine ready")
        second, _ = _serve(data, tiny_model)
        try:
            assert second.proc.wait(60) == 2
        finally:
            second.kill()
        assert str(data) in second.log and f"process {first.proc.pid}" in second.log, second.log
        assert "Engine ready" not in second.log
        health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).json()
        assert health["status"] == "healthy"
    finally:
        first.stop()
    # Once the first has gone, the folder is free again.
    third, _ = _serve(data, tiny_model)
    try:
        third.wait_for("Engine ready")
    finally:
        third.stop()


def test_the_lock_goes_with_its_holder(tmp_path: Path) -> None:
    first, second = DataFolderLock(tmp_path), DataFolderLock(tmp_path)
    assert first.acquire() is None
    refusal = second.acquire()
    assert refusal is not None and str(tmp_path) in refusal
    first.release()
    assert second.acquire() is None
    second.release()


def test_the_window_refuses_a_data_folder_in_use(
    make_settings, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.gui_cmd import run

    settings = make_settings()
    holder = DataFolderLock(settings.data_path)
    assert holder.acquire() is None
    try:
        assert run(settings) == 2
    finally:
        holder.release()
    err = capsys.readouterr().err
    assert str(settings.data_path) in err and "in use by another Stackscribe" in err
