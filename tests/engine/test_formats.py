"""One transcript, every format: what a subtitle player or a spreadsheet would read."""

from __future__ import annotations

import json
import re

import pytest

from engine import formats
from engine.errors import InvalidParameter
from engine.result import Segment, Transcript, Word

TRANSCRIPT = Transcript(
    language="en",
    language_probability=0.98,
    duration=3725.5,
    segments=[
        Segment(
            0,
            0.0,
            2.5,
            " Hello there.",
            avg_logprob=-0.1,
            words=[Word(" Hello", 0.0, 1.0, 0.9), Word(" there.", 1.0, 2.5, 0.8)],
        ),
        Segment(1, 3723.25, 3725.5, " Tab\there, and\nnewline.", avg_logprob=-0.3),
    ],
)

SRT_CUE = re.compile(r"^\d+\n\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}\n.+\n$", re.S)
VTT_TIME = re.compile(r"^\d{2}:\d{2}:\d{2}\.\d{3} --> \d{2}:\d{2}:\d{2}\.\d{3}$")


def test_json_is_the_api_shape() -> None:
    data = json.loads(formats.render(TRANSCRIPT, "json"))
    assert data["text"] == "Hello there. Tab\there, and\nnewline."
    assert data["language"] == "en" and data["duration"] == 3725.5
    seg = data["segments"][0]
    assert set(seg) >= {
        "id",
        "seek",
        "start",
        "end",
        "text",
        "tokens",
        "temperature",
        "avg_logprob",
        "compression_ratio",
        "no_speech_prob",
        "confidence",
        "words",
    }
    assert seg["words"][0] == {"text": " Hello", "start": 0.0, "end": 1.0, "confidence": 0.9}
    assert 0.0 < seg["confidence"] <= 1.0


def test_srt_blocks_parse_and_count_hours() -> None:
    text = formats.render(TRANSCRIPT, "srt")
    blocks = text.split("\n\n")
    assert len(blocks) == 2
    for block in blocks:
        assert SRT_CUE.match(block if block.endswith("\n") else block + "\n"), block
    assert "01:02:03,250 --> 01:02:05,500" in text


def test_vtt_has_header_and_dot_times() -> None:
    text = formats.render(TRANSCRIPT, "vtt")
    assert text.startswith("WEBVTT\n\n")
    times = [line for line in text.splitlines() if "-->" in line]
    assert len(times) == 2 and all(VTT_TIME.match(t) for t in times)


def test_tsv_is_one_row_per_segment_in_milliseconds() -> None:
    rows = formats.render(TRANSCRIPT, "tsv").splitlines()
    assert rows[0] == "start\tend\ttext"
    assert rows[2].split("\t") == ["3723250", "3725500", "Tab here, and newline."]


def test_text_and_verbose_json() -> None:
    assert formats.render(TRANSCRIPT, "txt").splitlines()[0] == "Hello there."
    verbose = json.loads(formats.render(TRANSCRIPT, "verbose_json"))
    assert verbose["language"] == "english" and verbose["task"] == "transcribe"
    assert verbose["words"][1] == {"word": " there.", "start": 1.0, "end": 2.5}


def test_dict_results_render_like_transcripts() -> None:
    assert formats.render(TRANSCRIPT.to_dict(), "srt") == formats.render(TRANSCRIPT, "srt")


def test_unknown_format_is_422() -> None:
    with pytest.raises(InvalidParameter):
        formats.render(TRANSCRIPT, "docx")


def test_verbose_json_is_openais_shape_exactly() -> None:
    t = Transcript(
        language="xx",  # not a Whisper language: passed through as it is
        language_probability=0.5,
        duration=12.34567,
        segments=[
            Segment(
                0, 0.0, 1.5, " Hi.", words=[Word(" Hi.", 0.12345, 1.23456, 0.9)], avg_logprob=-0.1
            ),
            Segment(1, 1.5, 2.0, " Bye.", avg_logprob=-0.2),
        ],
    )
    segment = t.segments[0].to_dict()
    del segment["words"], segment["confidence"]
    second = t.segments[1].to_dict()
    del second["words"], second["confidence"]
    assert formats.verbose_json(t) == {
        "task": "transcribe",
        "language": "xx",
        "duration": 12.346,
        "text": "Hi. Bye.",
        "segments": [segment, second],
        "words": [{"word": " Hi.", "start": 0.123, "end": 1.235}],
    }


def test_text_is_one_line_per_segment() -> None:
    assert formats.render(TRANSCRIPT, "text") == "Hello there.\nTab\there, and\nnewline.\n"


def test_json_keeps_non_ascii_text_as_it_is() -> None:
    t = Transcript("de", 0.9, 1.0, [Segment(0, 0.0, 1.0, " Grüße, 東京")])
    assert '"text": "Grüße, 東京"' in formats.render(t, "json")


def test_srt_starts_at_zero_and_clamps_negative_times() -> None:
    t = Transcript("en", 0.9, 1.0, [Segment(0, -0.2, 0.0005, " Go.")])
    assert formats.render(t, "srt") == "1\n00:00:00,000 --> 00:00:00,000\nGo.\n"


def test_unknown_format_names_the_choices() -> None:
    with pytest.raises(InvalidParameter) as caught:
        formats.check_format("docx")
    assert str(caught.value) == (
        "response_format must be one of json, verbose_json, text, txt, srt, vtt, tsv, not 'docx'"
    )
