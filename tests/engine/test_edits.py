"""Editing a transcript: the edit functions, and edits saved with the task on every stack."""

from __future__ import annotations

import itertools

import pytest

from engine import edits, formats
from engine.errors import Conflict, InvalidParameter
from engine.journal import SqliteJournal
from engine.memory_stack import MemoryStack
from engine.task import Task, TaskStatus

AUDIO = __file__


def word(text: str, start: float, end: float) -> dict:
    return {"text": text, "start": start, "end": end, "confidence": 0.9}


def result() -> dict:
    segments = [
        {
            "id": 0,
            "start": 0.0,
            "end": 2.0,
            "text": " Ask not what",
            "tokens": [1, 2, 3],
            "avg_logprob": -0.2,
            "words": [word(" Ask", 0.0, 0.5), word(" not", 0.6, 1.0), word(" what", 1.2, 2.0)],
        },
        {
            "id": 1,
            "start": 2.5,
            "end": 4.0,
            "text": " your country can do.",
            "tokens": [4],
            "avg_logprob": -0.4,
            "words": [
                word(" your", 2.5, 2.8),
                word(" country", 2.9, 3.3),
                word(" can", 3.4, 3.6),
                word(" do.", 3.7, 4.0),
            ],
        },
    ]
    return {"text": "Ask not what your country can do.", "language": "en", "segments": segments}


def test_set_text_changes_the_text_everywhere_and_keeps_word_times() -> None:
    before = result()
    edited = edits.set_text(before, 0, "Ask  NOT what ")
    assert before == result()  # the argument is never changed
    assert edited["segments"][0]["text"] == " Ask NOT what"
    assert edited["text"] == "Ask NOT what your country can do."
    assert [(w["text"], w["start"]) for w in edited["segments"][0]["words"]] == [
        (" Ask", 0.0),
        (" NOT", 0.6),
        (" what", 1.2),
    ]
    assert "Ask NOT what" in formats.render(edited, "srt")
    assert "Ask NOT what" in formats.render(edited, "vtt")
    longer = edits.set_text(before, 0, "Ask not, my friends, what")
    words = longer["segments"][0]["words"]
    assert [w["text"] for w in words] == [" Ask", " not,", " my", " friends,", " what"]
    assert words[0]["start"] == 0.0 and words[-1]["end"] == 2.0
    assert all(a["end"] <= b["start"] for a, b in itertools.pairwise(words))
    with pytest.raises(InvalidParameter):
        edits.set_text(before, 0, "   ")
    with pytest.raises(InvalidParameter):
        edits.set_text(before, 2, "no such segment")


def test_merge_joins_two_neighbours() -> None:
    merged = edits.merge(result(), 0)
    (only,) = merged["segments"]
    assert only["id"] == 0 and (only["start"], only["end"]) == (0.0, 4.0)
    assert only["text"] == " Ask not what your country can do."
    assert len(only["words"]) == 7 and only["tokens"] == [1, 2, 3, 4]
    with pytest.raises(InvalidParameter):
        edits.merge(result(), 1)  # the last segment has no next one


def test_split_at_a_word_uses_its_timings() -> None:
    parts = edits.split(result(), 1, 2)["segments"]
    assert [s["id"] for s in parts] == [0, 1, 2]
    assert (parts[1]["text"], parts[1]["start"], parts[1]["end"]) == (" your country", 2.5, 3.3)
    assert (parts[2]["text"], parts[2]["start"], parts[2]["end"]) == (" can do.", 3.4, 4.0)
    assert [w["text"] for w in parts[2]["words"]] == [" can", " do."]
    for at in (0, 4):
        with pytest.raises(InvalidParameter):
            edits.split(result(), 1, at)


def test_split_without_word_timings_interpolates() -> None:
    plain = result()
    for segment in plain["segments"]:
        segment["words"] = []
    assert edits.words_of(plain["segments"][0]) == ["Ask", "not", "what"]
    first, second = edits.split(plain, 0, 1)["segments"][:2]
    assert first["text"] == " Ask" and second["text"] == " not what"
    assert first["end"] == second["start"] == pytest.approx(2.0 * 3 / 12, abs=0.001)


def test_shift_one_segment_or_all_never_before_zero() -> None:
    one = edits.shift(result(), 0.25, 1)["segments"][1]
    assert (one["start"], one["end"], one["words"][0]["start"]) == (2.75, 4.25, 2.75)
    every = edits.shift(result(), -0.5)["segments"]
    assert [(s["start"], s["end"]) for s in every] == [(0.0, 1.5), (2.0, 3.5)]
    assert every[0]["words"][1]["start"] == 0.1
    moved = edits.shift(result(), 3.0, 0)["segments"]  # past its neighbour: order follows
    assert [s["text"] for s in moved] == [" your country can do.", " Ask not what"]
    assert (
        formats.render(edits.shift(result(), 60.0), "srt")
        .splitlines()[1]
        .startswith("00:01:00,000")
    )


def completed(stack) -> Task:
    task = Task(filename="a.flac", source=AUDIO)
    stack.push(task)
    claimed = stack.claim("w", 1.0)
    stack.finish(task.id, claimed.lease, TaskStatus.COMPLETED, result=result())
    return task


def test_an_edit_is_saved_with_the_task_and_the_original_kept(stack) -> None:
    task = completed(stack)
    first = edits.set_text(result(), 0, "Ask never what")
    saved = stack.edit_result(task.id, first)
    assert saved.result == first and saved.original_result == result()
    second = edits.merge(first, 0)
    stack.edit_result(task.id, second)
    got = stack.get(task.id)
    assert got.result == second and got.original_result == result()  # the engine's, still
    public = got.to_public()
    assert public["edited"] is True and public["result"]["text"] == second["text"]
    assert public["original_result"]["text"] == "Ask not what your country can do."
    back = stack.edit_result(task.id, result())  # undone back to the original: no edit left
    assert back.original_result is None and stack.get(task.id).to_public()["edited"] is False


def test_only_a_completed_task_can_be_edited(stack) -> None:
    task = Task(filename="a.flac", source=AUDIO)
    stack.push(task)
    with pytest.raises(Conflict):
        stack.edit_result(task.id, result())


def test_an_edit_survives_a_restart_of_the_journaled_stack(tmp_path) -> None:
    path = tmp_path / "tasks.sqlite3"
    stack = MemoryStack(journal=SqliteJournal(path))
    task = completed(stack)
    stack.edit_result(task.id, edits.split(result(), 1, 2))
    stack.close()
    again = MemoryStack(journal=SqliteJournal(path))
    try:
        got = again.get(task.id)
        assert len(got.result["segments"]) == 3 and got.original_result == result()
    finally:
        again.close()
