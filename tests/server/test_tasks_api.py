"""The tasks listener (8002) as the original system's Next.js frontend speaks to it."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import pytest
import websockets

from harness import audio_files
from harness.waits import task_status, until
from tests.conftest import PHRASE
from tests.server.conftest import upload, wait_final

FINAL = ("completed", "failed", "cancelled")


def poll_tasks(client: httpx.Client, task_id: str, timeout: float = 60) -> dict:
    """Poll GET /tasks/{id} until the task ends, as the frontend's server side does."""

    def final() -> dict | None:
        response = client.get(f"/tasks/{task_id}")
        assert response.status_code == 200, response.text
        body = response.json()
        return body if body["status"] in FINAL else None

    return until(final, timeout, f"task {task_id} to finish")


def wait_status(client: httpx.Client, task_id: str, status: str, timeout: float = 60) -> None:
    task_status(client, task_id, status, timeout, path="/tasks")


async def follow(url: str, ping_every: float = 2.0) -> tuple[list[dict], int]:
    """A WebSocket client like the frontend's: pings every few seconds, expects pongs."""
    frames: list[dict] = []
    pongs = pings = 0
    async with websockets.connect(url) as ws:
        await ws.send("ping")
        pings += 1
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                message = await asyncio.wait_for(ws.recv(), ping_every)
            except TimeoutError:
                await ws.send("ping")
                pings += 1
                continue
            frame = json.loads(message)
            if frame == {"type": "pong"}:
                pongs += 1
            else:
                frames.append(frame)
            done = frames and frames[-1]["data"]["status"] in FINAL
            if done and pongs == pings:
                return frames, pongs
    raise AssertionError(f"no final frame or missing pongs: {frames[-1:]}, {pongs}/{pings}")


def test_the_frontend_flow_upload_poll_result_and_the_same_task_on_8000(live, jfk: str) -> None:
    with live.client("tasks") as tasks, open(jfk, "rb") as fh:
        response = tasks.post(
            "/tasks/transcription",
            files={"file": ("jfk.flac", fh, "audio/flac")},
            data={"language": "en", "priority": "0"},
        )
        assert response.status_code == 200, response.text
        accepted = response.json()
        assert accepted["status"] == "queued" and accepted["queue_position"] == 1
        assert accepted["message"] and accepted["task_id"]
        task_id = accepted["task_id"]
        socket = asyncio.run(follow(f"{live.ws}/ws/{task_id}"))
        done = poll_tasks(tasks, task_id)
    assert done["task_id"] == task_id and done["task_type"] == "transcription"
    assert done["status"] == "completed" and done["progress"] == 1.0
    assert done["error_message"] is None
    assert done["retry_count"] == 0 and done["max_retries"] == 2
    for key in ("created_at", "started_at", "completed_at"):
        assert datetime.fromisoformat(done[key]).tzinfo is not None
    result = done["result"]
    assert result["text"] == PHRASE and result["language"] == "en"
    for segment in result["segments"]:
        assert 0 <= segment["start"] < segment["end"] <= result["duration"] + 0.5
        assert segment["text"].strip()
        for word in segment["words"]:
            assert word["text"] and 0 <= word["confidence"] <= 1
            assert segment["start"] - 0.01 <= word["start"] <= word["end"] <= segment["end"] + 0.01
    words = "".join(w["text"] for s in result["segments"] for w in s["words"])
    assert words.strip() == PHRASE

    with live.client() as queue:
        seen = queue.get(f"/task/{task_id}").json()
    assert seen["status"] == "completed" and seen["result"] == result
    assert seen["options"]["language"] == "en" and seen["priority"] == 0

    frames, pongs = socket
    assert pongs >= 1
    assert all(f["type"] == "task_update" and f["task_id"] == task_id for f in frames)
    assert frames[-1]["data"]["status"] == "completed"
    assert frames[-1]["data"]["result"] == result


def test_parameters_as_query_parameters(live, jfk: str) -> None:
    with live.client("tasks") as tasks, open(jfk, "rb") as fh:
        response = tasks.post(
            "/tasks/transcription?language=en&priority=7&word_timestamps=false",
            files={"file": ("jfk.flac", fh, "audio/flac")},
        )
        assert response.status_code == 200, response.text
        task_id = response.json()["task_id"]
        done = poll_tasks(tasks, task_id)
    assert done["status"] == "completed" and done["result"]["text"] == PHRASE
    assert all(not s["words"] for s in done["result"]["segments"])
    with live.client() as queue:
        seen = queue.get(f"/task/{task_id}").json()
    assert seen["options"]["language"] == "en" and seen["priority"] == 7


