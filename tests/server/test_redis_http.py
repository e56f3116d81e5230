"""README's Redis promises, read over HTTP: a worker elsewhere, RESULT_TTL, degraded positions.

A real redis-server (harness/redis_server.py), a real ``python -m app worker`` process,
and a real server whose own engine is kept busy downloading its model from the local hub
(harness/hf_hub.py holds the download), so the worker is the only engine that can run
the task.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import redis
import websockets

from harness import defaults
from harness.hf_hub import LocalHub
from harness.waits import until
from harness.workers import AppProcess
from tests.server.conftest import upload, wait_final

pytestmark = [pytest.mark.redis, pytest.mark.timeout(240)]
TTL = 4


def test_a_separate_worker_s_progress_reaches_websocket_clients_and_results_expire(
    make_server,
    local_hub: LocalHub,
    redis_server,
    redis_prefix: str,
    tiny_model: str,
    tmp_path: Path,
    shared_audio: Path,
) -> None:
    local_hub.hold("model.bin", after=0)  # the server's own engine never gets its model
    options = defaults.redis_options(redis_server.url, redis_prefix, result_ttl=TTL)
    live = make_server(
        wait=False,
        model="tiny",
        redis=options,
        redis_url=redis_server.url,
        redis_prefix=redis_prefix,
        result_ttl=TTL,
    )
    worker = AppProcess(
        "worker",
        "--redis-url",
        redis_server.url,
        "--redis-prefix",
        redis_prefix,
        "--model",
        tiny_model,
        "--data-dir",
        str(tmp_path / "worker"),
        "--cpu-threads",
        "1",
        "--lease-seconds",
        "30",
        "--result-ttl",
        str(TTL),
        "--log-level",
        "info",
    )
    try:
        worker.wait_for(r"Worker (engine-\w+) serving")
        with live.client() as client:
            assert client.get("/health").json()["engine_state"] == "downloading"
            task_id = upload(client, shared_audio / "multilingual.mp3").json()["task_id"]

            async def frames() -> list[dict]:
                seen: list[dict] = []
                async with websockets.connect(f"{live.ws}/ws/{task_id}") as ws:
                    while not seen or seen[-1]["data"]["status"] != "completed":
                        seen.append(json.loads(await asyncio.wait_for(ws.recv(), 120)))
                return seen

            seen = asyncio.run(frames())
            progress = [f["data"]["progress"] for f in seen if f["data"]["status"] == "processing"]
            assert any(0 < p < 1 for p in progress), progress  # pushed while it ran
            assert any("segment" in f["data"] for f in seen)
            assert seen[-1]["data"]["result"]["segments"]
            assert client.get("/health").json()["engine_state"] == "downloading"

            done = wait_final(client, task_id)
            assert done["status"] == "completed" and done["result"] == seen[-1]["data"]["result"]
            # RESULT_TTL: the record, with its result, lives that long in Redis, then goes.
            ttl = redis.Redis.from_url(redis_server.url).ttl(f"{redis_prefix}task:{task_id}")
            assert 0 < ttl <= TTL
            until(lambda: client.get(f"/task/{task_id}").status_code == 404, timeout=TTL + 30)
    finally:
        worker.stop()


def test_positions_while_redis_is_away_read_over_http(
    make_server, local_hub: LocalHub, redis_prefix: str, tmp_path: Path, jfk: str
) -> None:
    from harness.redis_server import RedisServer

    own = RedisServer(tmp_path / "redis").start()  # this test takes it away
    try:
        local_hub.hold("model.bin", after=0)  # no engine takes a task: positions stay put
        options = defaults.redis_options(own.url, redis_prefix)
        live = make_server(wait=False, model="tiny", redis=options, redis_url=own.url)
        with live.client() as client:

            def submit(name: str) -> str:
                answer = upload(client, jfk, name=name)
                assert answer.status_code == 200, answer.text
                return answer.json()["task_id"]

            def position(task_id: str) -> int:
                return client.get(f"/task/{task_id}").json()["queue_position"]

            in_redis = [submit("r1.flac"), submit("r2.flac")]
            assert [position(t) for t in in_redis] == [2, 1]
            own.kill()
            here = [submit("l1.flac"), submit("l2.flac")]
            health = client.get("/health").json()
            assert health["status"] == "degraded" and health["queue_service"]["healthy"] is False
            # The local tasks are taken first: they hold the first positions, newest first.
            assert [position(t) for t in here] == [2, 1]
            for task_id in in_redis:  # kept in Redis: "try again", never "not found"
                away = client.get(f"/task/{task_id}")
                assert away.status_code == 503 and int(away.headers["Retry-After"]) > 0

            own = RedisServer(own.folder, port=own.port).start()  # back, with what it kept
            until(lambda: client.get("/health").json()["queue_service"]["healthy"], 60)
            until(lambda: client.get(f"/task/{in_redis[0]}").status_code == 200, 60)
            # Moved to Redis, the local tasks still come first; nothing shares a position.
            assert [position(t) for t in here + in_redis] == [2, 1, 4, 3]
    finally:
        own.stop()
