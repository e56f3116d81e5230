"""What README.md's "HTTP API" section promises beyond API.md, each held to its words.

These are about the machinery (routes, fields, frames, streaming), so they run on the
generated model and assert shapes and order, not its words.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from harness.waits import until
from tests.server.conftest import upload, wait_final


@pytest.mark.parametrize("listener", ["queue", "direct"])
def test_transcribe_answers_without_the_trailing_slash(live, jfk: str, listener: str) -> None:
    with live.client(listener) as client:
        answer = upload(client, jfk, path_url="/transcribe")
        assert answer.status_code == 200, answer.text  # answered, not redirected
        body = answer.json()
        if listener == "queue":
            assert body["status"] == "queued" and body["filename"] == "jfk.flac"
            assert body["duration"] == pytest.approx(11.0, abs=0.05)
            assert wait_final(client, body["task_id"])["status"] == "completed"
        else:
            assert body["segments"] and body["duration"] == pytest.approx(11.0, abs=0.05)


def test_openai_routes_on_the_queue_listener_and_one_model(live, jfk: str) -> None:
    with live.client("queue") as client:
        listed = client.get("/v1/models").json()
        ids = [m["id"] for m in listed["data"]]
        assert listed["object"] == "list" and ids == ["whisper-1", live.runtime.settings.model]
        one = client.get("/v1/models/whisper-1")
        assert one.status_code == 200 and one.json() == listed["data"][0]
        missing = client.get("/v1/models/gpt-4o")
        assert missing.status_code == 404
        assert missing.json()["error"]["message"] == missing.json()["detail"]
        assert "gpt-4o" in missing.json()["detail"]
        with open(jfk, "rb") as fh:
            text = client.post(
                "/v1/audio/transcriptions",
                files={"file": ("jfk.flac", fh)},
                data={"model": "whisper-1", "response_format": "text"},
            )
        assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
        assert text.text.strip()


def test_a_task_shows_its_message_priority_and_options(live, shared_audio: Path) -> None:
    sent: dict[str, Any] = {
        "language": "en",
        "task": "translate",
        "initial_prompt": "Ask not",
        "beam_size": 2,
        "temperature": 0.2,
        "decode_mode": "sequential",
        "word_timestamps": False,
        "vad_filter": False,
    }
    with live.client() as client:
        task_id = upload(client, shared_audio / "multilingual.mp3", priority=3, **sent).json()[
            "task_id"
        ]
        messages: list[str] = []

        def transcribing() -> bool:
            body = client.get(f"/task/{task_id}").json()
            messages.append(body["message"])
            return body["status"] != "queued" and body["message"].startswith("Transcribing ")

        until(transcribing, what="a 'Transcribing' message")
        body = wait_final(client, task_id)
    # "Transcribing 0:30 of 1:00": minutes:seconds done, of the file's duration.
    assert re.fullmatch(r"Transcribing \d:\d\d of 0:59", messages[-1]), messages[-1]
    assert body["status"] == "completed" and body["priority"] == 3
    assert {k: body["options"][k] for k in sent} == sent
    assert body["attempts"] == 1


def test_server_sent_events_arrive_while_the_transcription_runs(live, ten_minutes: str) -> None:
    """The first delta comes before the task has ended: a stream, not a buffered reply."""
    with httpx.Client(base_url=live.direct, timeout=120) as client, open(ten_minutes, "rb") as fh:
        request = client.build_request(
            "POST",
            "/v1/audio/transcriptions",
            files={"file": ("ten.flac", fh)},
            data={"model": "whisper-1", "stream": "true"},
        )
        response = client.send(request, stream=True)
        try:
            assert response.headers["content-type"].startswith("text/event-stream")
            for line in response.iter_lines():
                if line.startswith("data: "):
                    first = json.loads(line[6:])
                    break
            running = [t for t in live.runtime.service.direct.list(limit=10)]
            assert first["type"] == "transcript.text.delta" and first["delta"].strip()
            assert [t.status.value for t in running] == ["processing"]
        finally:
            response.close()  # the client goes away: the server cancels the rest
    until(lambda: live.runtime.service.direct.list(limit=10)[0].status.value == "cancelled")


async def _frames(url: str) -> list[dict]:
    frames: list[dict] = []
    async with websockets.connect(url, open_timeout=30) as ws:
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=120))
            frames.append(frame)
            if frame["data"]["status"] in ("completed", "failed", "cancelled"):
                return frames


def test_websocket_frames_carry_each_segment_as_it_is_decoded(live, shared_audio: Path) -> None:
    with live.client() as client:
        task_id = upload(client, shared_audio / "multilingual.mp3").json()["task_id"]
    frames = asyncio.run(_frames(f"{live.ws}/ws/{task_id}"))
    segments = [f["data"]["segment"] for f in frames if "segment" in f["data"]]
    result = frames[-1]["data"]["result"]
    assert frames[-1]["data"]["status"] == "completed" and "segment" not in frames[-1]["data"]
    assert segments, "no frame carried a segment"
    # Each segment once, in order, with its text and times as the result has them.
    keys = ("start", "end", "text")
    assert [[s[k] for k in keys] for s in segments] == [
        [s[k] for k in keys] for s in result["segments"]
    ]
    assert all(f["data"]["status"] == "processing" for f in frames if "segment" in f["data"])


def test_websocket_reports_why_a_task_failed(live, ten_minutes: str, jfk: str) -> None:
    with live.client() as client:
        blocker = upload(client, ten_minutes, priority=10).json()["task_id"]
        until(lambda: client.get(f"/task/{blocker}").json()["status"] == "processing")
        before = set(live.uploads.iterdir())
        doomed = upload(client, jfk).json()["task_id"]
        (gone,) = set(live.uploads.iterdir()) - before
        gone.unlink()  # the upload vanishes before the engine reaches it

        async def watch() -> list[dict]:
            async with websockets.connect(f"{live.ws}/ws/{doomed}", open_timeout=30) as ws:
                first = json.loads(await ws.recv())
                assert first["data"]["status"] == "queued"
                assert client.delete(f"/task/{blocker}").status_code == 200
                frames = [first]
                while frames[-1]["data"]["status"] not in ("completed", "failed", "cancelled"):
                    frames.append(json.loads(await asyncio.wait_for(ws.recv(), timeout=120)))
                return frames

        frames = asyncio.run(watch())
        task = client.get(f"/task/{doomed}").json()
    last = frames[-1]["data"]
    assert last["status"] == "failed" and "no longer on disk" in last["error_message"]
    assert last["error_message"] == task["error_message"]
    assert all("error_message" not in f["data"] for f in frames[:-1])