def test_a_task_queued_on_8000_is_on_8002_with_the_same_id(live, jfk: str) -> None:
    with live.client() as queue:
        task_id = upload(queue, jfk).json()["task_id"]
        wait_final(queue, task_id)
    with live.client("tasks") as tasks:
        body = tasks.get(f"/tasks/{task_id}").json()
        listed = tasks.get("/tasks").json()
    assert body["task_id"] == task_id and body["result"]["text"] == PHRASE
    assert [t["task_id"] for t in listed["tasks"]] == [task_id]


def test_paging_filters_and_total(live, jfk: str) -> None:
    with live.client("tasks") as tasks:
        ids = []
        for i in range(5):
            with open(jfk, "rb") as fh:
                sent = tasks.post("/tasks/transcription", files={"file": (f"{i}.flac", fh)})
            ids.append(sent.json()["task_id"])
        for task_id in ids:
            assert poll_tasks(tasks, task_id)["status"] == "completed"
        newest_first = ids[::-1]
        pages = [tasks.get("/tasks", params={"limit": 2, "offset": o}).json() for o in (0, 2, 4)]
        assert [p["total"] for p in pages] == [5, 5, 5]
        assert [(p["offset"], p["limit"]) for p in pages] == [(0, 2), (2, 2), (4, 2)]
        assert [t["task_id"] for p in pages for t in p["tasks"]] == newest_first
        row = pages[0]["tasks"][0]
        assert {"task_id", "task_type", "status", "progress", "created_at"} <= set(row)
        assert {"started_at", "completed_at"} <= set(row) and "result" not in row
        default = tasks.get("/tasks").json()
        assert default["limit"] == 10 and default["offset"] == 0 and len(default["tasks"]) == 5
        beyond = tasks.get("/tasks?offset=10").json()
        assert beyond["tasks"] == [] and beyond["total"] == 5
        completed = tasks.get("/tasks?status=completed&task_type=transcription&limit=3").json()
        assert completed["total"] == 5 and len(completed["tasks"]) == 3
        assert tasks.get("/tasks?status=queued").json()["total"] == 0
        assert tasks.get("/tasks?status=&task_type=").json()["total"] == 5
        none = tasks.get("/tasks?task_type=risk_detection").json()
        assert none["tasks"] == [] and none["total"] == 0
        for bad in ("status=done", "task_type=summary", "limit=0", "limit=x", "offset=-1"):
            refused = tasks.get(f"/tasks?{bad}")
            assert refused.status_code == 422, (bad, refused.text)
            assert isinstance(refused.json()["detail"], str)


def test_delete_queued_running_and_finished(live, ten_minutes: str, jfk: str) -> None:
    with live.client("tasks") as tasks:

        def send(path: str) -> str:
            with open(path, "rb") as fh:
                return tasks.post("/tasks/transcription", files={"file": fh}).json()["task_id"]

        running = send(ten_minutes)
        wait_status(tasks, running, "processing")
        queued = send(jfk)
        assert tasks.get(f"/tasks/{queued}").json()["status"] == "queued"

        first = tasks.delete(f"/tasks/{queued}")
        assert first.status_code == 200 and first.json()["message"]
        assert tasks.get(f"/tasks/{queued}").json()["status"] == "cancelled"

        stopping = tasks.delete(f"/tasks/{running}")
        assert stopping.status_code == 200 and stopping.json()["message"]
        assert poll_tasks(tasks, running)["status"] == "cancelled"

        for finished in (queued, running):
            again = tasks.delete(f"/tasks/{finished}")
            assert again.status_code == 409 and "cancelled" in again.json()["detail"]
        completed = send(jfk)
        assert poll_tasks(tasks, completed)["status"] == "completed"
        assert tasks.delete(f"/tasks/{completed}").status_code == 409
        stats = tasks.get("/stats").json()
    assert stats["cancelled_tasks"] == 2 and stats["completed_tasks"] == 1


