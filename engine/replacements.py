"""The word-replacement table: fixes applied to every transcript after decoding.

Whisper hears a name it does not know as ordinary words ("comfy eye" for ComfyUI); hotwords
help the decoder, and this table corrects what it still gets wrong. The table is written as
``from=to`` entries separated by ``;`` or new lines (or as a JSON object, for entries that
hold ``;`` or ``=``). Matching is by whole words and ignores case; a run of spaces in ``from``
matches any run of spaces. The replacement is written as given, except that a replacement in
lower case takes a capital where the words it replaces had one (a sentence start). An empty
replacement removes the words (and a comma right after them). In scripts written without
spaces (Thai, Chinese, Japanese, ...) there are no whole words to find, so an entry there
matches wherever it occurs.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Sequence

from engine.result import Segment, Word

#: (from, to) pairs, in the order written: the table as the settings carry it.
Table = tuple[tuple[str, str], ...]

# Scripts written without spaces between words: no word boundary is required there.
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)


def parse(spec: str, lines: bool = False) -> Table:
    """The table written in ``spec`` (``lines``: one entry a line, as the window edits it,
    so an entry may hold ``;``); raises ValueError with what to fix."""
    spec = spec.strip()
    if not spec:
        return ()
    if spec.startswith("{"):
        try:
            data = json.loads(spec)
        except json.JSONDecodeError as exc:
            raise ValueError(f"REPLACEMENTS is not valid JSON: {exc}") from None
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            raise ValueError('REPLACEMENTS as JSON must map text to text: {"from": "to"}')
        pairs = [(k.strip(), v.strip()) for k, v in data.items()]
    else:
        pairs = []
        for entry in re.split(r"\n" if lines else r"[;\n]", spec):
            if not entry.strip():
                continue
            if "=" not in entry:
                raise ValueError(
                    f"REPLACEMENTS entry {entry.strip()!r} has no '=': write from=to, "
                    + ("one a line" if lines else "entries separated by ';'")
                )
            source, target = entry.split("=", 1)
            pairs.append((source.strip(), target.strip()))
    return _checked(pairs)


def _checked(pairs: list[tuple[str, str]]) -> Table:
    seen: set[str] = set()
    for source, _ in pairs:
        key = " ".join(source.split()).casefold()
        if not key:
            raise ValueError("REPLACEMENTS has an entry with nothing before '='")
        if key in seen:
            raise ValueError(f"REPLACEMENTS names {source!r} twice")
        seen.add(key)
    return tuple(pairs)


def render(table: Table) -> str:
    """``table`` written back as the setting's text (JSON when an entry needs it)."""
    if any(c in text for pair in table for text in pair for c in ";=\n"):
        return json.dumps(dict(table), ensure_ascii=False)
    return "; ".join(f"{source}={target}" for source, target in table)


def _pattern(source: str, remove: bool) -> str:
    body = r"\s+".join(re.escape(part) for part in source.split())
    if not _UNSPACED.match(source[0]):
        body = r"(?<!\w)" + body
    if not _UNSPACED.match(source[-1]):
        body += r"(?!\w)"
    return r"\s*" + body + ",?" if remove else body


class Replacements:
    """A compiled table; applies it to text, and to segments with their words."""

    def __init__(self, table: Table) -> None:
        # Longest first, so that "open ai api" wins over "open ai"; one pass, so that a
        # replacement is never replaced again.
        self.targets: list[str] = []
        alternatives = []
        for source, target in sorted(table, key=lambda pair: -len(pair[0])):
            alternatives.append(f"(?P<r{len(self.targets)}>{_pattern(source, not target)})")
            self.targets.append(target)
        self._regex = re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None

    def __bool__(self) -> bool:
        return self._regex is not None

    def _target(self, match: re.Match[str]) -> str:
        target = self.targets[int((match.lastgroup or "r0")[1:])]
        if not target:
            return ""
        if target == target.lower() and match.group()[:1].isupper():
            return target[0].upper() + target[1:]  # a capital where the words had one
        return target

    def text(self, text: str) -> str:
        if self._regex is None:
            return text
        return self._regex.sub(self._target, text)

    def words(self, words: Sequence[Word]) -> list[Word]:
        """``words`` with the table applied to their joined text: words a replacement spans
        become one word (first start, last end, lowest confidence); removed words go."""
        if self._regex is None:
            return list(words)
        joined = "".join(w.text for w in words)
        bounds = [0]
        for w in words:
            bounds.append(bounds[-1] + len(w.text))
        groups: list[tuple[int, int, list[re.Match[str]]]] = []  # first, last word, matches
        for match in self._regex.finditer(joined):
            first = bisect.bisect_right(bounds, match.start()) - 1
            last = max(first, bisect.bisect_left(bounds, match.end()) - 1)
            if groups and first <= groups[-1][1]:
                groups[-1] = (groups[-1][0], max(last, groups[-1][1]), [*groups[-1][2], match])
            else:
                groups.append((first, last, [match]))
        out: list[Word] = []
        done = 0
        for first, last, matches in groups:
            out += words[done:first]
            text, at = "", bounds[first]
            for match in matches:
                text += joined[at : match.start()] + self._target(match)
                at = match.end()
            text += joined[at : bounds[last + 1]]
            span = words[first : last + 1]
            if text.strip():
                confidence = min(w.confidence for w in span)
                out.append(Word(text, span[0].start, span[-1].end, confidence))
            done = last + 1
        return out + list(words[done:])

    def segment(self, segment: Segment) -> Segment:
        """``segment`` with its text and words corrected (its text follows its words when
        it was their concatenation, so the two never disagree)."""
        if self._regex is None:
            return segment
        from_words = bool(segment.words) and segment.text == "".join(w.text for w in segment.words)
        segment.words = self.words(segment.words)
        segment.text = (
            "".join(w.text for w in segment.words) if from_words else self.text(segment.text)
        )
        return segment
