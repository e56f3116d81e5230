"""Word error rate of a transcript against a known text, for tests and benchmarks.

Both sides are normalised the same way (lower case, no punctuation, numbers as espeak-ng
says them), then aligned by Levenshtein distance over words.
"""

from __future__ import annotations

import re
import unicodedata

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


def normalize(text: str) -> list[str]:
    """Lower-case words without punctuation; digits spelled out as words."""
    folded = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
    words: list[str] = []
    for raw in re.findall(r"[a-z0-9']+", folded.replace("-", " ")):
        token = raw.strip("'")
        if token.isdigit() and len(token) < 7:
            words += _number(int(token))
        elif token:
            words.append(token)
    return words


def distance(reference: list[str], hypothesis: list[str]) -> int:
    """Substitutions, insertions and deletions that turn one word list into the other."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        row = [i]
        for j, hyp in enumerate(hypothesis, 1):
            row.append(min(previous[j - 1] + (ref != hyp), previous[j] + 1, row[j - 1] + 1))
        previous = row
    return previous[-1]


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate, 0.0 (perfect) and up."""
    ref = normalize(reference)
    return distance(ref, normalize(hypothesis)) / max(1, len(ref))
