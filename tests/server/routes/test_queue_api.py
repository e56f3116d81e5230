"""The queue listener end to end on real audio, as the existing frontend uses it."""

from __future__ import annotations

import json

import pytest

from harness.waits import task_status
from tests.conftest import PHRASE
from tests.server.conftest import upload, wait_final


def test_submit_poll_and_read_the_result(live, jfk: str) -> None:
    with live.client() as client:
        response = upload(client, jfk)
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "queued" and body["queue_position"] == 1
        assert body["message"] and body["task_id"]
        done = wait_final(client, body["task_id"])
        assert done["status"] == "completed" and done["progress"] == 1.0
        assert done["filename"] == "jfk.flac" and done["duration"] == pytest.approx(11.0)
        for key in ("created_at", "started_at", "completed_at"):
            assert done[key] and done[key].endswith("+00:00")
        result = done["result"]
        assert result["text"] == PHRASE and result["language"] == "en"
        segment = result["segments"][0]
        assert {
            "id",
            "seek",
            "start",
            "end",
            "text",
            "tokens",
            "temperature",
            "avg_logprob",
            "compression_ratio",
            "no_speech_prob",
            "confidence",
            "words",
        } <= set(segment)
        assert {"text", "start", "end", "confidence"} == set(segment["words"][0])
        srt = client.get(f"/task/{body['task_id']}/result", params={"response_format": "srt"})
        assert srt.headers["content-type"].startswith("application/x-subrip")
        assert srt.text.startswith("1\n00:00:00,000 --> ")
        vtt = client.get(f"/task/{body['task_id']}/result?response_format=vtt")
        assert vtt.text.startswith("WEBVTT")
    assert list(live.uploads.iterdir()) == []  # the upload is deleted once the task ends


def test_lifo_order_of_execution_under_load(live, long_audio: str, jfk: str) -> None:
    with live.client() as client:
        blocker = upload(client, long_audio, "blocker.flac").json()["task_id"]
        task_status(client, blocker, "processing")
        ids = [upload(client, jfk, f"clip{i}.flac").json()["task_id"] for i in range(4)]
        urgent = upload(client, jfk, "urgent.flac", priority=5).json()["task_id"]
        newest = upload(client, jfk, "newest.flac").json()["task_id"]
        positions = {
            t: client.get(f"/task/{t}").json()["queue_position"] for t in [*ids, urgent, newest]
        }
        assert positions[urgent] == 1 and positions[newest] == 2
        assert [positions[t] for t in reversed(ids)] == [3, 4, 5, 6]
        client.delete(f"/task/{blocker}")
        started = {}
        for task_id in [*ids, urgent, newest]:
            done = wait_final(client, task_id)
            assert done["status"] == "completed"
            started[task_id] = done["started_at"]
        order = sorted(started, key=lambda t: started[t])
        assert order == [urgent, newest, *reversed(ids)]


def test_cancel_queued_running_twice_and_finished(live, long_audio: str, jfk: str) -> None:
    with live.client() as client:
        running = upload(client, long_audio, "long.flac").json()["task_id"]
        task_status(client, running, "processing")
        queued = upload(client, jfk).json()["task_id"]
        gone = client.delete(f"/task/{queued}")
        assert gone.status_code == 200 and gone.json()["status"] == "cancelled"
        assert client.delete(f"/task/{queued}").status_code == 409
        first = client.delete(f"/task/{running}")
        assert first.status_code == 200 and "next segment" in first.json()["message"]
        assert wait_final(client, running)["status"] == "cancelled"
        again = client.delete(f"/task/{running}")
        assert again.status_code == 409 and "already cancelled" in again.json()["detail"]
        finished = upload(client, jfk).json()["task_id"]
        assert wait_final(client, finished)["status"] == "completed"
        late = client.delete(f"/task/{finished}")
        assert late.status_code == 409 and late.json() == {"detail": late.json()["detail"]}


def test_cancel_while_the_task_starts_always_ends_cancelled(live, ten_minutes: str) -> None:
    with live.client() as client:
        for _ in range(8):
            task_id = upload(client, ten_minutes).json()["task_id"]
            assert client.delete(f"/task/{task_id}").status_code == 200
            assert wait_final(client, task_id)["status"] == "cancelled"


def test_listing_and_queue_status(live, jfk: str) -> None:
    with live.client() as client:
        ids = [upload(client, jfk, f"{i}.flac").json()["task_id"] for i in range(3)]
        for task_id in ids:
            wait_final(client, task_id)
        listing = client.get("/tasks", params={"limit": 2}).json()
        assert listing["count"] == 2 and [t["task_id"] for t in listing["tasks"]] == ids[:0:-1]
        assert all(t["result"] is None for t in listing["tasks"])
        full = client.get("/tasks?status=completed&include_results=true").json()
        assert full["count"] == 3 and full["tasks"][0]["result"]["text"] == PHRASE
        assert client.get("/tasks?status=queued").json()["count"] == 0
        assert client.get("/tasks?status=done").status_code == 422
        status = client.get("/queue/status").json()
        assert status["completed_tasks"] == 3 and status["total_tasks"] == 3
        assert status["queue_size"] == 0 and status["backend"] == "memory"
        assert status["redis_connected"] is False and status["uptime_seconds"] >= 0
        health = client.get("/health").json()
        assert health["status"] == "healthy" and health["model_loaded"] and health["engine_alive"]
        assert health["backend"] == "memory" and health["device"] == "cpu"
        config = client.get("/config").json()
        assert config["service_type"] == "queue"
        assert "api_key" in config["settings"] and config["settings"]["api_key"] == ""


def test_the_api_is_described(live) -> None:
    with live.client() as client:
        spec = client.get("/openapi.json").json()
    assert {"/transcribe/", "/task/{task_id}", "/tasks", "/queue/status", "/health"} <= set(
        spec["paths"]
    )
    json.dumps(spec)
