"""Editing a transcript: the edit functions, and edits saved with the task on every stack."""

from __future__ import annotations

import itertools

import pytest

from engine import edits, formats
from engine.errors import Conflict, InvalidParameter
from engine.stack.journal import SqliteJournal
from engine.stack.memory import MemoryStack
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
        assert got is not None and got.result is not None
        assert len(got.result["segments"]) == 3 and got.original_result == result()
    finally:
        again.close()


def three() -> dict:
    """Three segments with every score, so a merge's arithmetic shows in each field."""
    out = result()
    out["segments"][0].update(no_speech_prob=0.1, compression_ratio=1.2, confidence=0.8187)
    out["segments"][1].update(no_speech_prob=0.3, compression_ratio=1.8, confidence=0.6703)
    out["segments"].append(
        {"id": 2, "start": 5.0, "end": 6.0, "text": " Last.", "tokens": [9], "words": []}
    )
    return out


def test_merge_averages_the_scores_of_the_two_segments_exactly() -> None:
    merged = edits.merge(three(), 0)["segments"]
    assert merged[0] == {
        "id": 0,
        "start": 0.0,
        "end": 4.0,
        "text": " Ask not what your country can do.",
        "tokens": [1, 2, 3, 4],
        "avg_logprob": -0.3,
        "no_speech_prob": 0.1,
        "compression_ratio": 1.8,
        "confidence": 0.7408,
        "words": result()["segments"][0]["words"] + result()["segments"][1]["words"],
    }
    assert merged[1]["text"] == " Last." and merged[1]["id"] == 1


def test_merge_of_segments_without_scores_reads_them_as_zero() -> None:
    merged = edits.merge(three(), 1)["segments"]
    assert [s["text"] for s in merged] == [" Ask not what", " your country can do. Last."]
    assert (merged[1]["start"], merged[1]["end"]) == (2.5, 6.0)
    assert (merged[1]["avg_logprob"], merged[1]["no_speech_prob"]) == (-0.2, 0.0)
    assert merged[1]["compression_ratio"] == 1.8
    assert merged[1]["confidence"] == 0.8187
    plain = edits.merge(result(), 0)["segments"][0]
    assert "confidence" not in plain


def test_split_gives_each_part_its_own_words_and_no_tokens() -> None:
    parts = edits.split(three(), 0, 1)["segments"]
    assert [s["text"] for s in parts] == [
        " Ask",
        " not what",
        " your country can do.",
        " Last.",
    ]
    assert parts[0]["words"] == [word(" Ask", 0.0, 0.5)]
    assert parts[1]["words"] == [word(" not", 0.6, 1.0), word(" what", 1.2, 2.0)]
    assert (parts[0]["end"], parts[1]["start"]) == (0.5, 0.6)
    assert parts[0]["tokens"] == parts[1]["tokens"] == []
    assert parts[2]["tokens"] == [4]


def test_split_without_timings_cuts_the_time_by_characters_from_the_start() -> None:
    plain = result()
    for segment in plain["segments"]:
        segment["words"] = []
    first, second = edits.split(plain, 1, 2)["segments"][1:]
    # "your country" is 12 of the 20 characters of "your country can do."
    assert (first["text"], first["start"], first["end"]) == (" your country", 2.5, 3.4)
    assert (second["text"], second["start"], second["end"]) == (" can do.", 3.4, 4.0)


def test_split_and_index_errors_say_what_is_allowed() -> None:
    with pytest.raises(InvalidParameter) as caught:
        edits.split(result(), 1, 4)
    assert str(caught.value) == "A segment of 4 word(s) splits before word 1 to 3"
    with pytest.raises(InvalidParameter) as caught:
        edits.merge(result(), 1)
    assert str(caught.value) == "No segment 1 (the transcript has 2)"
    with pytest.raises(InvalidParameter) as caught:
        edits.set_text(result(), 0, " ")
    assert str(caught.value) == "A segment needs some text: merge it into a neighbour instead"


def test_words_of_prefers_the_timed_words_to_the_text() -> None:
    segment = {"text": " a b c", "words": [word(" x", 0.0, 1.0), word(" y", 1.0, 2.0)]}
    assert edits.words_of(segment) == ["x", "y"]


def test_new_text_with_another_word_count_spreads_over_the_segment_exactly() -> None:
    edited = edits.set_text(result(), 1, "one two")["segments"][1]
    assert edited["text"] == " one two" and edited["tokens"] == []
    assert edited["words"] == [
        {"text": " one", "start": 2.5, "end": 3.25, "confidence": 1.0},
        {"text": " two", "start": 3.25, "end": 4.0, "confidence": 1.0},
    ]


def test_the_same_text_gives_an_unchanged_copy() -> None:
    before = result()
    same = edits.set_text(before, 0, "Ask not what")
    assert same == before
    same["segments"][0]["words"][0]["start"] = 9.0
    assert before == result()


def test_shifting_everything_moves_every_word_and_leaves_the_argument() -> None:
    before = result()
    moved = edits.shift(before, 0.25)
    assert before == result()
    assert [(w["start"], w["end"]) for s in moved["segments"] for w in s["words"]] == [
        (0.25, 0.75),
        (0.85, 1.25),
        (1.45, 2.25),
        (2.75, 3.05),
        (3.15, 3.55),
        (3.65, 3.85),
        (3.95, 4.25),
    ]
    assert edits.shift(before, 0.0004)["segments"][0]["start"] == 0.0


def test_merge_reads_missing_scores_of_the_first_segment_as_zero() -> None:
    both = result()
    del both["segments"][0]["avg_logprob"]
    both["segments"][1].update(
        avg_logprob=-0.12345, no_speech_prob=0.3, compression_ratio=0.5, confidence=0.88
    )
    merged = edits.merge(both, 0)["segments"][0]
    assert merged["avg_logprob"] == -0.0617
    assert (merged["no_speech_prob"], merged["compression_ratio"]) == (0.0, 0.5)
    assert "confidence" not in merged  # the first segment had none
    other = result()
    other["segments"][0].update(avg_logprob=-0.12345, compression_ratio=0.5)
    merged = edits.merge(other, 0)["segments"][0]
    assert merged["avg_logprob"] == -0.2617
    assert merged["compression_ratio"] == 0.5


def test_shifting_a_result_without_segments_gives_an_empty_list() -> None:
    assert edits.shift({"text": ""}, 1.0) == {"text": "", "segments": []}
