"""WebSocket updates as API.md describes them, to one subscriber and to many."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from websockets.typing import Origin

from harness.waits import task_status
from tests.conftest import PHRASE, phrases
from tests.server.conftest import upload, wait_final


async def frames_until_final(
    url: str, headers: dict | None = None, first: asyncio.Event | None = None
) -> list[dict]:
    """Every frame up to the final one; ``first`` is set once the first has come."""
    frames = []
    async with websockets.connect(url, additional_headers=headers) as ws:
        while True:
            message = await asyncio.wait_for(ws.recv(), 60)
            assert isinstance(message, str)  # JSON text frames only
            frame = json.loads(message)
            frames.append(frame)
            if first is not None:
                first.set()
            if frame.get("type") == "task_update" and frame["data"]["status"] in (
                "completed",
                "failed",
                "cancelled",
            ):
                return frames


def test_updates_to_completion_for_several_subscribers(live, shared_audio) -> None:
    with live.client() as client:
        task_id = upload(client, shared_audio / "seed_sample_th.mp3").json()["task_id"]

    async def main() -> list[list[dict]]:
        url = f"{live.ws}/ws/{task_id}"
        return await asyncio.gather(*(frames_until_final(url) for _ in range(3)))

    for frames in asyncio.run(main()):
        first, last = frames[0], frames[-1]
        assert first["type"] == "task_update" and first["task_id"] == task_id
        assert set(first["data"]) >= {"status", "progress", "message", "queue_position"}
        assert last["data"]["status"] == "completed" and last["data"]["progress"] == 1.0
        assert phrases(last["data"]["result"]["text"]) >= 2
        progress = [f["data"]["progress"] for f in frames]
        assert progress == sorted(progress)


def test_the_first_frame_is_the_current_state_and_ping_is_answered(live, jfk: str) -> None:
    with live.client() as client:
        task_id = upload(client, jfk).json()["task_id"]
        from tests.server.conftest import wait_final

        wait_final(client, task_id)

    async def main() -> tuple[dict, dict]:
        async with websockets.connect(f"{live.ws}/ws/{task_id}") as ws:
            first = json.loads(await ws.recv())
            await ws.send("ping")
            pong = json.loads(await asyncio.wait_for(ws.recv(), 5))
            await ws.send("ping")
            again = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert again == pong
            return first, pong

    first, pong = asyncio.run(main())
    assert first["data"]["status"] == "completed" and first["data"]["result"]["text"] == PHRASE
    assert pong == {"type": "pong"}


def test_queue_position_changes_are_sent(live, long_audio: str, jfk: str) -> None:
    with live.client() as client:
        blocker = upload(client, long_audio).json()["task_id"]
        waiting = upload(client, jfk).json()["task_id"]

        async def main() -> list[dict]:
            async with websockets.connect(f"{live.ws}/ws/{waiting}") as ws:
                frames = [json.loads(await ws.recv())]
                upload(client, jfk)  # a newer task goes first: ours moves back
                frames.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
                return frames

        frames = asyncio.run(main())
        client.delete(f"/task/{blocker}")
    assert frames[0]["data"]["queue_position"] == 1
    assert frames[1]["data"]["queue_position"] == 2


def test_unknown_task_gets_one_error_frame_then_close(live) -> None:
    async def main() -> tuple[dict, int | None]:
        async with websockets.connect(f"{live.ws}/ws/nope") as ws:
            frame = json.loads(await ws.recv())
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            return frame, ws.close_code

    frame, code = asyncio.run(main())
    assert frame["type"] == "error" and "not found" in frame["message"]
    assert code == 1000


def test_origins_are_checked(live, jfk: str) -> None:
    with live.client() as client:
        task_id = upload(client, jfk).json()["task_id"]
    url = f"{live.ws}/ws/{task_id}"

    async def connect(origin: str) -> dict:
        async with websockets.connect(url, origin=Origin(origin)) as ws:
            return json.loads(await ws.recv())

    assert asyncio.run(connect("http://localhost:3000"))["type"] == "task_update"
    with pytest.raises(websockets.InvalidStatus) as info:
        asyncio.run(connect("http://evil.example"))
    assert info.value.response.status_code == 403


def test_fifty_subscribers_all_see_the_end(live, long_audio, shared_audio) -> None:
    with live.client() as client:
        # The task waits behind a blocker until all fifty have subscribed.
        blocker = upload(client, long_audio).json()["task_id"]
        task_status(client, blocker, "processing")
        task_id = upload(client, shared_audio / "multilingual.mp3").json()["task_id"]

        async def main() -> list[list[dict]]:
            url = f"{live.ws}/ws/{task_id}"
            firsts = [asyncio.Event() for _ in range(50)]
            followers = [asyncio.create_task(frames_until_final(url, first=f)) for f in firsts]
            await asyncio.wait_for(asyncio.gather(*(f.wait() for f in firsts)), 60)
            await asyncio.to_thread(client.delete, f"/task/{blocker}")
            return await asyncio.gather(*followers)

        results = asyncio.run(main())
        assert wait_final(client, blocker)["status"] == "cancelled"
        text = client.get(f"/task/{task_id}").json()["result"]["text"]
    assert len(results) == 50
    assert [frames[0]["data"]["status"] for frames in results] == ["queued"] * 50
    assert [frames[-1]["data"]["status"] for frames in results] == ["completed"] * 50
    assert [frames[-1]["data"]["result"]["text"] for frames in results] == [text] * 50
    assert text == " ".join([PHRASE] * text.count(PHRASE)) and text.count(PHRASE) >= 2