def test_unknown_ids_are_404_and_the_api_is_described(live) -> None:
    with live.client("tasks") as tasks:
        for method, path in [("GET", "/tasks/nope"), ("DELETE", "/tasks/nope")]:
            response = tasks.request(method, path)
            assert response.status_code == 404, response.text
            assert "nope" in response.json()["detail"]
        spec = tasks.get("/openapi.json").json()
    assert {"/tasks/transcription", "/tasks/{task_id}", "/tasks", "/stats", "/health"} <= set(
        spec["paths"]
    )


@pytest.fixture
def bad_uploads(tmp_path: Path, jfk: str) -> list[tuple[str, dict]]:
    """Requests that must be refused, as keyword arguments of ``httpx.Client.post``."""
    noise = b"These are not the droids you are looking for.\n" * 50
    tone = 0.3 * np.sin(np.arange(16000) * 2 * np.pi * 440 / 16000)
    small = audio_files.write_wav(tmp_path / "tone.wav", tone).read_bytes()
    cases: list[tuple[str, dict]] = [
        ("empty file", {"files": {"file": ("empty.wav", b"")}}),
        ("not audio", {"files": {"file": ("notes.mp3", noise)}}),
        ("no file field", {"files": {"other": b"x"}, "data": {"language": "en"}}),
        ("not multipart", {"content": b"raw bytes"}),
        ("too large", {"files": {"file": ("jfk.flac", Path(jfk).read_bytes())}}),
    ]
    for field, value in [
        ("language", "xx"),
        ("task", "summarize"),
        ("priority", "high"),
        ("priority", "5000"),
        ("word_timestamps", "maybe"),
        ("response_format", "docx"),
        ("beam_size", "0"),
    ]:
        cases.append((f"{field}={value}", {"files": {"file": small}, "data": {field: value}}))
        cases.append((f"?{field}={value}", {"files": {"file": small}, "params": {field: value}}))
    return cases


def test_bad_input_gets_the_same_4xx_as_on_the_queue_listener(make_server, bad_uploads) -> None:
    live = make_server(max_upload_mb=1)
    with live.client() as queue, live.client("tasks") as tasks:
        for name, request in bad_uploads:
            expected = queue.post("/transcribe/", **request)
            got = tasks.post("/tasks/transcription", **request)
            assert 400 <= got.status_code < 500, (name, got.text)
            assert got.status_code == expected.status_code, (name, got.text, expected.text)
            assert got.json() == expected.json(), name
        assert tasks.get("/health").json()["status"] == "healthy"
    assert list(live.uploads.iterdir()) == []  # nothing refused is left on disk


def test_risk_detection_is_501_not_provided(live) -> None:
    with live.client("tasks") as tasks, live.client() as queue:
        answers = [
            tasks.post("/tasks/risk-detection", json={"text": "anything"}),
            queue.post("/detect-risk/", json={"text": "anything"}),
            queue.post("/detect-risk", data={"text": "anything"}),
        ]
    for answer in answers:
        assert answer.status_code == 501, answer.text
        body = answer.json()
        assert set(body) == {"detail"} and "not provided" in body["detail"]


def _recent(stamp: str) -> bool:
    when = datetime.fromisoformat(stamp)
    return abs(datetime.now(UTC) - when) < timedelta(minutes=5)


def test_stats_and_health_on_both_listeners_with_the_journal(make_server, jfk: str) -> None:
    live = make_server(durable=True)
    with live.client() as queue:
        task_id = upload(queue, jfk).json()["task_id"]
        wait_final(queue, task_id)
        status = queue.get("/queue/status").json()
        health = queue.get("/health").json()
    with live.client("tasks") as tasks:
        stats = tasks.get("/stats").json()
        tasks_health = tasks.get("/health").json()
        config = tasks.get("/config").json()
    assert {
        "total_tasks",
        "queued_tasks",
        "processing_tasks",
        "completed_tasks",
        "failed_tasks",
        "uptime_seconds",
        "last_backup",
        "redis_connected",
    } <= set(stats)
    assert stats["total_tasks"] == stats["completed_tasks"] == 1
    assert stats["redis_connected"] is False and _recent(stats["last_backup"])
    assert _recent(status["last_backup"])
    service = health["queue_service"]
    assert service["url"] == live.tasks and service["healthy"] is True
    assert service["stats"]["completed_tasks"] == 1 and _recent(service["stats"]["last_backup"])
    assert tasks_health["status"] == "healthy" and tasks_health["timestamp"]
    assert tasks_health["queue_stats"]["completed_tasks"] == 1
    assert config["service_type"] == "tasks" and config["listeners"] == live.urls


