"""No accepted task is lost: not when Redis restarts, not when the app is killed."""

from __future__ import annotations

import collections
import signal
import threading
from pathlib import Path

import httpx
import pytest

from engine.task import TaskEvent, TaskStatus
from harness import defaults
from harness.redis_server import RedisServer, free_port
from harness.waits import task_status, until
from harness.workers import AppProcess
from tests.conftest import PHRASE, phrases
from tests.server.conftest import upload

pytestmark = pytest.mark.timeout(240)


@pytest.mark.redis
def test_redis_killed_and_restarted_every_task_ends_once(
    make_runtime, tmp_path: Path, shared_audio: Path, ten_minutes: str
) -> None:
    server = RedisServer(tmp_path / "redis").start()
    try:
        options = defaults.redis_options(server.url, "restart:", lease_seconds=6)
        runtime = make_runtime(redis=options, durable=True)
        completions: collections.Counter[str] = collections.Counter()
        lock = threading.Lock()

        def count(event) -> None:
            if isinstance(event, TaskEvent) and event.status == TaskStatus.COMPLETED:
                with lock:
                    completions[event.task_id] += 1

        runtime.service.subscribe(count)
        clip = str(shared_audio / "hotwords.mp3")
        ids = [runtime.service.submit(ten_minutes, "ten.flac")[0].id]
        ids += [runtime.service.submit(clip, f"before-{i}.mp3")[0].id for i in range(3)]
        server.kill()
        ids += [runtime.service.submit(clip, f"during-{i}.mp3")[0].id for i in range(3)]
        health = runtime.service.backend()
        assert health["degraded"] and not health["redis_connected"]
        server.start()  # same port, same AOF: Redis comes back with its data
        until(lambda: runtime.service.backend()["redis_connected"], 30, "Redis to return")
        until(
            lambda: all(runtime.service.get(i).status.is_final for i in ids),
            180,
            "every task to end",
        )
        tasks = [runtime.service.get(i) for i in ids]
        assert [t.status for t in tasks] == [TaskStatus.COMPLETED] * len(ids), [
            (t.filename, t.status, t.error) for t in tasks
        ]
        assert [phrases(t.result["text"]) > 0 for t in tasks] == [True] * len(tasks)
        until(lambda: runtime.service.counts()["queue_size"] == 0, 10, "an empty queue")
        with lock:
            twice = [task_id for task_id, n in completions.items() if n > 1]
        assert twice == []
        assert not runtime.service.backend()["degraded"]
    finally:
        server.stop()


def test_the_app_killed_and_restarted_keeps_queue_and_results(
    tmp_path: Path, tiny_model: str, long_audio: str, jfk: str
) -> None:
    port, direct = free_port(), free_port()
    args = (
        "serve",
        "--model",
        tiny_model,
        "--data-dir",
        str(tmp_path / "data"),
        "--queue-port",
        str(port),
        "--direct-port",
        str(direct),
        "--tasks-port",
        "0",
        "--cpu-threads",
        "1",
        "--redis-url",
        "",
    )
    base = f"http://127.0.0.1:{port}"

    def start() -> AppProcess:
        app = AppProcess(*args)
        app.wait_for("Engine ready")
        return app

    first = start()
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            finished = upload(client, jfk, "finished.flac").json()["task_id"]
            until(lambda: client.get(f"/task/{finished}").json()["status"] == "completed", 120)
            running = upload(client, long_audio, "running.flac").json()["task_id"]
            until(lambda: client.get(f"/task/{running}").json()["progress"] > 0, 120)
            waiting = [
                upload(client, jfk, f"waiting-{i}.flac", priority=-1).json()["task_id"]
                for i in range(3)
            ]
        first.signal_group(signal.SIGKILL)
        first.proc.wait(10)
    finally:
        first.kill()

    second = start()
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            kept = client.get(f"/task/{finished}").json()
            assert kept["status"] == "completed" and kept["result"]["text"] == PHRASE
            for task_id in [running, *waiting]:
                assert client.get(f"/task/{task_id}").json()["status"] in ("queued", "processing")
            for task_id in [running, *waiting]:
                task_status(client, task_id, "completed", 120)
            again = client.get(f"/task/{running}").json()
            assert again["attempts"] == 2 and phrases(again["result"]["text"]) > 0
    finally:
        second.stop()
