"""One live stream: a growing audio buffer, decoded again and again, committed by agreement.

This is whisper_streaming's online processor (Macháček et al., 2023) on faster-whisper:

- every :data:`MIN_STEP` seconds of new audio the whole buffer is decoded, with the text
  committed before the buffer as the prompt; :class:`LocalAgreement` commits what this
  decode and the previous one agree on, and the rest is a revisable partial;
- committed words that end a sentence close a *final* segment (a long sentence closes one at
  its last clause mark); once the buffer is longer than :data:`TRIM_AFTER` it is cut at the
  last final, and only ever after committed words; it is decoded before it outgrows
  Whisper's window (:data:`WINDOW`), whatever the size of the pieces fed;
- silence (``silence_seconds``) or an explicit commit ends the utterance: the buffer is
  decoded once more, everything in it is committed and made final, and the buffer is cut at
  the last word said: the next utterance is decoded with that text as its prompt, never with
  audio whose words were already committed (a re-decode of it could commit them twice).

Times of words and segments are seconds from the start of the stream. Events are plain
dicts (they cross from the engine process to the host): ``speech_started``, ``words``
(newly committed text), ``partial``, ``final``, ``utterance`` and ``done``.
"""

from __future__ import annotations

import dataclasses
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from engine.live.agreement import LocalAgreement
from engine.live.silence import SilenceTracker
from engine.pipeline.audio import SAMPLE_RATE
from engine.result import Segment, Transcript, Word

MIN_STEP = 1.0  # seconds of new audio between decodes (whisper_streaming's min chunk)
TRIM_AFTER = 12.0  # a buffer longer than this is cut at the end of the last final
MAX_BUFFER = 24.0  # ... and longer than this, at the last committed word, whatever it is
WINDOW = 30.0  # Whisper's window: a buffer is decoded before it grows past it
KEEP_SILENCE = 0.5  # seconds of silence kept before speech starts
LONG_SILENCE = 5.0  # after this much silence the buffer is dropped (no context worth keeping)
PROMPT_CHARS = 200
_LOOK = SAMPLE_RATE // 10  # samples looked at for silence at a time
_SENTENCE_END = (".", "?", "!", "\u3002", "\uff1f", "\uff01")  # and CJK full stops
_CLAUSE_END = (",", ";", ":", "\u3001", "\uff0c")
# Greedy first; a decode that loops (compression ratio over 2.4) or reads improbably
# (average log-probability under -1.0) is redone warmer, as faster-whisper does offline.
# The log-probability threshold also keeps speech from being skipped as silence: without it,
# faster-whisper drops every window whose no-speech probability passes 0.6, however clearly
# the words were read, and a buffer of speech came back empty (at the end of a stream, its
# last 15 s were lost).
# A decode that leaves more than this much of the buffer's speech (by Silero VAD) without a
# word is read again without timestamp tokens. With them, a window read as a finished
# segment then an unfinished one is aligned over the whole window, the finished segment's
# words land at its end, and faster-whisper seeks past everything between: about one decode
# in fifty of a long buffer lost most of it, and when that decode was the one trusted at a
# stream's end, so was the end of the stream (43 words). Read whole, the buffer keeps every
# word, but reads a little worse in general (live WER +0.6 points, mean of eight piece
# schedules of the espeak-ng reading), so it is the fallback.
_UNHEARD = 2.0
_WORD_GAP = 1.0  # seconds between two words that still count as covered by them
_LONGEST_WORD = 2.0  # seconds of speech one word covers at most
_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
_LOG_PROB_THRESHOLD = -1.0

Event = dict[str, Any]


@dataclass(frozen=True)
class LiveOptions:
    """What a client asks of one stream."""

    language: str | None = None
    task: str = "transcribe"
    initial_prompt: str | None = None
    beam_size: int | None = None
    silence_seconds: float = 0.8  # silence that ends an utterance; 0 = only explicit commits

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Decoded:
    words: list[Word]  # times from the start of the decoded audio
    language: str
    language_probability: float


