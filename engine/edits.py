"""A person's edits of a transcript: segment text, merge, split, time shifts.

Each function takes a result in API.md's JSON shape and returns a new one (the argument is
never changed), with the segments numbered again from 0 and ``text`` joined again, so every
format rendered from it, and every API answer, shows the edit. Words follow their segment:
a split cuts at a word, using its timings when the result has them (times are interpolated
by character position when it has none), and edited text keeps the old word timings when it
has as many words, and spreads them over the segment otherwise.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from engine.errors import InvalidParameter

Result = dict[str, Any]
Segment = dict[str, Any]


def _t(value: float) -> float:
    return round(max(0.0, float(value)), 3)


def _segments(result: Result, index: int, count: int = 1) -> tuple[Result, list[Segment]]:
    """A deep copy of ``result`` and its segments, checking ``index .. index+count-1``."""
    out = copy.deepcopy(result)
    segments = out.get("segments") or []
    if not 0 <= index <= len(segments) - count:
        raise InvalidParameter(f"No segment {index} (the transcript has {len(segments)})")
    return out, segments


def _finish(out: Result, segments: list[Segment]) -> Result:
    for i, segment in enumerate(segments):
        segment["id"] = i
    out["segments"] = segments
    out["text"] = "".join(s["text"] for s in segments).strip()
    return out


def words_of(segment: Segment) -> list[str]:
    """The words a split can start at: the timed words, else the words of the text."""
    timed = [w["text"].strip() for w in segment.get("words") or []]
    return timed or segment["text"].split()


def set_text(result: Result, index: int, text: str) -> Result:
    """Segment ``index`` says ``text`` (the words keep their times where they can)."""
    out, segments = _segments(result, index)
    segment = segments[index]
    new = " ".join(text.split())
    if not new:
        raise InvalidParameter("A segment needs some text: merge it into a neighbour instead")
    if new == segment["text"].strip():
        return copy.deepcopy(result)
    segment["text"] = " " + new
    segment["tokens"] = []  # they were the engine's reading of the old text
    segment["words"] = _respell(segment, new.split())
    return _finish(out, segments)


def _respell(segment: Segment, spoken: list[str]) -> list[dict[str, Any]]:
    old = segment.get("words") or []
    if not old:
        return []
    if len(old) == len(spoken):
        return [{**w, "text": " " + s} for w, s in zip(old, spoken, strict=True)]
    # Spread the new words over the segment by character position.
    start, end = float(segment["start"]), float(segment["end"])
    total = sum(len(s) + 1 for s in spoken)
    words, done = [], 0
    for s in spoken:
        a = start + (end - start) * done / total
        done += len(s) + 1
        b = start + (end - start) * done / total
        words.append({"text": " " + s, "start": _t(a), "end": _t(b), "confidence": 1.0})
    return words


def merge(result: Result, index: int) -> Result:
    """Segment ``index`` and the one after it become one."""
    out, segments = _segments(result, index, count=2)
    a, b = segments[index], segments[index + 1]
    a["text"] = " " + f"{a['text'].strip()} {b['text'].strip()}".strip()
    a["start"], a["end"] = min(a["start"], b["start"]), max(a["end"], b["end"])
    a["tokens"] = list(a.get("tokens") or []) + list(b.get("tokens") or [])
    a["words"] = list(a.get("words") or []) + list(b.get("words") or [])
    a["avg_logprob"] = round((a.get("avg_logprob", 0.0) + b.get("avg_logprob", 0.0)) / 2, 4)
    a["no_speech_prob"] = min(a.get("no_speech_prob", 0.0), b.get("no_speech_prob", 0.0))
    a["compression_ratio"] = max(a.get("compression_ratio", 0.0), b.get("compression_ratio", 0.0))
    if "confidence" in a:
        a["confidence"] = round(min(1.0, math.exp(a["avg_logprob"])), 4)
    del segments[index + 1]
    return _finish(out, segments)


def split(result: Result, index: int, at_word: int) -> Result:
    """Cut segment ``index`` before its word ``at_word`` (1 .. words - 1; see words_of)."""
    out, segments = _segments(result, index)
    segment = segments[index]
    spoken = words_of(segment)
    if not 1 <= at_word < len(spoken):
        raise InvalidParameter(
            f"A segment of {len(spoken)} word(s) splits before word 1 to {len(spoken) - 1}"
        )
    first, second = copy.deepcopy(segment), copy.deepcopy(segment)
    timed = segment.get("words") or []
    if timed:
        first["words"], second["words"] = timed[:at_word], timed[at_word:]
        cut_end, cut_start = timed[at_word - 1]["end"], timed[at_word]["start"]
        first["text"] = " " + "".join(w["text"] for w in timed[:at_word]).strip()
        second["text"] = " " + "".join(w["text"] for w in timed[at_word:]).strip()
    else:
        head, tail = spoken[:at_word], spoken[at_word:]
        share = len(" ".join(head)) / max(1, len(" ".join(spoken)))
        cut_end = cut_start = _t(segment["start"] + (segment["end"] - segment["start"]) * share)
        first["text"], second["text"] = " " + " ".join(head), " " + " ".join(tail)
    first["end"], second["start"] = _t(cut_end), _t(cut_start)
    first["tokens"] = second["tokens"] = []
    segments[index : index + 1] = [first, second]
    return _finish(out, segments)


def shift(result: Result, seconds: float, index: int | None = None) -> Result:
    """Move segment ``index`` (every segment when None) by ``seconds``; never before 0."""
    if index is None:
        out = copy.deepcopy(result)
        segments = out.get("segments") or []
        chosen = segments
    else:
        out, segments = _segments(result, index)
        chosen = [segments[index]]
    for segment in chosen:
        segment["start"] = _t(segment["start"] + seconds)
        segment["end"] = _t(segment["end"] + seconds)
        for word in segment.get("words") or []:
            word["start"] = _t(word["start"] + seconds)
            word["end"] = _t(word["end"] + seconds)
    if index is not None:
        segments.sort(key=lambda s: (s["start"], s["end"]))
    return _finish(out, segments)
