"""Sentence-sized segments cut from a decoded window by its word timings.

Batched decoding reads each ≤30 s window as one piece of text, without timestamp tokens: with
them, Whisper often closes a window early with a timestamp pair ("more follows") that only
sequential decoding comes back for, and every word after it is lost (about 7% of a long
English read). Segments for subtitles and the API are cut here instead, in file time, from the
words' own times: after a sentence's last word, at a pause, and, where a sentence runs long, at
a clause boundary or the longest gap.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from engine.result import Segment, Word

# Latin and CJK sentence and clause marks (full-width ones are written as escapes).
_SENTENCE_END = (".", "?", "!", "…", "。", "\uff1f", "\uff01")
_CLAUSE_END = (",", ";", ":", "—", "、", "\uff0c")
_CLOSERS = "\"')]»”\u2019"
#: A silence between two words this long ends a segment.
PAUSE_SECONDS = 1.0
#: A segment longer than this is cut again at a clause boundary (or its longest gap).
MAX_SECONDS = 12.0
#: Pieces shorter than this are not cut off a longer segment.
MIN_WORDS = 3


def split(segment: Segment, encode: Callable[[str], list[int]]) -> list[Segment]:
    """``segment`` cut into sentence-sized segments (ids are left to the caller)."""
    words = segment.words
    if len(words) < 2:
        return [segment]
    groups: list[list[Word]] = []
    for piece in _at_sentences(words):
        groups.extend(_shorten(piece))
    if len(groups) == 1:
        return [segment]
    return [_segment_of(segment, group, encode) for group in groups]


def _ends_with(word: Word, marks: tuple[str, ...]) -> bool:
    return word.text.rstrip().rstrip(_CLOSERS).endswith(marks)


def _at_sentences(words: list[Word]) -> list[list[Word]]:
    groups: list[list[Word]] = [[words[0]]]
    for earlier, word in itertools.pairwise(words):
        if _ends_with(earlier, _SENTENCE_END) or word.start - earlier.end >= PAUSE_SECONDS:
            groups.append([word])
        else:
            groups[-1].append(word)
    return groups


def _shorten(words: list[Word]) -> list[list[Word]]:
    """Cut a long run of words in two where it reads best, until every piece is short."""
    if words[-1].end - words[0].start <= MAX_SECONDS or len(words) < 2 * MIN_WORDS:
        return [words]
    middle = (words[0].start + words[-1].end) / 2

    def score(cut: int) -> tuple[bool, float]:
        before = words[cut - 1]
        gap = words[cut].start - before.end
        # A clause boundary first, then the longer gap nearer the middle.
        return (_ends_with(before, _CLAUSE_END), gap - abs(before.end - middle) / 10)

    cut = max(range(MIN_WORDS, len(words) - MIN_WORDS + 1), key=score)
    return _shorten(words[:cut]) + _shorten(words[cut:])


def _segment_of(window: Segment, words: list[Word], encode: Callable[[str], list[int]]) -> Segment:
    text = "".join(w.text for w in words)
    return Segment(
        id=window.id,
        start=words[0].start,
        end=words[-1].end,
        text=text,
        seek=window.seek,
        tokens=encode(text),
        temperature=window.temperature,
        avg_logprob=window.avg_logprob,
        compression_ratio=window.compression_ratio,
        no_speech_prob=window.no_speech_prob,
        words=words,
    )
