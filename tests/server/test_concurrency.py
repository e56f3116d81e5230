"""Many clients at once: nothing lost, nothing hung."""

from __future__ import annotations

import concurrent.futures

from tests.conftest import PHRASE, phrases
from tests.server.conftest import upload, wait_final


def test_twenty_clients_upload_at_once(live, shared_audio) -> None:
    clips = [
        shared_audio / "jfk.flac",
        shared_audio / "hotwords.mp3",
        shared_audio / "stereo_diarization.wav",
    ]

    def one(i: int) -> dict:
        with live.client() as client:
            response = upload(client, clips[i % 3], f"client-{i}.wav", priority=i % 3)
            assert response.status_code == 200, response.text
            return wait_final(client, response.json()["task_id"], timeout=120)

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        results = list(pool.map(one, range(20)))
    assert [r["status"] for r in results] == ["completed"] * 20
    assert [phrases(r["result"]["text"]) > 0 for r in results] == [True] * 20
    # The same clip says the same, whichever client sent it and however busy the engine.
    for i in range(3):
        assert len({r["result"]["text"] for r in results[i::3]}) == 1
    assert sorted(r["filename"] for r in results) == sorted(f"client-{i}.wav" for i in range(20))
    with live.client() as client:
        status = client.get("/queue/status").json()
    assert status["completed_tasks"] == 20 and status["queue_size"] == 0
    assert list(live.uploads.iterdir()) == []


def test_direct_and_queue_clients_together(live, jfk: str) -> None:
    def direct(_: int) -> str:
        with live.client("direct") as client:
            return upload(client, jfk).json()["text"]

    def queued(_: int) -> str:
        with live.client() as client:
            task_id = upload(client, jfk).json()["task_id"]
            return wait_final(client, task_id)["result"]["text"]

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        texts = list(pool.map(lambda i: (direct if i % 2 else queued)(i), range(10)))
    assert texts == [PHRASE] * 10
