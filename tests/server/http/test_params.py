"""Transcription parameters as the routes read them: form fields or the query string (API.md)."""

from __future__ import annotations

import pytest

from engine.errors import InvalidParameter
from server.http.params import Params, transcription


def params(form: dict[str, str] | None = None, /, **query: str) -> Params:
    return Params({k: [v] for k, v in (form or {}).items()}, query)


def test_defaults_are_api_md_s() -> None:
    request = transcription(params())
    assert (request.priority, request.response_format, request.layout) == (0, "json", None)
    options = request.options
    assert (options.language, options.task) == (None, "transcribe")
    assert options.word_timestamps and options.vad_filter


def test_a_form_field_wins_over_the_query_string() -> None:
    request = transcription(params({"language": "th"}, language="en", beam_size="3"))
    assert request.options.language == "th"
    assert request.options.beam_size == 3  # the query string is read when the form lacks it


SPELLINGS = [("true", True), ("1", True), ("Yes", True), ("on", True), ("false", False),
             ("0", False), ("NO", False), ("off", False), (" ", True)]  # fmt: skip


@pytest.mark.parametrize(("raw", "value"), SPELLINGS)
def test_switches_read_the_usual_spellings(raw: str, value: bool) -> None:
    assert transcription(params(vad_filter=raw)).options.vad_filter is value


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"vad_filter": "maybe"}, "vad_filter must be true or false, not 'maybe'"),
        ({"beam_size": "five"}, "beam_size must be a int, not 'five'"),
        ({"temperature": "warm"}, "temperature must be a float, not 'warm'"),
        ({"priority": "1001"}, "priority must be between -1000 and 1000"),
        ({"response_format": "docx"}, "response_format must be one of"),
        ({"language": "klingon"}, "Unknown language 'klingon'"),
        ({"max_line_width": "wide"}, "max_line_width must be a int"),
    ],
)
def test_a_bad_value_is_a_422_that_names_it(query: dict[str, str], words: str) -> None:
    with pytest.raises(InvalidParameter) as raised:
        transcription(params(**query))
    assert words in str(raised.value) and raised.value.status == 422


def test_a_language_name_a_route_given_task_and_a_subtitle_layout_are_taken() -> None:
    request = transcription(
        params({"language": "English", "task": "transcribe", "max_line_width": "42"},
               response_format="srt", priority="-5"),
        task="translate",  # the translations route decides the task
    )  # fmt: skip
    assert (request.options.language, request.options.task) == ("en", "translate")
    assert (request.priority, request.response_format) == (-5, "srt")
    assert request.layout is not None and request.layout.max_line_width == 42
