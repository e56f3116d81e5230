"""The live commit policy and buffer rules, with a stand-in decoder (no model, milliseconds).

The stand-in (named as such) reads a script of timed words: a decode of the buffer returns
the words said inside it, as Whisper with perfect hearing would, and records what it was
given. A stand-in voice activity detector hears speech everywhere but in scripted pauses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from engine.live.agreement import HOLD, STABLE, CommitPolicy
from engine.live.streamer import CONTEXT, MIN_STEP, Decoded, LiveOptions, LiveStreamer
from engine.pipeline.audio import SAMPLE_RATE
from engine.result import Word


def words(text: str, start: float = 0.0, step: float = 0.5) -> list[Word]:
    return [
        Word(f" {w}", start + i * step, start + i * step + step * 0.8, 0.9)
        for i, w in enumerate(text.split())
    ]


def texts(ws: list[Word]) -> list[str]:
    return [w.text.strip() for w in ws]


# -- the commit policy -------------------------------------------------------------------


def test_one_decode_commits_the_words_heard_long_enough_before_the_buffer_end() -> None:
    policy = CommitPolicy()
    hypothesis = words("ask not what your country can do", step=0.5)  # ends at 3.4 s
    policy.insert(hypothesis)
    committed = policy.flush(buffer_end=3.5)
    # No earlier hypothesis agrees, so only words ending STABLE before the end are taken.
    assert texts(committed) == [w.text.strip() for w in hypothesis if 3.5 - w.end >= STABLE]
    assert committed, "one decode must be enough to commit words heard long ago"
    assert texts(policy.tentative) == texts(hypothesis[len(committed) :])


def test_a_word_the_previous_decode_agreed_on_needs_only_the_hold() -> None:
    policy = CommitPolicy()
    policy.insert(words("ask not what"))
    policy.flush(buffer_end=1.5)  # "ask" ends at 0.4: 1.1 s before the end, under STABLE
    policy.insert(words("ask not what your"))
    # At 1.8 s: "ask" and "not" end HOLD or more before the end and were said before.
    assert texts(policy.flush(buffer_end=1.8)) == ["ask", "not"]
    assert texts(policy.tentative) == ["what", "your"]


def test_no_word_within_the_hold_of_the_buffer_end_is_committed_even_when_agreed() -> None:
    policy = CommitPolicy()
    for _ in range(3):
        policy.insert(words("one two"))  # "two" ends at 0.9 s
        committed = policy.flush(buffer_end=0.9 + HOLD / 2)
        assert "two" not in texts(committed)


def test_commits_stop_at_the_first_uncertain_word() -> None:
    policy = CommitPolicy()
    policy.insert(words("a b c d"))
    policy.flush(buffer_end=5.0)  # all of them: far before the end
    policy.insert(words("e f g", start=2.0))
    policy.flush(buffer_end=3.5)  # e (ends 2.4) is 1.1 s before: under STABLE, not agreed
    policy.insert(words("e x g", start=2.0))
    # e agreed and heard long enough; x disagrees and is too recent; g after x waits.
    assert texts(policy.flush(buffer_end=3.0 + HOLD)) == ["e"]
    assert texts(policy.tentative) == ["x", "g"]


def test_without_a_buffer_end_the_policy_is_local_agreement() -> None:
    policy = CommitPolicy()
    policy.insert(words("ask not what"))
    assert policy.flush() == []
    policy.insert(words("ask not what your"))
    assert texts(policy.flush()) == ["ask", "not", "what"]


# -- the streamer's buffer, with a stand-in decoder --------------------------------------


@dataclass
class Said:
    text: str
    start: float
    end: float


def script(sentences: int, pause: float = 0.6) -> list[Said]:
    """Sentences of six 0.3 s words 0.15 s apart, ``pause`` seconds between sentences."""
    out, t = [], 0.5
    for s in range(sentences):
        for i in range(6):
            end_mark = "." if i == 5 else ""
            out.append(Said(f"s{s}w{i}{end_mark}", t, t + 0.3))
            t += 0.45
        t += pause
    return out


class ScriptDecoder:
    """A stand-in for Whisper: the scripted words wholly inside the buffer, nothing else."""

    def __init__(self, said: list[Said]) -> None:
        self.said = said
        self.calls: list[tuple[float, float, str | None]] = []  # (start, end, prompt)
        self.streamer: LiveStreamer | None = None

    def __call__(
        self, audio: np.ndarray, *, language: str | None, task: str, prompt: str | None,
        beam_size: int | None,
    ) -> Decoded:  # fmt: skip
        assert self.streamer is not None
        start = self.streamer.offset / SAMPLE_RATE
        end = start + audio.size / SAMPLE_RATE
        self.calls.append((start, end, prompt))
        inside = [s for s in self.said if s.start >= start - 0.02 and s.end <= end]
        ws = [Word(f" {s.text}", s.start - start, s.end - start, 0.9) for s in inside]
        return Decoded(ws, "en", 1.0)


class ScriptedVad:
    """A stand-in for Silero VAD: speech everywhere but in the given pauses (seconds)."""

    def __init__(self, pauses: list[tuple[float, float]]) -> None:
        self.pauses = pauses
        self.samples = 0
        self.first_speech: int | None = None
        self.last_speech: int | None = None

    def push(self, audio: np.ndarray) -> None:
        for sample in range(self.samples, self.samples + audio.size, SAMPLE_RATE // 100):
            t = sample / SAMPLE_RATE
            if not any(a <= t < b for a, b in self.pauses):
                if self.first_speech is None:
                    self.first_speech = sample
                self.last_speech = sample + SAMPLE_RATE // 100
        self.samples += audio.size

    def silent_for(self) -> float:
        return (self.samples - (self.last_speech or 0)) / SAMPLE_RATE

    def reset_speech(self) -> None:
        self.first_speech = None


def stream(
    said: list[Said], pauses: list[tuple[float, float]], piece: float, silence: float = 0.0
) -> tuple[LiveStreamer, ScriptDecoder, list[dict]]:
    decoder = ScriptDecoder(said)
    streamer = LiveStreamer(
        decoder, LiveOptions(language="en", silence_seconds=silence), lambda: ScriptedVad(pauses)
    )
    decoder.streamer = streamer
    total = said[-1].end + 0.5
    audio = np.zeros(int(total * SAMPLE_RATE), np.float32)
    step = int(piece * SAMPLE_RATE)
    events = []
    for start in range(0, audio.size, step):
        events += streamer.feed(audio[start : start + step])
    events += streamer.finish()
    return streamer, decoder, events


def final_text(streamer: LiveStreamer) -> list[str]:
    return [w.text.strip() for s in streamer.segments for w in s.words]


def test_a_stream_decoded_every_few_seconds_commits_from_each_decode() -> None:
    """Several streams share the engine, so each is decoded once every few seconds: the
    words heard long enough before come from that decode, not from the next that agrees
    (with two decodes needed, every word would wait a whole piece longer)."""
    said = script(4)
    decoder = ScriptDecoder(said)
    streamer = LiveStreamer(decoder, LiveOptions(language="en"), lambda: ScriptedVad([]))
    decoder.streamer = streamer
    piece = np.zeros(int(2.5 * SAMPLE_RATE), np.float32)
    events = streamer.feed(piece)
    assert len(decoder.calls) == 1
    committed = " ".join(e["text"] for e in events if e["type"] == "words").split()
    assert committed == ["s0w0", "s0w1"]  # those ending STABLE before the 2.5 s heard
    events = streamer.feed(piece)  # 5 s: the first sentence is over, and final
    finals = [e["segment"]["text"].split() for e in events if e["type"] == "final"]
    assert finals == [[s.text for s in said[:6]]]


def test_everything_said_is_final_once_and_in_order() -> None:
    said = script(12)
    streamer, _, _ = stream(said, [], piece=MIN_STEP)
    assert final_text(streamer) == [s.text for s in said]


@pytest.mark.parametrize("piece", [MIN_STEP, 2.0, 5.0], ids=["real-time", "2s", "5s-behind"])
def test_the_buffer_stays_short_and_starts_in_a_pause(piece: float) -> None:
    said = script(12)  # 35 s of speech, no pause long enough to end an utterance
    streamer, decoder, _ = stream(said, [], piece=piece)
    assert final_text(streamer) == [s.text for s in said]
    for start, end, _prompt in decoder.calls:
        # At most CONTEXT of committed audio, what came since the last decode and the hold.
        assert end - start <= CONTEXT + piece + STABLE + 2.5, (start, end)
        assert not any(s.start < start < s.end for s in said), start  # never inside a word


def test_a_stream_that_falls_behind_is_decoded_once_per_piece() -> None:
    said = script(12)
    _, decoder, _ = stream(said, [], piece=5.0)
    assert len(decoder.calls) <= said[-1].end / 5.0 + 2


def test_the_prompt_is_the_committed_text_before_the_buffer() -> None:
    said = script(8)
    _, decoder, _ = stream(said, [], piece=MIN_STEP)
    late = [(start, prompt) for start, _, prompt in decoder.calls if start > 5.0]
    assert late
    for start, prompt in late:
        before = [s.text for s in said if s.end <= start]
        assert prompt is not None and prompt.split()[-1] == before[-1], (start, prompt)


def test_an_utterance_ended_by_a_pause_is_final_and_the_next_is_read_after_it() -> None:
    said = script(2, pause=2.0)
    gap = (said[5].end + 0.05, said[6].start - 0.05)
    streamer, decoder, events = stream(said, [gap], piece=0.1, silence=1.0)
    utterances = [e for e in events if e["type"] == "utterance"]
    assert utterances[0]["text"].split() == [s.text for s in said[:6]]
    assert final_text(streamer) == [s.text for s in said]  # nothing twice, nothing lost
    # The second utterance was decoded with the end of the first in its audio (context).
    second = [start for start, end, _ in decoder.calls if end > said[6].start]
    assert second and second[0] < said[5].start


def test_silence_never_reaches_the_decoder() -> None:
    said = script(1)
    quiet = [(0.0, 100.0)]  # the stand-in VAD hears nothing at all
    streamer, decoder, events = stream(said, quiet, piece=MIN_STEP, silence=0.5)
    assert decoder.calls == []
    assert streamer.segments == []
    assert [e["type"] for e in events] == ["done"]
