"""Render a transcript to every output format; used by the API, the CLI and the GUI alike."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from engine.errors import InvalidParameter
from engine.languages import LANGUAGES
from engine.result import Transcript
from engine.subtitles import SubtitleLayout, cues

FORMATS = ("json", "verbose_json", "text", "txt", "srt", "vtt", "tsv")
#: The formats written as files (``text`` is only the API's other name for ``txt``).
FILE_FORMATS = ("json", "verbose_json", "txt", "srt", "vtt", "tsv")
MEDIA_TYPES = {
    "json": "application/json",
    "verbose_json": "application/json",
    "text": "text/plain; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
    "vtt": "text/vtt; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
}
EXTENSIONS = {
    "json": "json",
    "verbose_json": "json",
    "text": "txt",
    "txt": "txt",
    "srt": "srt",
    "vtt": "vtt",
    "tsv": "tsv",
}


def check_format(name: str) -> str:
    if name not in FORMATS:
        raise InvalidParameter(f"response_format must be one of {', '.join(FORMATS)}, not {name!r}")
    return name


def _clock(seconds: float, decimal: str) -> str:
    ms = max(0, round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal}{ms:03d}"


def to_json(t: Transcript) -> str:
    return json.dumps(t.to_dict(), ensure_ascii=False)


def verbose_json(t: Transcript) -> dict[str, Any]:
    """OpenAI's ``verbose_json`` shape: full language name and a flat word list."""
    words = [
        {"word": w.text, "start": round(w.start, 3), "end": round(w.end, 3)}
        for s in t.segments
        for w in s.words
    ]
    segments = []
    for s in t.segments:
        d = s.to_dict()
        d.pop("words")
        d.pop("confidence")
        segments.append(d)
    return {
        "task": t.task,
        "language": LANGUAGES.get(t.language, t.language),
        "duration": round(t.duration, 3),
        "text": t.text,
        "segments": segments,
        "words": words,
    }


def to_text(t: Transcript) -> str:
    return "\n".join(s.text.strip() for s in t.segments if s.text.strip()) + "\n"


def to_srt(t: Transcript, layout: SubtitleLayout | None = None) -> str:
    """SubRip: a cue per segment, or cues laid out by ``layout`` from the word timings."""
    blocks = [
        f"{n}\n{_clock(c.start, ',')} --> {_clock(c.end, ',')}\n{c.text}\n"
        for n, c in enumerate(cues(t, layout), start=1)
    ]
    return "\n".join(blocks)


def to_vtt(t: Transcript, layout: SubtitleLayout | None = None) -> str:
    """WebVTT: a cue per segment, or cues laid out by ``layout`` from the word timings."""
    blocks = [
        f"{_clock(c.start, '.')} --> {_clock(c.end, '.')}\n{c.text}\n" for c in cues(t, layout)
    ]
    return "WEBVTT\n\n" + "\n".join(blocks)


def to_tsv(t: Transcript) -> str:
    """Whisper's TSV: integer milliseconds, tabs and newlines in text flattened."""
    rows = ["start\tend\ttext"]
    for s in t.segments:
        text = s.text.strip().replace("\t", " ").replace("\n", " ")
        if text:
            rows.append(f"{round(s.start * 1000)}\t{round(s.end * 1000)}\t{text}")
    return "\n".join(rows) + "\n"


_RENDERERS: dict[str, Callable[[Transcript], str]] = {
    "json": to_json,
    "verbose_json": lambda t: json.dumps(verbose_json(t), ensure_ascii=False),
    "text": to_text,
    "txt": to_text,
    "srt": to_srt,
    "vtt": to_vtt,
    "tsv": to_tsv,
}


#: The formats a :class:`SubtitleLayout` applies to.
SUBTITLE_FORMATS = {"srt": to_srt, "vtt": to_vtt}


def render(t: Transcript | dict[str, Any], fmt: str, layout: SubtitleLayout | None = None) -> str:
    """The transcript as the text of one format (``json`` is API.md's shape).

    ``layout`` shapes the cues of srt and vtt; the other formats ignore it.
    """
    transcript = t if isinstance(t, Transcript) else Transcript.from_dict(t)
    if layout is not None and fmt in SUBTITLE_FORMATS:
        return SUBTITLE_FORMATS[fmt](transcript, layout)
    return _RENDERERS[check_format(fmt)](transcript)