def test_without_a_journal_nothing_was_made_durable(live) -> None:
    with live.client() as queue:
        assert queue.get("/queue/status").json()["last_backup"] is None
        assert queue.get("/health").json()["queue_service"]["stats"]["last_backup"] is None


@pytest.mark.redis
def test_last_backup_is_the_last_save_redis_reports(
    make_server, redis_server, redis_prefix: str, jfk: str
) -> None:
    import redis as redis_client

    from harness import defaults

    options = defaults.redis_options(redis_server.url, redis_prefix)
    live = make_server(durable=True, redis=options, redis_url=redis_server.url)
    client = redis_client.Redis.from_url(redis_server.url)
    client.save()
    saved = client.info("persistence")["rdb_last_save_time"]
    client.close()
    with live.client() as queue:
        status = queue.get("/queue/status").json()
        health = queue.get("/health").json()
    with live.client("tasks") as tasks:
        stats = tasks.get("/stats").json()
    expected = datetime.fromtimestamp(saved, tz=UTC).isoformat()
    assert status["backend"] == "redis" and status["last_backup"] == expected
    assert stats["last_backup"] == expected and stats["redis_connected"] is True
    assert health["queue_service"]["healthy"] is True


@pytest.mark.redis
def test_the_queue_card_sees_redis_go_away(make_server, tmp_path: Path, jfk: str) -> None:
    from harness import defaults
    from harness.redis_server import RedisServer

    own = RedisServer(tmp_path / "redis").start()  # this test kills it
    try:
        options = defaults.redis_options(own.url, "away:")
        live = make_server(durable=True, redis=options, redis_url=own.url)
        with live.client() as queue:
            assert queue.get("/health").json()["queue_service"]["healthy"] is True
            own.kill()

            def lost() -> dict | None:
                health = queue.get("/health").json()
                return None if health["queue_service"]["healthy"] else health

            health = until(lost, 30, "Redis's loss to show")
            local = upload(queue, jfk).json()["task_id"]  # into the local, journaled stack
            status = queue.get("/queue/status").json()
        with live.client("tasks") as tasks:
            assert tasks.get(f"/tasks/{local}").status_code == 200
            listing = tasks.get("/tasks")  # a page without Redis's tasks would mislead
            assert listing.status_code == 503 and "retry-after" in listing.headers
        assert health["redis_connected"] is False and health["status"] == "degraded"
        assert health["queue_service"]["stats"]["redis_connected"] is False
        assert _recent(status["last_backup"])  # the local journal's last write
    finally:
        own.stop()


def test_the_same_security_as_the_other_listeners(make_server, jfk: str) -> None:
    live = make_server(api_key="s3cret")
    good = {"Authorization": "Bearer s3cret"}
    with live.client("tasks") as tasks:
        assert tasks.get("/health").status_code == 200
        for method, path in [
            ("GET", "/tasks"),
            ("GET", "/tasks/x"),
            ("DELETE", "/tasks/x"),
            ("GET", "/stats"),
            ("GET", "/config"),
            ("POST", "/tasks/transcription"),
            ("POST", "/tasks/risk-detection"),
        ]:
            refused = tasks.request(method, path)
            assert refused.status_code == 401 and "Bearer" in refused.json()["detail"], path
        assert tasks.get("/stats", headers=good).status_code == 200
        with open(jfk, "rb") as fh:
            sent = tasks.post("/tasks/transcription", headers=good, files={"file": fh})
        assert sent.status_code == 200, sent.text
        assert "s3cret" not in tasks.get("/config", headers=good).text
        preflight = {"Access-Control-Request-Method": "POST"}
        allowed = tasks.options(
            "/tasks/transcription", headers={"Origin": "http://localhost:3000", **preflight}
        )
        assert allowed.headers["access-control-allow-origin"] == "http://localhost:3000"
        denied = tasks.options(
            "/tasks/transcription", headers={"Origin": "http://evil.example", **preflight}
        )
        assert "access-control-allow-origin" not in denied.headers