class Decoder(Protocol):
    """Decodes one buffer of 16 kHz audio into timed words."""

    def __call__(
        self, audio: np.ndarray, *, language: str | None, task: str, prompt: str | None,
        beam_size: int | None,
    ) -> Decoded: ...  # fmt: skip


class WhisperDecoder:
    """A :class:`Decoder` over a loaded faster-whisper model (the engine's own)."""

    def __init__(self, model: Any, beam_size: int) -> None:
        self.model = model
        self.beam_size = beam_size

    def __call__(
        self, audio: np.ndarray, *, language: str | None, task: str, prompt: str | None,
        beam_size: int | None,
    ) -> Decoded:  # fmt: skip
        options = {
            "language": language,
            "task": task,
            "beam_size": beam_size or self.beam_size,
            "initial_prompt": prompt or None,
        }
        decoded = self._read(audio, options, timestamps=True)
        speech = _speech(audio)
        missed = _unheard(speech, decoded.words)
        if missed > _UNHEARD:
            again = self._read(audio, options, timestamps=False)
            if _unheard(speech, again.words) < missed:
                return again
        return decoded

    def _read(self, audio: np.ndarray, options: dict[str, Any], timestamps: bool) -> Decoded:
        segments, info = self.model.transcribe(
            audio,
            **options,
            word_timestamps=True,
            vad_filter=False,
            condition_on_previous_text=True,
            temperature=list(_TEMPERATURES),
            compression_ratio_threshold=2.4,
            log_prob_threshold=_LOG_PROB_THRESHOLD,
            without_timestamps=not timestamps,
        )
        words = [
            Word(w.word, float(w.start), float(w.end), float(w.probability))
            for segment in segments
            for w in segment.words or []
        ]
        return Decoded(words, info.language, float(info.language_probability))


