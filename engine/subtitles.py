"""Subtitle cues laid out from word timings: line width, lines per cue, words per line.

The rules follow WhisperX's and whisper.cpp's subtitle writers. Each segment (already
sentence-sized, see ``engine/pipeline/sentences.py``) is laid out on its own:

- a cue never spans a pause longer than :data:`PAUSE_SECONDS` between two words;
- a line never exceeds ``max_line_width`` characters unless one word alone is longer; when a
  line must break, it breaks after the last word ending a sentence or clause that leaves the
  line at least a third full, else before the word that does not fit;
- a cue holds at most ``max_line_count`` lines, and runs from its first word's start to its
  last word's end;
- a segment without word timings is laid out from its text, its words spread over its own
  times by their length (so its first cue starts and its last cue ends with the segment).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from engine.errors import InvalidParameter
from engine.result import Segment, Transcript, Word

#: A silence between two words longer than this always starts a new cue.
PAUSE_SECONDS = 1.0
#: The line width used when only ``max_line_count`` is given (the common subtitle standard).
DEFAULT_LINE_WIDTH = 42
#: The largest value any of the three limits accepts.
MAX_LIMIT = 10_000
#: The parameter names, as every face spells them.
NAMES = ("max_line_width", "max_line_count", "max_words_per_line")

_SENTENCE_END = (".", "?", "!", "…", "。", "\uff1f", "\uff01")
_CLAUSE_END = (",", ";", ":", "—", "、", "\uff0c")
_CLOSERS = "\"')]»”\u2019"


@dataclass(frozen=True)
class SubtitleLayout:
    """Limits of one subtitle rendering; None means no limit of that kind."""

    max_line_width: int | None = None
    max_line_count: int | None = None
    max_words_per_line: int | None = None

    def __post_init__(self) -> None:
        for name in NAMES:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidParameter(f"{name} must be a whole number, not {value!r}")
            if not 1 <= value <= MAX_LIMIT:
                raise InvalidParameter(f"{name} must be between 1 and {MAX_LIMIT}, not {value}")

    @property
    def active(self) -> bool:
        """Whether any limit is set (otherwise a cue is a segment, as without a layout)."""
        return any(getattr(self, name) is not None for name in NAMES)

    @property
    def width(self) -> int | None:
        only_count = self.max_line_count is not None and self.max_words_per_line is None
        if self.max_line_width is None and only_count:
            return DEFAULT_LINE_WIDTH
        return self.max_line_width

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in NAMES}


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def cues(transcript: Transcript, layout: SubtitleLayout | None) -> list[Cue]:
    """The transcript's subtitle cues; one per segment when no limit is set."""
    out: list[Cue] = []
    for segment in transcript.segments:
        text = segment.text.strip()
        if not text:
            continue
        if layout is None or not layout.active:
            out.append(Cue(segment.start, segment.end, (text,)))
            continue
        out.extend(_segment_cues(segment, layout))
    return out


def _segment_cues(segment: Segment, layout: SubtitleLayout) -> list[Cue]:
    words = [w for w in segment.words if w.text.strip()] or _spread(segment)
    out: list[Cue] = []
    for run in _runs(words):
        lines = _lines(run, layout)
        per_cue = layout.max_line_count or len(lines)
        for i in range(0, len(lines), per_cue):
            group = lines[i : i + per_cue]
            out.append(
                Cue(group[0][0].start, group[-1][-1].end, tuple(_line_text(g) for g in group))
            )
    return out


def _spread(segment: Segment) -> list[Word]:
    """Words for a segment without timings: its time shared out by their length."""
    pieces = segment.text.split()
    total = sum(len(p) for p in pieces) or 1
    span = max(segment.end - segment.start, 0.0)
    words, at = [], segment.start
    for piece in pieces:
        end = at + span * len(piece) / total
        words.append(Word(" " + piece, at, end, 1.0))
        at = end
    if words:
        words[-1].end = segment.end
    return words


def _runs(words: list[Word]) -> list[list[Word]]:
    """The words cut at every pause longer than :data:`PAUSE_SECONDS`."""
    runs: list[list[Word]] = [[words[0]]]
    for previous, word in itertools.pairwise(words):
        if word.start - previous.end > PAUSE_SECONDS:
            runs.append([])
        runs[-1].append(word)
    return runs


def _line_text(words: list[Word]) -> str:
    return "".join(w.text for w in words).strip()


def _ends_phrase(word: Word) -> bool:
    text = word.text.strip().rstrip(_CLOSERS)
    return text.endswith(_SENTENCE_END) or text.endswith(_CLAUSE_END)


def _fits(line: list[Word], word: Word, layout: SubtitleLayout) -> bool:
    if layout.max_words_per_line is not None and len(line) >= layout.max_words_per_line:
        return False
    width = layout.width
    return width is None or len(_line_text([*line, word])) <= width


def _lines(words: list[Word], layout: SubtitleLayout) -> list[list[Word]]:
    """Words broken into lines, at punctuation where a line has to break anyway."""
    lines: list[list[Word]] = []
    line: list[Word] = []
    for word in words:
        if not line or _fits(line, word, layout):
            line.append(word)
            continue
        cut = _phrase_break(line, layout)
        lines.append(line[:cut])
        line = [*line[cut:], word]
        while len(line) > 1 and not _fits(line[:-1], line[-1], layout):
            # the carried-over words and this one still do not fit on one line
            lines.append(line[:-1])
            line = [line[-1]]
    if line:
        lines.append(line)
    return lines


def _phrase_break(line: list[Word], layout: SubtitleLayout) -> int:
    """Where to end a full line: after its last sentence or clause mark, if not too early."""
    width = layout.width or len(_line_text(line))
    for cut in range(len(line) - 1, 0, -1):
        if _ends_phrase(line[cut - 1]):
            if len(_line_text(line[:cut])) * 3 >= width:
                return cut
            break
    return len(line)


def from_values(values: dict[str, int | None]) -> SubtitleLayout | None:
    """A layout from optional values (None for an empty one), checked."""
    layout = SubtitleLayout(**{name: values.get(name) for name in NAMES})
    return layout if layout.active else None
