"""How close a transcript comes to a known text, for tests and benchmarks.

Both sides are normalised the same way (lower case, no punctuation, British and American
spellings made one; with ``spell_numbers``, digits as espeak-ng says them), then aligned by
Levenshtein distance over words: word error rate, and the runs of reference words a
transcript lost that another one found (the symptom of words dropped at a decoding window's
edge).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_ONES = tuple(
    [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ]
)
_TENS = tuple(
    ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
)
_SPELLING = {"endeavored": "endeavoured", "honour": "honor", "offenses": "offences"}


def _number(n: int) -> list[str]:
    if n < 20:
        return [_ONES[n]]
    if n < 100:
        tens, ones = divmod(n, 10)
        return [_TENS[tens]] + ([_ONES[ones]] if ones else [])
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return [_ONES[hundreds], "hundred"] + (_number(rest) if rest else [])
    thousands, rest = divmod(n, 1000)
    return [*_number(thousands), "thousand"] + (_number(rest) if rest else [])


def normalize(text: str, *, spell_numbers: bool = False) -> list[str]:
    """Lower-case words without punctuation, one spelling of each word.

    ``spell_numbers`` spells digits out as words (the live reading's WER counts them so);
    without it they stay digits, as the accuracy tests and the engine benchmark count them.
    """
    folded = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
    words: list[str] = []
    for raw in re.findall(r"[a-z0-9']+", folded.replace("-", " ")):
        token = raw.strip("'")
        if spell_numbers and token.isdigit() and len(token) < 7:
            words += _number(int(token))
        elif token:
            words.append(_SPELLING.get(token, token))
    return words


@dataclass(frozen=True)
class Alignment:
    """A word-level alignment of a hypothesis against the reference."""

    reference: list[str]
    hypothesis: list[str]
    errors: int
    #: For each reference word, whether the hypothesis has it (matched, not substituted).
    matched: list[bool]
    #: (reference index, hypothesis index) of every matched word, in order.
    pairs: list[tuple[int, int]]
    #: For each reference word, whether the hypothesis has nothing for it (not even a
    #: misheard word): the words a transcript lost.
    deleted: list[bool]

    @property
    def wer(self) -> float:
        return self.errors / max(1, len(self.reference))

    def lost_runs(self, found_by: Alignment | None = None, at_least: int = 3) -> list[str]:
        """Runs of ``at_least`` or more reference words lost here (and found by ``found_by``)."""
        runs: list[str] = []
        start = None
        for i, lost in enumerate([*self.deleted, False]):
            missing = lost and (found_by is None or found_by.matched[i])
            if missing and start is None:
                start = i
            elif not missing and start is not None:
                if i - start >= at_least:
                    runs.append(" ".join(self.reference[start:i]))
                start = None
        return runs


def align(
    reference: str | list[str], hypothesis: str | list[str], *, spell_numbers: bool = False
) -> Alignment:
    """Levenshtein alignment over words (substitution, insertion, deletion cost 1)."""
    ref = (
        normalize(reference, spell_numbers=spell_numbers)
        if isinstance(reference, str)
        else reference
    )
    hyp = (
        normalize(hypothesis, spell_numbers=spell_numbers)
        if isinstance(hypothesis, str)
        else hypothesis
    )
    rows, cols = len(ref) + 1, len(hyp) + 1
    cost = [list(range(cols))] + [[i] + [0] * (cols - 1) for i in range(1, rows)]
    for i in range(1, rows):
        row, above = cost[i], cost[i - 1]
        for j in range(1, cols):
            same = ref[i - 1] == hyp[j - 1]
            row[j] = min(above[j - 1] + (not same), above[j] + 1, row[j - 1] + 1)
    matched = [False] * len(ref)
    deleted = [False] * len(ref)
    pairs: list[tuple[int, int]] = []
    i, j = len(ref), len(hyp)
    while i > 0 and j > 0:
        same = ref[i - 1] == hyp[j - 1]
        if cost[i][j] == cost[i - 1][j - 1] + (not same):
            matched[i - 1] = same
            if same:
                pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif cost[i][j] == cost[i - 1][j] + 1:
            deleted[i - 1] = True
            i -= 1
        else:
            j -= 1
    for k in range(i):
        deleted[k] = True
    return Alignment(ref, hyp, cost[-1][-1], matched, pairs[::-1], deleted)


def wer(reference: str, hypothesis: str, *, spell_numbers: bool = False) -> float:
    """Word error rate, 0.0 (perfect) and up."""
    return align(reference, hypothesis, spell_numbers=spell_numbers).wer


def longest_loss(reference: str, hypothesis: str, *, spell_numbers: bool = False) -> list[str]:
    """The longest run of reference words the hypothesis has nothing for."""
    import difflib

    ref = normalize(reference, spell_numbers=spell_numbers)
    hyp = normalize(hypothesis, spell_numbers=spell_numbers)
    worst: list[str] = []
    matcher = difflib.SequenceMatcher(a=ref, b=hyp, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op in ("delete", "replace") and (a2 - a1) - (b2 - b1) > len(worst):
            worst = ref[a1:a2]
    return worst
