"""Task states, options and the public shape of a task."""

from __future__ import annotations

import pytest

from engine.errors import Conflict, InvalidParameter
from engine.task import Task, TaskStatus, TranscribeOptions

FINAL = [TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED]


@pytest.mark.parametrize("final", FINAL)
def test_nothing_leaves_a_final_state(final: TaskStatus) -> None:
    for other in TaskStatus:
        assert not final.can_become(other)
        with pytest.raises(Conflict):
            final.check(other)


def test_the_lifecycle_a_user_sees() -> None:
    assert TaskStatus.QUEUED.can_become(TaskStatus.PROCESSING)
    assert TaskStatus.QUEUED.can_become(TaskStatus.CANCELLED)
    assert not TaskStatus.QUEUED.can_become(TaskStatus.COMPLETED)
    for end in FINAL:
        assert TaskStatus.PROCESSING.can_become(end)
    assert TaskStatus.PROCESSING.can_become(TaskStatus.QUEUED)  # handed back on shutdown


@pytest.mark.parametrize(
    ("given", "expected"),
    [(None, None), ("auto", None), ("", None), ("EN", "en"), ("english", "en"), ("th", "th")],
)
def test_language_is_normalised(given: str | None, expected: str | None) -> None:
    assert TranscribeOptions(language=given).language == expected


@pytest.mark.parametrize(
    "bad",
    [
        {"language": "xx"},
        {"task": "summarize"},
        {"decode_mode": "turbo"},
        {"temperature": 3.0},
        {"beam_size": 0},
    ],
)
def test_bad_options_are_422_with_a_message(bad: dict) -> None:
    with pytest.raises(InvalidParameter) as info:
        TranscribeOptions(**bad)
    assert info.value.status == 422
    assert str(info.value)


def test_public_shape_has_every_field_of_the_contract() -> None:
    task = Task(filename="talk.mp3", source="/tmp/x")
    public = task.to_public(queue_position=1)
    for key in (
        "task_id",
        "status",
        "progress",
        "created_at",
        "started_at",
        "completed_at",
        "result",
        "error_message",
        "queue_position",
        "filename",
        "duration",
    ):
        assert key in public
    assert public["status"] == "queued"
    assert public["created_at"].endswith("+00:00")
    assert "source" not in public  # the server-side path is never shown


def test_record_round_trip() -> None:
    task = Task(filename="a.wav", source="/a", options=TranscribeOptions(language="th"))
    again = Task.from_record(task.to_record())
    assert again == task
