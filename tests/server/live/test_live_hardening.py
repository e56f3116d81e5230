"""Live streams that cannot be abused: floods, idle sockets and wrong JSON types.

Real servers on free ports with the generated model (what it says does not matter here).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from harness import live_client
from harness.waits import until

FLOOD_SECONDS = 12.0  # wall seconds each flooding client keeps sending
FLOOD_AUDIO = 90 * 60  # seconds of audio each would send, unchecked (the 90 minutes)


@pytest.fixture(scope="module")
def jfk_pcm(jfk: str) -> bytes:
    return live_client.pcm16(jfk)


def _ws(live) -> str:
    return live.direct.replace("http://", "ws://")


def _rss_mb() -> float:
    """This process's resident memory (the server runs in it), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


async def _frames(url: str, *sent: str | bytes) -> tuple[list[dict], int | None]:
    """Send ``sent``, then every frame until the server closes, and its close code."""
    frames = []
    async with websockets.connect(url, close_timeout=2) as ws:
        for message in sent:
            await ws.send(message)
        with contextlib.suppress(websockets.ConnectionClosed):
            async for message in ws:
                frames.append(json.loads(message))
    return frames, ws.close_code


STOP = json.dumps({"type": "stop"})
BAD_STARTS: tuple[tuple[str | dict[str, Any], str], ...] = (
    ('{"type": "start", "sample_rate": Infinity}', "sample_rate must be"),
    ({"type": "start", "sample_rate": [16000]}, "sample_rate must be"),
    ({"type": "start", "sample_rate": "fast"}, "sample_rate must be"),
    ({"type": "start", "language": 123}, "language must be a string"),
    ({"type": "start", "initial_prompt": {}}, "initial_prompt must be a string"),
    ({"type": "start", "task": ["transcribe"]}, "task must be a string"),
    ({"type": "start", "format": 1}, "format must be"),
    ("[" * 100_000 + "]" * 100_000, "first frame must be JSON"),
)


def test_ws_live_start_of_wrong_types_gets_the_error_frame(live) -> None:
    for start, detail in BAD_STARTS:
        text = start if isinstance(start, str) else json.dumps(start)
        frames, code = asyncio.run(_frames(f"{_ws(live)}/ws/live", text))
        assert frames and frames[-1]["type"] == "error", (start, frames)
        assert detail in frames[-1]["detail"], (start, frames)
        assert code == 1008, start
    # ... and the server goes on: a good stream still works.
    frames, code = asyncio.run(_frames(f"{_ws(live)}/ws/live", '{"type": "start"}', STOP))
    assert frames[-1]["type"] == "done" and code == 1000


def test_realtime_events_of_wrong_types_get_error_events_and_the_session_goes_on(live) -> None:
    url = f"{_ws(live)}/v1/realtime?intent=transcription"
    bad = [
        {"type": "session.update", "session": {"audio": {"input": {"format": {"rate": "abc"}}}}},
        {"type": "session.update", "session": {"audio": {"input": {"format": {"rate": 1e309}}}}},
        {"type": "session.update", "session": {"audio": "pcm"}},
        {"type": "session.update", "session": {"audio": {"input": {"turn_detection": "on"}}}},
        {
            "type": "session.update",
            "session": {"audio": {"input": {"turn_detection": {"silence_duration_ms": "x"}}}},
        },
        {"type": "session.update", "session": {"input_audio_transcription": {"language": 7}}},
        {"type": "input_audio_buffer.append", "audio": 12345},
        {"type": "input_audio_buffer.append", "audio": {"data": "AAAA"}},
    ]

    async def scenario() -> list[dict]:
        out = []
        async with websockets.connect(url, max_size=None) as ws:
            assert json.loads(await ws.recv())["type"] == "session.created"
            for event in [*(json.dumps(e) for e in bad), "[" * 100_000 + "]" * 100_000]:
                await ws.send(event)
                out.append(json.loads(await ws.recv()))
            await ws.send(json.dumps({"type": "input_audio_buffer.commit"}))
            out.append(json.loads(await ws.recv()))  # the session still answers
        return out

    *errors, still = asyncio.run(scenario())
    for event in errors:
        assert event["type"] == "error", event
        assert event["error"]["type"] == "invalid_request_error", event
        assert event["error"]["message"]
    assert "rate" in errors[0]["error"]["message"] and "rate" in errors[1]["error"]["message"]
    assert errors[-1]["error"]["code"] == "invalid_json"
    assert still["error"]["code"] == "input_audio_buffer_commit_empty"


