"""Every HTTP face passes language, task, prompt and beam size on to faster-whisper.

The generated model says something different for each (harness/tiny_whisper.py), so a
face that drops an option, or an engine that no longer hands it to faster-whisper, changes
the text these tests read back.
"""

from __future__ import annotations

import httpx

from harness.tiny_whisper import phrase
from tests.server.conftest import upload, wait_final
from tests.server.test_tasks_api import poll_tasks

#: (form fields, what the model says), on the queue, direct and tasks listeners alike.
CASES: list[tuple[dict[str, object], str]] = [
    ({"language": "de"}, phrase("de")),
    ({"task": "translate"}, phrase(task="translate")),
    ({"initial_prompt": "Stackscribe"}, phrase(prompted=True)),
    ({"beam_size": "1"}, phrase(beam_size=1)),
    (
        {"language": "fr", "task": "translate", "initial_prompt": "Stackscribe", "beam_size": 1},
        phrase("fr", "translate", prompted=True, beam_size=1),
    ),
]


def _queue(client: httpx.Client, jfk: str, fields: dict) -> str:
    task_id = upload(client, jfk, **fields).json()["task_id"]
    return wait_final(client, task_id)["result"]["text"]


def _direct(client: httpx.Client, jfk: str, fields: dict) -> str:
    return upload(client, jfk, **fields).json()["text"]


def _tasks(client: httpx.Client, jfk: str, fields: dict) -> str:
    task_id = upload(client, jfk, path_url="/tasks/transcription", **fields).json()["task_id"]
    return poll_tasks(client, task_id)["result"]["text"]


def test_queue_direct_and_tasks_listeners_pass_every_option(live, jfk: str) -> None:
    said, expected = {}, {}
    for face, ask in (("queue", _queue), ("direct", _direct), ("tasks", _tasks)):
        with live.client(face) as client:
            for fields, text in CASES:
                key = (face, tuple(sorted(fields.items())))
                said[key] = ask(client, jfk, fields)
                expected[key] = text.strip()
    assert said == expected


def test_openai_routes_pass_language_prompt_and_the_task(live, jfk: str) -> None:
    def ask(route: str, **fields: str) -> str:
        with open(jfk, "rb") as fh:
            answer = client.post(route, files={"file": fh}, data={"model": "whisper-1", **fields})
        assert answer.status_code == 200, answer.text
        return answer.json()["text"]

    with live.client("queue") as client:
        said = {
            "language": ask("/v1/audio/transcriptions", language="de"),
            "prompt": ask("/v1/audio/transcriptions", prompt="Stackscribe"),
            "translation": ask("/v1/audio/translations"),
            "prompted translation": ask("/v1/audio/translations", prompt="Stackscribe"),
        }
    assert said == {
        "language": phrase("de").strip(),
        "prompt": phrase(prompted=True).strip(),
        "translation": phrase(task="translate").strip(),
        "prompted translation": phrase(task="translate", prompted=True).strip(),
    }
