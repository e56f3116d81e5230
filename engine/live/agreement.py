"""The live commit policy: which words of a decode are certain enough to show as final text.

Every decode of the buffer yields a hypothesis of timed words. whisper_streaming's
LocalAgreement-2 (Macháček et al., 2023) commits what two consecutive decodes agree on, so
every word waits for a second decode; a stream decoded once every two seconds (four streams
sharing the engine) then commits each word four seconds late. This policy needs one decode:
a word is committed when its aligned end lies at least :data:`HOLD` seconds before the end
of the decoded audio (Whisper has heard what follows it, AlignAtt's idea on faster-whisper's
word alignment) and the previous hypothesis said the same word there, or, whatever the
previous hypothesis said, when it ends :data:`STABLE` seconds before the end. Without a
``buffer_end`` it is LocalAgreement-2 itself (agreement alone).

Committed words are never revised, and a word is committed at most once: new hypotheses are
cut after the last committed time, and an n-gram that repeats the tail of what was committed
is dropped.
"""

from __future__ import annotations

import re

from engine.result import Word

HOLD = 0.5  # seconds of audio after a word before it may be committed
STABLE = 1.2  # ... after which it is committed without the previous hypothesis' agreement
_NGRAM = 5  # longest repeat of the committed tail looked for at a hypothesis' head
_SLACK = 0.1  # seconds a new word may start before the last committed end


def key(text: str) -> str:
    """What two decodes must agree on: the word without case, spaces or punctuation."""
    return re.sub(r"[^\w']", "", text.lower())


class CommitPolicy:
    """The hypothesis buffer of whisper_streaming, on absolute stream times."""

    def __init__(self, hold: float = HOLD, stable: float = STABLE) -> None:
        self.hold = hold
        self.stable = stable
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

    def flush(self, buffer_end: float | None = None) -> list[Word]:
        """Commit the certain head of the newest hypothesis; returns the new words.

        ``buffer_end``: where the decoded audio ended (stream seconds); None commits by
        agreement with the previous hypothesis alone (LocalAgreement-2).
        """
        new, self._new = self._new or [], None
        count = 0
        for i, word in enumerate(new):
            agreed = i < len(self.previous) and key(word.text) == key(self.previous[i].text)
            if buffer_end is None:
                certain = agreed
            else:
                room = buffer_end - word.end
                certain = room >= self.hold and (agreed or room >= self.stable)
            if not certain:
                break
            count += 1
        commit, self.previous = new[:count], new[count:]
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