def test_an_idle_stream_ends_with_1008_and_frees_its_slot(make_server, jfk_pcm: bytes) -> None:
    live = make_server(live_idle_seconds=1, live_max_streams=1)
    base = _ws(live)

    async def scenario() -> tuple[Any, ...]:
        # A stream that sends start and nothing else; then one that sends a little audio.
        idle = await _frames(f"{base}/ws/live", json.dumps({"type": "start"}))
        heard = await _frames(
            f"{base}/ws/live", json.dumps({"type": "start"}), jfk_pcm[: 16000 * 2 * 3]
        )
        realtime = await _frames(f"{base}/v1/realtime?intent=transcription")
        # The slot is free again: a whole stream goes through.
        run = await live_client.ws_live(f"{base}/ws/live", jfk_pcm, speed=0)
        return idle, heard, realtime, run

    (idle, idle_code), (heard, heard_code), (realtime, rt_code), run = asyncio.run(scenario())
    assert idle[-1]["type"] == "error" and "LIVE_IDLE_SECONDS" in idle[-1]["detail"]
    assert idle_code == 1008
    # Audio, then silence from the client: ended once the engine's text for it is out.
    assert heard[-1]["type"] == "error" and "LIVE_IDLE_SECONDS" in heard[-1]["detail"]
    assert heard_code == 1008
    assert realtime[0]["type"] == "session.created"
    assert realtime[-1]["type"] == "error" and realtime[-1]["error"]["code"] == "idle_timeout"
    assert rt_code == 1008
    assert run.of("done") and "error" not in [f["type"] for _, f in run.frames]


async def _flood_ws_live(url: str, chunk: bytes) -> tuple[float, int | None]:
    """Send audio as fast as the server takes it, for FLOOD_SECONDS; seconds of it sent."""
    sent = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + FLOOD_SECONDS
    async with websockets.connect(url, close_timeout=1) as ws:
        await ws.send(json.dumps({"type": "start"}))
        with contextlib.suppress(TimeoutError, websockets.ConnectionClosed):
            while sent < FLOOD_AUDIO * 32000 and loop.time() < deadline:
                await asyncio.wait_for(ws.send(chunk), deadline - loop.time())
                sent += len(chunk)
        ws.transport.abort()  # the client vanishes mid-stream
    return sent / 32000, ws.close_code


async def _flood_realtime(url: str, chunk24: bytes) -> tuple[float, int | None]:
    sent = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + FLOOD_SECONDS
    event = json.dumps(
        {"type": "input_audio_buffer.append", "audio": base64.b64encode(chunk24).decode()}
    )
    async with websockets.connect(url, close_timeout=1, max_size=None) as ws:
        with contextlib.suppress(TimeoutError, websockets.ConnectionClosed):
            while sent < FLOOD_AUDIO * 48000 and loop.time() < deadline:
                await asyncio.wait_for(ws.send(event), deadline - loop.time())
                sent += len(chunk24)
        ws.transport.abort()
    return sent / 48000, ws.close_code


def test_four_streams_flooding_audio_are_held_back_and_health_answers(
    make_server, jfk_pcm: bytes, jfk: str
) -> None:
    """Four clients send 90 minutes of audio each as fast as they can (three /ws/live, one
    /v1/realtime): the server holds them back, its memory stays flat, /health answers."""
    live = make_server()
    chunk = (jfk_pcm * 2)[: 64 * 1024]  # 2 s of speech per frame
    chunk24 = live_client.pcm16(jfk, rate=24000)[: 96 * 1024]
    base = _ws(live)
    before = _rss_mb()
    answers: list[int] = []
    peak = [before]

    async def poll_health(stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(base_url=live.direct, timeout=10) as client:
            while not stop.is_set():
                answers.append((await client.get("/health")).status_code)
                peak[0] = max(peak[0], _rss_mb())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.5)

    async def scenario() -> list[tuple[float, int | None]]:
        stop = asyncio.Event()
        poller = asyncio.ensure_future(poll_health(stop))
        floods = [_flood_ws_live(f"{base}/ws/live", chunk) for _ in range(3)]
        floods.append(_flood_realtime(f"{base}/v1/realtime?intent=transcription", chunk24))
        try:
            return list(await asyncio.gather(*floods))
        finally:
            stop.set()
            await poller

    outcomes = asyncio.run(scenario())
    assert len(answers) >= FLOOD_SECONDS and set(answers) == {200}, answers
    for seconds, code in outcomes:
        # Held back: far less than the 90 minutes went out (or the stream was ended, 1008).
        assert seconds < FLOOD_AUDIO / 2 or code == 1008, (seconds, code)
        assert code in (None, 1006, 1008), code
    assert peak[0] - before < 150, f"the server grew from {before:.0f} to {peak[0]:.0f} MB"
    # The vanished clients' slots come free, and a new stream goes through.
    hub = live.runtime.service.live
    assert hub is not None
    until(lambda: hub.count() == 0, 60, "the flooding streams to be closed")
    run = asyncio.run(live_client.ws_live(f"{base}/ws/live", jfk_pcm, speed=0))
    assert run.of("done")
