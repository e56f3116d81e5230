"""Live transcription's machinery over both protocols: security, limits, errors, shapes.

These use the generated model (it says one phrase per window, whatever it hears): enough
to see frames flow and limits hold. What the text is worth is in test_live_quality.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

import pytest
import websockets

from harness import live_client


@pytest.fixture(scope="module")
def jfk_pcm(jfk: str) -> bytes:
    return live_client.pcm16(jfk)


def _ws(live) -> str:
    return live.direct.replace("http://", "ws://")


async def _frames(url: str, first: str | bytes | None, **connect: Any) -> list[dict]:
    frames = []
    async with websockets.connect(url, **connect) as ws:
        if first is not None:
            await ws.send(first)
        with contextlib.suppress(websockets.ConnectionClosedError):  # closed with an error code
            async for message in ws:
                frames.append(json.loads(message))
    return frames


def test_ws_live_streams_partials_finals_and_done(live, jfk_pcm: bytes) -> None:
    run = asyncio.run(live_client.ws_live(f"{_ws(live)}/ws/live", jfk_pcm, speed=0))
    kinds = [f["type"] for _, f in run.frames]
    assert kinds[-1] == "done" and "error" not in kinds
    finals = run.of("final")
    assert finals, kinds
    result = run.of("done")[0]["result"]
    assert [s["text"] for s in result["segments"]] == [f["segment"]["text"] for f in finals]
    assert [s["id"] for s in result["segments"]] == list(range(len(finals)))
    assert result["duration"] == pytest.approx(len(jfk_pcm) / 32000, abs=0.05)
    words = [w for s in result["segments"] for w in s["words"]]
    assert words and all(0 <= w["start"] <= w["end"] <= result["duration"] for w in words)
    # How far behind the voice: when each final's audio reached the server, and the lag since.
    offset = time.time() - time.monotonic()  # the server shares this machine's clock
    for received, final in [(t, f) for t, f in run.frames if f["type"] == "final"]:
        audio_end = final["audio_end_at"] - offset
        assert run.started - 0.01 <= audio_end <= received + 0.01
        assert 0 <= final["lag"] <= received - audio_end + 0.01
    assert all(p["lag"] >= 0 for p in run.of("partial"))


def test_ws_live_takes_float32_at_another_rate(live, jfk: str) -> None:
    import numpy as np

    pcm = np.frombuffer(live_client.pcm16(jfk, rate=48000), "<i2").astype("<f4") / 32768
    run = asyncio.run(
        live_client.ws_live(
            f"{_ws(live)}/ws/live",
            pcm.tobytes(),
            speed=0,
            start={"sample_rate": 48000, "format": "float32"},
        )
    )
    result = run.of("done")[0]["result"]
    assert result["duration"] == pytest.approx(11.0, abs=0.2)


@pytest.mark.parametrize(
    "first, detail",
    [
        (b"\x00\x01", "first frame must be JSON"),
        (json.dumps({"type": "begin"}), "first frame must be JSON"),
        (json.dumps({"type": "start", "format": "mp3"}), "format must be one of"),
        (json.dumps({"type": "start", "language": "klingon"}), "Unknown language"),
        (json.dumps({"type": "start", "sample_rate": 10}), "sample_rate must be between"),
    ],
)
def test_ws_live_refuses_a_bad_start_with_an_error_frame(live, first, detail) -> None:
    frames = asyncio.run(_frames(f"{_ws(live)}/ws/live", first))
    assert frames[-1]["type"] == "error" and detail in frames[-1]["detail"], frames


def test_live_needs_the_key_and_an_allowed_origin(make_server) -> None:
    live = make_server(api_key="s3cret")
    start = json.dumps({"type": "start"})
    for path in ("/ws/live", "/v1/realtime?intent=transcription"):
        url = f"{_ws(live)}{path}"
        with pytest.raises(websockets.InvalidStatus):
            asyncio.run(_frames(url, start))
        sep = "&" if "?" in path else "?"
        with pytest.raises(websockets.InvalidStatus):
            asyncio.run(_frames(f"{url}{sep}token=s3cret", start, origin="http://evil.example"))

    async def opened(url: str, **connect: Any) -> str:
        async with websockets.connect(url, **connect) as ws:
            if "realtime" in url:
                return json.loads(await ws.recv())["type"]
            await ws.send(json.dumps({"type": "stop"}))
            return json.loads(await ws.recv())["type"]

    base = _ws(live)
    assert asyncio.run(opened(f"{base}/v1/realtime?intent=transcription&token=s3cret")) == (
        "session.created"
    )
    bearer = {"Authorization": "Bearer s3cret"}
    assert asyncio.run(opened(f"{base}/v1/realtime", additional_headers=bearer)) == (
        "session.created"
    )
    # A stop straight after the start is an empty stream: done, with nothing in it.
    assert asyncio.run(_first_after_start(f"{base}/ws/live?token=s3cret")) == "done"
    assert (
        asyncio.run(
            _first_after_start(
                f"{base}/ws/live", origin="http://localhost:3000", **{"additional_headers": bearer}
            )
        )
        == "done"
    )


async def _drain(ws: websockets.ClientConnection) -> list[dict]:
    frames = []
    with contextlib.suppress(websockets.ConnectionClosedError):
        async for message in ws:
            frames.append(json.loads(message))
    return frames


async def _first_after_start(url: str, **connect: Any) -> str:
    async with websockets.connect(url, **connect) as ws:
        await ws.send(json.dumps({"type": "start"}))
        await ws.send(json.dumps({"type": "stop"}))
        return json.loads(await ws.recv())["type"]


def test_live_limits_frames_streams_and_length(make_server, jfk_pcm: bytes) -> None:
    live = make_server(live_max_frame_kb=1, live_max_streams=1, live_max_minutes=0.1)
    url = f"{_ws(live)}/ws/live"

    async def scenario() -> tuple[list[dict], list[dict], list[dict], list[dict]]:
        async with websockets.connect(url) as first:
            await first.send(json.dumps({"type": "start"}))
            await asyncio.sleep(0.2)
            crowded = await _frames(url, json.dumps({"type": "start"}))
            realtime = await _frames(f"{_ws(live)}/v1/realtime?intent=transcription", None)
            await first.send(b"\x00" * 2048)
            big = await _drain(first)
        async with websockets.connect(url) as second:
            await second.send(json.dumps({"type": "start"}))
            with contextlib.suppress(websockets.ConnectionClosed):  # closed past the limit
                for offset in range(0, len(jfk_pcm), 1000):
                    await second.send(jfk_pcm[offset : offset + 1000])
                    await asyncio.sleep(0.001)
            long = await _drain(second)
        return crowded, realtime, big, long

    crowded, realtime, big, long = asyncio.run(scenario())
    assert crowded[-1]["type"] == "error" and "LIVE_MAX_STREAMS" in crowded[-1]["detail"]
    assert (
        realtime[-1]["type"] == "error" and "LIVE_MAX_STREAMS" in realtime[-1]["error"]["message"]
    )
    assert big[-1]["type"] == "error" and "LIVE_MAX_FRAME_KB" in big[-1]["detail"]
    assert long[-1]["type"] == "error" and "LIVE_MAX_SECONDS" in long[-1]["detail"]


def test_realtime_session_and_protocol_errors(live) -> None:
    url = f"{_ws(live)}/v1/realtime?intent=transcription"

    async def scenario() -> list[dict]:
        out = []
        async with websockets.connect(url) as ws:
            out.append(json.loads(await ws.recv()))
            update = {
                "type": "session.update",
                "session": {
                    "type": "transcription",
                    "audio": {"input": {"format": {"type": "audio/pcm", "rate": 24000},
                                        "transcription": {"model": "whisper-1", "language": "en"},
                                        "turn_detection": None}},
                },
            }  # fmt: skip
            for event in (
                update,
                {"type": "input_audio_buffer.commit"},
                {"type": "response.create"},
                {"type": "input_audio_buffer.append", "audio": "not base64!"},
                {"type": "session.update", "session": {"type": "realtime"}},
            ):
                await ws.send(json.dumps(event))
                out.append(json.loads(await ws.recv()))
        return out

    created, updated, empty, unknown, bad_audio, realtime = asyncio.run(scenario())
    assert created["type"] == "session.created"
    assert created["session"]["type"] == "transcription"
    assert created["session"]["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert updated["type"] == "session.updated"
    assert updated["session"]["audio"]["input"]["turn_detection"] is None
    assert updated["session"]["audio"]["input"]["transcription"]["language"] == "en"
    assert empty["type"] == "error"
    assert empty["error"]["code"] == "input_audio_buffer_commit_empty"
    for event in (unknown, bad_audio, realtime):
        assert event["type"] == "error" and event["error"]["message"], event
        assert event["error"]["type"] == "invalid_request_error"
    assert all(e["event_id"].startswith("event_") for e in (created, updated, empty))


def test_realtime_other_intents_are_refused(live) -> None:
    frames = asyncio.run(_frames(f"{_ws(live)}/v1/realtime?intent=conversation", None))
    assert (
        frames[-1]["type"] == "error" and "intent=transcription" in frames[-1]["error"]["message"]
    )


def test_realtime_items_arrive_with_manual_commits(live, jfk: str) -> None:
    pcm24 = live_client.pcm16(jfk, rate=24000)
    session = {"type": "transcription", "audio": {"input": {"turn_detection": None}}}
    run = asyncio.run(
        live_client.realtime(
            f"{_ws(live)}/v1/realtime?intent=transcription", pcm24, speed=0, session=session
        )
    )
    kinds = [f["type"] for _, f in run.frames]
    assert "error" not in kinds, run.frames
    completed = run.of("conversation.item.input_audio_transcription.completed")
    committed = run.of("input_audio_buffer.committed")
    assert len(completed) == len(committed) == 1  # no server VAD: one item, ended by commit
    deltas = run.of("conversation.item.input_audio_transcription.delta")
    assert deltas and all(d["item_id"] == completed[0]["item_id"] for d in deltas)
    assert "".join(d["delta"] for d in deltas).strip() == completed[0]["transcript"]
    assert completed[0]["usage"]["type"] == "duration"


def test_live_streams_leave_the_direct_and_queue_lanes_working(make_server, jfk: str) -> None:
    """Two streams with a minute of audio each in hand; a file on each lane still completes."""
    from tests.server.conftest import upload, wait_final

    live = make_server()
    minute = live_client.pcm16(jfk) * 6
    url = f"{_ws(live)}/ws/live"

    async def streams_and_files() -> tuple[list[live_client.Run], int, dict]:
        runs = [asyncio.ensure_future(live_client.ws_live(url, minute, speed=0)) for _ in range(2)]
        await asyncio.sleep(2)  # both streams have audio waiting in the engine

        def files() -> tuple[int, dict]:
            with live.client("direct") as direct, live.client() as queue:
                task_id = upload(queue, jfk).json()["task_id"]
                answer = upload(direct, jfk)
                return answer.status_code, wait_final(queue, task_id, timeout=120)

        status, queued = await asyncio.to_thread(files)
        return list(await asyncio.gather(*runs)), status, queued

    runs, direct_status, queued = asyncio.run(streams_and_files())
    assert direct_status == 200 and queued["status"] == "completed"
    for run in runs:
        assert run.of("done") and run.of("final")
