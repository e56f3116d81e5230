"""Transcription parameters, from form fields or the query string (API.md accepts both)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar, overload

from engine import (
    LAYOUT_NAMES,
    InvalidParameter,
    SubtitleLayout,
    TranscribeOptions,
    check_format,
    layout_from_values,
)

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_Number = TypeVar("_Number", int, float)


class Params:
    """Looks a parameter up in the form first, then in the query string."""

    def __init__(self, form: Mapping[str, list[str]], query: Mapping[str, str]) -> None:
        self.form = form
        self.query = query

    def text(self, name: str) -> str | None:
        values = self.form.get(name)
        if values:
            return values[0]
        return self.query.get(name)

    def all(self, name: str) -> list[str]:
        return list(self.form.get(name, [])) or ([self.query[name]] if name in self.query else [])

    def flag(self, name: str, default: bool) -> bool:
        raw = self.text(name)
        if raw is None or raw.strip() == "":
            return default
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise InvalidParameter(f"{name} must be true or false, not {raw!r}")

    @overload
    def integer(self, name: str) -> int | None: ...
    @overload
    def integer(self, name: str, default: int) -> int: ...
    def integer(self, name: str, default: int | None = None) -> int | None:
        return self._number(name, int, default)

    def decimal(self, name: str) -> float | None:
        return self._number(name, float, None)

    def _number(self, name: str, kind: type[_Number], default: _Number | None) -> _Number | None:
        raw = self.text(name)
        if raw is None or raw.strip() == "":
            return default
        try:
            return kind(raw)
        except ValueError:
            raise InvalidParameter(f"{name} must be a {kind.__name__}, not {raw!r}") from None


@dataclass(frozen=True)
class Request:
    options: TranscribeOptions
    priority: int
    response_format: str
    layout: SubtitleLayout | None = None


def transcription(params: Params, task: str | None = None) -> Request:
    """API.md's transcription parameters; raises 422 for a value outside its range."""
    priority = params.integer("priority", 0)
    if not -1000 <= priority <= 1000:
        raise InvalidParameter("priority must be between -1000 and 1000")
    options = TranscribeOptions(
        language=params.text("language"),
        task=task or params.text("task") or "transcribe",
        word_timestamps=params.flag("word_timestamps", True),
        vad_filter=params.flag("vad_filter", True),
        initial_prompt=params.text("initial_prompt") or None,
        temperature=params.decimal("temperature"),
        beam_size=params.integer("beam_size"),
        decode_mode=params.text("decode_mode") or None,
        hotwords=params.text("hotwords"),
    )
    fmt = check_format(params.text("response_format") or "json")
    return Request(options, priority, fmt, subtitle_layout(params))


def subtitle_layout(params: Params) -> SubtitleLayout | None:
    """``max_line_width``, ``max_line_count``, ``max_words_per_line`` (srt, vtt); 422 if bad."""
    return layout_from_values({n: params.integer(n) for n in LAYOUT_NAMES})