def _speech(audio: np.ndarray) -> list[tuple[float, float]]:
    """Where Silero VAD hears speech in ``audio``, in seconds."""
    from faster_whisper.vad import get_speech_timestamps

    return [
        (s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in get_speech_timestamps(audio)
    ]


def _unheard(speech: list[tuple[float, float]], words: list[Word]) -> float:
    """Seconds of ``speech`` no word covers (words closer than _WORD_GAP cover the gap)."""
    covered: list[tuple[float, float]] = []
    for w in words:
        end = min(w.end, w.start + _LONGEST_WORD)  # a word stretched over a hole covers none
        if covered and w.start - covered[-1][1] <= _WORD_GAP:
            covered[-1] = (covered[-1][0], max(covered[-1][1], end))
        else:
            covered.append((w.start - _WORD_GAP / 2, end + _WORD_GAP / 2))
    heard = sum(max(0.0, min(end, b) - max(start, a)) for start, end in speech for a, b in covered)
    return sum(end - start for start, end in speech) - heard


class LiveStreamer:
    """The state of one stream between frames; ``feed`` and ``finish`` return events."""

    def __init__(
        self,
        decoder: Decoder,
        options: LiveOptions,
        tracker: Callable[[], SilenceTracker] = SilenceTracker,
    ) -> None:
        self.decoder = decoder
        self.options = options
        self.silence = tracker()
        self.agreement = LocalAgreement()
        self.audio = np.zeros(0, dtype=np.float32)
        self.offset = 0  # stream sample at audio[0]
        self.total = 0  # samples received
        self.undecoded = 0  # samples received since the last decode
        self.pending: list[Word] = []  # committed, not yet in a final segment
        self.history: list[Word] = []  # recent committed words (the prompt's source)
        self.utterance: list[Word] = []  # committed words of the current utterance
        self.segments: list[Segment] = []
        self.language = options.language
        self.language_probability = 1.0 if options.language else 0.0
        self.partial = ""
        self.speaking = False

    # -- input ---------------------------------------------------------------------------

    def feed(self, audio: np.ndarray, end_utterance: bool = False) -> list[Event]:
        """Add audio; ``end_utterance``: the client says the utterance ends after it.

        The audio is looked at in tenths of a second, so a pause inside a long piece still
        ends its utterance where it is; the buffer is decoded once per piece, and again
        inside a piece whenever the buffer reaches Whisper's window (a decode of more than
        the window reads its first 30 s and then a fragment, with garbled word times).
        """
        events: list[Event] = []
        for start in range(0, audio.size, _LOOK):
            events += self._take(audio[start : start + _LOOK])
            if self.speaking and self.audio.size + _LOOK > WINDOW * SAMPLE_RATE:
                events += self._step()  # a longer piece than Whisper's window holds
        if end_utterance:
            events += self._end_utterance(committed=True)
        elif not self.speaking:
            if self.silence.silent_for() > LONG_SILENCE:  # nothing left worth its context
                self._cut(max(self.offset, self.total - int(KEEP_SILENCE * SAMPLE_RATE)))
        elif self.undecoded >= MIN_STEP * SAMPLE_RATE:
            events += self._step()
        return events

    def _take(self, audio: np.ndarray) -> list[Event]:
        """Append a little audio; speech starting, or silence ending an utterance, is noted."""
        events: list[Event] = []
        self.audio = np.concatenate([self.audio, audio])
        self.total += audio.size
        self.undecoded += audio.size
        self.silence.push(audio)
        if not self.speaking and self.silence.first_speech is not None:
            self.speaking = True
            events.append({"type": "speech_started", "at": self.silence.first_speech / SAMPLE_RATE})
        quiet = self.options.silence_seconds > 0 and (
            self.silence.silent_for() >= self.options.silence_seconds
        )
        if self.speaking and quiet:
            events += self._end_utterance(committed=False)
        return events

    def finish(self) -> list[Event]:
        """The stream ended: the last utterance is made final, then the whole result."""
        events = self._end_utterance(committed=False) if self.speaking or self.pending else []
        events.append({"type": "done", "result": self.result().to_dict()})
        return events

    def result(self) -> Transcript:
        return Transcript(
            language=self.language or "",
            language_probability=self.language_probability,
            duration=self.total / SAMPLE_RATE,
            segments=self.segments,
            task=self.options.task,
        )

    # -- decoding ------------------------------------------------------------------------

    def _decode(self) -> list[Word]:
        self.undecoded = 0
        decoded = self.decoder(
            self.audio,
            language=self.language,
            task=self.options.task,
            prompt=self._prompt(),
            beam_size=self.options.beam_size,
        )
        if self.language is None and (self.audio.size >= 3 * SAMPLE_RATE or not self.speaking):
            self.language = decoded.language
            self.language_probability = decoded.language_probability
        start, end = self.offset / SAMPLE_RATE, self.total / SAMPLE_RATE
        return [
            Word(w.text, min(end, w.start + start), min(end, w.end + start), w.confidence)
            for w in decoded.words
        ]

    def _prompt(self) -> str | None:
        before = self.offset / SAMPLE_RATE
        context = "".join(w.text for w in self.history if w.end <= before + 1e-3)
        context = context[-PROMPT_CHARS:].strip()
        prompt = " ".join(p for p in (self.options.initial_prompt, context) if p)
        return prompt or None

    def _step(self) -> list[Event]:
        self.agreement.insert(self._decode())
        events = self._commit(self.agreement.flush())
        events += self._finals(force=False)
        events += self._trim()
        return events + self._partial()

    def _end_utterance(self, committed: bool) -> list[Event]:
        if self.speaking and self.undecoded:
            self.agreement.insert(self._decode())
        events = self._commit(self.agreement.flush_all())
        events += self._finals(force=True)
        events.append(
            {
                "type": "utterance",
                "committed": committed,
                "text": "".join(w.text for w in self.utterance).strip(),
                "start": self.utterance[0].start if self.utterance else self.offset / SAMPLE_RATE,
                "end": self.total / SAMPLE_RATE,
            }
        )
        self.utterance = []
        self.agreement.reset()
        self.silence.reset_speech()
        self.speaking = False
        if self.segments:  # the next decode starts after the last word said, its text the prompt
            self._cut(int(self.segments[-1].end * SAMPLE_RATE))
        return events + self._partial()

    # -- committing ----------------------------------------------------------------------

    def _commit(self, words: list[Word]) -> list[Event]:
        if not words:
            return []
        last = self.history[-1].end if self.history else 0.0
        for word in words:
            word.start = max(word.start, last)
            word.end = last = max(word.end, word.start)
        self.pending += words
        self.utterance += words
        self.history = (self.history + words)[-100:]
        return [{"type": "words", "text": "".join(w.text for w in words)}]

    def _finals(self, force: bool) -> list[Event]:
        events = []
        while self.pending:
            ends = [i for i, w in enumerate(self.pending) if w.text.strip().endswith(_SENTENCE_END)]
            if not ends and not force:
                break
            cut = ends[0] + 1 if ends else len(self.pending)
            events.append(self._final(self.pending[:cut]))
            self.pending = self.pending[cut:]
        return events

    def _final(self, words: list[Word]) -> Event:
        segment = _segment(len(self.segments), words)
        self.segments.append(segment)
        return {"type": "final", "segment": segment.to_dict()}

    def _trim(self) -> list[Event]:
        """Keep the buffer inside Whisper's window: cut at a final, or make one to cut at.

        Audio is only ever cut at the end of committed words, so nothing said is dropped.
        """
        if self.audio.size <= TRIM_AFTER * SAMPLE_RATE:
            return []
        events = self._clause_final()
        if self.segments:  # (a final before the buffer cuts nothing)
            self._cut(int(self.segments[-1].end * SAMPLE_RATE))
        if self.audio.size <= MAX_BUFFER * SAMPLE_RATE:
            return events
        if not self.pending:  # no committed word to cut after: the last reading is taken whole
            events += self._commit(self.agreement.flush_all())
        if self.pending:
            events.append(self._final(self.pending))
            self.pending = []
            self._cut(int(self.segments[-1].end * SAMPLE_RATE))
        else:  # no word in the whole buffer: nothing said to keep
            self._cut(self.total - int(KEEP_SILENCE * SAMPLE_RATE))
        return events

    def _clause_final(self) -> list[Event]:
        """A long sentence is made final at its last committed clause boundary."""
        ends = [i for i, w in enumerate(self.pending) if w.text.strip().endswith(_CLAUSE_END)]
        if not ends:
            return []
        cut = ends[-1] + 1
        event = self._final(self.pending[:cut])
        self.pending = self.pending[cut:]
        return [event]

    def _cut(self, sample: int) -> None:
        drop = min(max(0, sample - self.offset), self.audio.size)
        if drop:
            self.audio = self.audio[drop:]
            self.offset += drop

    def _partial(self) -> list[Event]:
        text = "".join(w.text for w in self.pending + self.agreement.tentative).strip()
        if text == self.partial:
            return []
        self.partial = text
        return [{"type": "partial", "text": text}]


def _segment(index: int, words: list[Word]) -> Segment:
    text = "".join(w.text for w in words)
    logprob = sum(math.log(max(w.confidence, 1e-6)) for w in words) / len(words)
    encoded = text.encode()
    return Segment(
        id=index,
        start=words[0].start,
        end=words[-1].end,
        text=text,
        seek=int(words[0].start * 100),
        avg_logprob=logprob,
        compression_ratio=len(encoded) / max(1, len(zlib.compress(encoded))),
        words=[Word(w.text, w.start, w.end, w.confidence) for w in words],
    )
