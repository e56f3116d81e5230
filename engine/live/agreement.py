"""LocalAgreement-2 (Macháček et al., 2023, whisper_streaming): commit what two decodes agree on.

Every decode of the growing buffer yields a hypothesis of timed words. The longest common
prefix of this hypothesis and the previous one (after the words already committed) is
committed; the rest waits for the next decode. Committed words are never revised, and a word
is committed at most once: new hypotheses are cut after the last committed time, and an
n-gram that repeats the tail of what was committed is dropped.
"""

from __future__ import annotations

import re

from engine.result import Word

_NGRAM = 5  # longest repeat of the committed tail looked for at a hypothesis' head
_SLACK = 0.1  # seconds a new word may start before the last committed end


def key(text: str) -> str:
    """What two decodes must agree on: the word without case, spaces or punctuation."""
    return re.sub(r"[^\w']", "", text.lower())


class LocalAgreement:
    """The hypothesis buffer of whisper_streaming, on absolute stream times."""

    def __init__(self) -> None:
        self.tail: list[Word] = []  # the last words committed, kept across utterances and cuts
        self.previous: list[Word] = []  # the last hypothesis, minus what was committed
        self.last_committed_time = 0.0
        self._new: list[Word] | None = None  # inserted, not yet flushed

    def insert(self, words: list[Word]) -> None:
        """Take a new hypothesis (times from the start of the stream)."""
        fresh = [w for w in words if w.start > self.last_committed_time - _SLACK and key(w.text)]
        near = fresh and abs(fresh[0].start - self.last_committed_time) < 1
        if near and self.tail:
            fresh = self._drop_repeat(fresh)
        self._new = fresh

    def _drop_repeat(self, fresh: list[Word]) -> list[Word]:
        tail = [key(w.text) for w in self.tail]
        for n in range(min(len(tail), len(fresh), _NGRAM), 0, -1):
            if tail[-n:] == [key(w.text) for w in fresh[:n]]:
                return fresh[n:]
        return fresh

    def flush(self) -> list[Word]:
        """Commit the agreed prefix of the last two hypotheses; returns the new words."""
        new, self._new = self._new or [], None
        commit: list[Word] = []
        while new and self.previous and key(new[0].text) == key(self.previous[0].text):
            commit.append(new.pop(0))
            self.previous.pop(0)
        self.previous = new
        self._committed(commit)
        return commit

    def flush_all(self) -> list[Word]:
        """Commit the newest hypothesis whole: the utterance is over, nothing more will come."""
        words = self._new if self._new is not None else self.previous
        self.previous, self._new = [], None
        self._committed(words)
        return words

    def _committed(self, words: list[Word]) -> None:
        if words:
            self.tail = (self.tail + words)[-_NGRAM:]
            self.last_committed_time = words[-1].end

    @property
    def tentative(self) -> list[Word]:
        """The uncommitted rest of the last hypothesis (sent as a revisable partial)."""
        return self.previous

    def reset(self) -> None:
        """Start a new utterance: nothing tentative is kept; committed time and tail stay.

        The tail stays so that a decode which says the prompt (the last words) again at the
        start of the next utterance does not commit them twice.
        """
        self.previous, self._new = [], None
