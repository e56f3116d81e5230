"""Hotwords on every listener and the replacement table in every answer, with tiny.en.

hotwords.mp3 says "... your ComfyUI folder again in the ComfyUI"; tiny.en hears "comfy eye"
unless the request names it. The server's REPLACEMENTS turns "folder" into "directory".
"""

from __future__ import annotations

from pathlib import Path

import openai
import pytest

from tests.server.conftest import upload, wait_final

pytestmark = pytest.mark.timeout(300)
WANTED = "Then you go into your ComfyUI directory again in the ComfyUI"


@pytest.fixture
def served(make_server, tiny_en_model: str):
    return make_server(
        model=tiny_en_model, cpu_threads=2, device="cpu", replacements="folder=directory"
    )


def test_hotwords_on_every_listener(served, shared_audio: Path) -> None:
    audio = shared_audio / "hotwords.mp3"
    with served.client("queue") as queue:
        answer = upload(queue, audio, hotwords="ComfyUI", decode_mode="batched")
        assert answer.status_code == 200, answer.text
        task = wait_final(queue, answer.json()["task_id"])
        assert task["result"]["text"].startswith(WANTED), task
        assert task["options"]["hotwords"] == "ComfyUI"
        srt = queue.get(f"/task/{task['task_id']}/result", params={"response_format": "srt"})
        assert "ComfyUI directory" in srt.text and "folder" not in srt.text
        plain = wait_final(queue, upload(queue, audio).json()["task_id"])  # not told: misheard
        assert "comfy eye directory" in plain["result"]["text"].lower()
    with served.client("direct") as direct:
        vtt = upload(direct, audio, hotwords="ComfyUI", response_format="vtt")
        assert vtt.status_code == 200 and "ComfyUI directory" in vtt.text, vtt.text
    client = openai.OpenAI(base_url=f"{served.direct}/v1", api_key="unused", max_retries=0)
    with open(audio, "rb") as fh:  # the official client, as README says to send it
        heard = client.audio.transcriptions.create(
            model="whisper-1", file=fh, extra_body={"hotwords": "ComfyUI"}
        )
    assert heard.text.startswith(WANTED), heard.text
    with served.client("tasks") as tasks:
        answer = upload(tasks, audio, path_url="/tasks/transcription", hotwords="ComfyUI")
        assert answer.status_code == 200, answer.text
        task_id = answer.json()["task_id"]
        with served.client("queue") as queue:
            wait_final(queue, task_id)
        assert tasks.get(f"/tasks/{task_id}").json()["result"]["text"].startswith(WANTED)


@pytest.mark.parametrize(
    ("listener", "route"),
    [("queue", "/transcribe/"), ("direct", "/transcribe/"), ("tasks", "/tasks/transcription"),
     ("direct", "/v1/audio/transcriptions")],
)  # fmt: skip
def test_hotwords_too_long_are_refused(live, jfk: str, listener: str, route: str) -> None:
    with live.client(listener) as client:  # refused before any decoding: the generated model
        answer = upload(client, jfk, path_url=route, hotwords="x" * 501)
    assert answer.status_code == 422
    assert "hotwords is limited to 500 characters" in answer.json()["detail"]
