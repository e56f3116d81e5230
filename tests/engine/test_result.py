"""The one result model: what every face returns (API.md's JSON) and what the journal keeps."""

from __future__ import annotations

import math

from engine.result import Segment, Transcript, Word


def _transcript() -> Transcript:
    words = [Word(" Ask", 0.12345, 0.5, 0.91234567), Word(" not.", 0.5, 1.0004, 0.8)]
    segments = [
        Segment(0, 0.12345, 1.0004, " Ask not.", tokens=[1, 2], avg_logprob=-0.25, words=words),
        Segment(1, 1.5, 2.25, " What your country can do.", avg_logprob=-0.5),
    ]
    return Transcript("en", 0.987654, 2.25049, segments)


def test_the_json_shape_has_api_md_fields_with_times_in_milliseconds() -> None:
    body = _transcript().to_dict()
    assert body["text"] == "Ask not. What your country can do."  # joined, outer spaces gone
    assert (body["language"], body["language_probability"], body["duration"]) == (
        "en",
        0.9877,
        2.25,
    )
    assert body["task"] == "transcribe"
    first = body["segments"][0]
    assert set(first) == {
        "id", "seek", "start", "end", "text", "tokens", "temperature", "avg_logprob",
        "compression_ratio", "no_speech_prob", "confidence", "words",
    }  # fmt: skip
    assert (first["start"], first["end"]) == (0.123, 1.0)
    assert first["words"][0] == {"text": " Ask", "start": 0.123, "end": 0.5, "confidence": 0.9123}


def test_confidence_is_the_mean_token_probability() -> None:
    assert Segment(0, 0, 1, "a", avg_logprob=-0.25).confidence == math.exp(-0.25)
    assert Segment(0, 0, 1, "a", avg_logprob=0.1).confidence == 1.0  # never above 1
    assert Segment(0, 0, 1, "a", avg_logprob=-80).confidence == 0.0  # no usable score


def test_a_stored_result_reads_back_as_it_was_written() -> None:
    body = _transcript().to_dict()
    assert Transcript.from_dict(body).to_dict() == body


def test_a_result_stored_with_fewer_fields_still_reads() -> None:
    old = {"segments": [{"id": 0, "start": 0.0, "end": 1.0, "text": " hi", "words": None}]}
    transcript = Transcript.from_dict(old)
    assert transcript.text == "hi" and transcript.task == "transcribe"
    assert transcript.segments[0].words == [] and transcript.segments[0].tokens == []
    word = Word.from_dict({"text": " hi", "start": 0.0, "end": 0.4})
    assert word.confidence == 1.0


def test_a_window_segment_shifted_to_file_time_moves_its_words_too() -> None:
    segment = _transcript().segments[0]
    moved = segment.shifted(30.0, new_id=7)
    assert (moved.id, moved.start, moved.end) == (7, 30.12345, 31.0004)
    assert [(w.start, w.end) for w in moved.words] == [(30.12345, 30.5), (30.5, 31.0004)]
    assert (moved.text, moved.tokens, moved.avg_logprob) == (" Ask not.", [1, 2], -0.25)
    assert segment.start == 0.12345  # the original is left as it was
