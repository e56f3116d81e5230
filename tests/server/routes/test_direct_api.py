"""The direct listener: the answer in the response, never behind the queue."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from engine.task import TaskStatus
from harness.waits import until
from tests.conftest import PHRASE
from tests.engine.process.test_direct_first import Timeline
from tests.server.conftest import upload


@pytest.mark.parametrize(
    ("fmt", "check"),
    [
        ("json", lambda r: r.json()["segments"][0]["words"][0]["text"] == " Ask"),
        ("verbose_json", lambda r: r.json()["language"] == "english"),
        ("text", lambda r: r.text.strip() == PHRASE),
        ("srt", lambda r: r.text.startswith("1\n00:00:00,000 --> ")),
        ("vtt", lambda r: r.text.startswith("WEBVTT")),
        ("tsv", lambda r: r.text.splitlines()[0] == "start\tend\ttext"),
    ],
)
def test_every_format(live, jfk: str, fmt: str, check) -> None:
    with live.client("direct") as client:
        response = upload(client, jfk, response_format=fmt)
    assert response.status_code == 200, response.text
    assert check(response)


def test_query_parameters_work_like_form_fields(live, jfk: str) -> None:
    with live.client("direct") as client, open(jfk, "rb") as fh:
        response = client.post(
            "/transcribe/?language=th&word_timestamps=false", files={"file": ("jfk.flac", fh)}
        )
    body = response.json()
    assert body["language"] == "th" and body["segments"][0]["words"] == []


def test_direct_never_waits_behind_the_queue(
    live, long_audio: str, ten_minutes: str, jfk: str
) -> None:
    service = live.runtime.service
    queued, direct_lane = Timeline(service), Timeline(service, direct=True)
    with live.client() as queue:
        running = upload(queue, long_audio).json()["task_id"]
        until(lambda: queue.get(f"/task/{running}").json()["progress"] > 0, 60, "the hour")
        waiting = [upload(queue, long_audio).json()["task_id"] for _ in range(2)]
        with live.client("direct") as direct:
            answer = upload(direct, ten_minutes)
        assert answer.status_code == 200
        text = answer.json()["text"]
        assert text == " ".join([PHRASE] * text.count(PHRASE)) and text.count(PHRASE) >= 10
        # The queued hour paused while the ten minutes were decoded: at most the batch it
        # had in flight (two 30-second windows on a CPU) went on meanwhile.
        (request,) = {e.task_id for _, e in direct_lane.events}
        start = min(t for t, e in direct_lane.of(request) if e.status == TaskStatus.PROCESSING)
        end = direct_lane.of(request)[-1][0]
        during = [e.progress for t, e in queued.of(running) if start < t < end]
        span = max(during) - min(during) if during else 0.0
        assert span * 3600 <= 2 * 30 + 5, during
        assert queue.get(f"/task/{running}").json()["status"] == "processing"
        for task_id in [running, *waiting]:
            queue.delete(f"/task/{task_id}")


def test_a_client_that_leaves_cancels_its_transcription(live, long_audio: str) -> None:
    direct = live.runtime.service.direct

    def leave_early() -> None:
        timeout = httpx.Timeout(60, read=1.5)
        with live.client("direct", timeout=timeout) as client, pytest.raises(httpx.ReadTimeout):
            upload(client, long_audio)

    leaver = threading.Thread(target=leave_early)
    leaver.start()
    leaver.join(30)

    def ended() -> list | None:
        tasks = direct.list()
        return tasks if tasks and tasks[0].status.is_final else None

    tasks = until(ended, 30, "the task to end")
    assert tasks[0].status == TaskStatus.CANCELLED
    assert tasks[0].progress < 1.0
    assert list(live.uploads.iterdir()) == []


def test_health_and_config_on_the_direct_listener(live) -> None:
    with live.client("direct") as client:
        assert client.get("/health").json()["status"] == "healthy"
        config = client.get("/config").json()
    assert config["service_type"] == "direct"
    json.dumps(config)
