"""The live transcriber's parts without a model: the commit policy, the hub, the resampler."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import pytest

from engine.errors import InvalidParameter, TooLarge, Unavailable
from engine.live.agreement import LocalAgreement
from engine.live.hub import MAX_PIECE, LiveHub
from engine.live.pcm import PcmConverter
from engine.live.streamer import LiveOptions
from engine.result import Word
from harness import defaults


def words(text: str, start: float = 0.0, step: float = 0.5) -> list[Word]:
    return [
        Word(f" {w}", start + i * step, start + (i + 1) * step, 0.9)
        for i, w in enumerate(text.split())
    ]


def test_only_what_two_decodes_agree_on_is_committed() -> None:
    policy = LocalAgreement()
    policy.insert(words("ask not what"))
    assert policy.flush() == []  # one decode: nothing agreed yet
    assert [w.text for w in policy.tentative] == [" ask", " not", " what"]
    policy.insert(words("ask not what your country"))
    assert [w.text for w in policy.flush()] == [" ask", " not", " what"]
    policy.insert(words("ask knot what your country can"))  # earlier words changed: ignored
    assert [w.text for w in policy.flush()] == [" your", " country"]
    assert [w.text for w in policy.tentative] == [" can"]


def test_agreement_ignores_case_and_punctuation_and_takes_the_newer_text() -> None:
    policy = LocalAgreement()
    policy.insert(words("hello world"))
    policy.flush()
    policy.insert(words("Hello, world."))
    assert [w.text for w in policy.flush()] == [" Hello,", " world."]


def test_a_word_is_never_committed_twice() -> None:
    policy = LocalAgreement()
    for _ in range(2):
        policy.insert(words("one two three four"))
        policy.flush()
    # The buffer was cut after "two"; a decode repeats "three four" slightly earlier.
    again = words("three four five six", start=1.05)
    policy.insert(again)
    policy.flush()
    policy.insert(again)
    committed = policy.flush()
    assert [w.text for w in committed] == [" five", " six"]


def test_the_prompt_said_again_after_an_utterance_is_not_committed_twice() -> None:
    policy = LocalAgreement()
    policy.insert(words("we shall not fail"))
    policy.flush_all()  # the utterance ended at 2.0 s; the buffer is cut there
    policy.reset()
    # The next utterance's decode starts by saying the prompt's last words again.
    again = words("not fail and then more", start=2.05)
    policy.insert(again)
    assert [w.text for w in policy.flush_all()] == [" and", " then", " more"]


def test_flush_all_commits_the_newest_hypothesis_whole() -> None:
    policy = LocalAgreement()
    policy.insert(words("a b"))
    policy.flush()
    policy.insert(words("a b c d"))
    assert [w.text for w in policy.flush_all()] == [" a", " b", " c", " d"]
    assert policy.tentative == []


def test_a_fresh_policy_has_nothing_to_commit() -> None:
    policy = LocalAgreement()
    assert policy.tentative == []
    assert policy.flush() == []
    assert policy.flush_all() == []


def test_flush_all_after_a_flush_commits_what_was_tentative() -> None:
    policy = LocalAgreement()
    policy.insert(words("a b"))
    assert policy.flush() == []
    assert [w.text for w in policy.flush_all()] == [" a", " b"]
    assert policy.last_committed_time == 1.0
    assert policy.flush_all() == []


def test_a_hypothesis_wholly_before_the_committed_time_commits_nothing() -> None:
    policy = LocalAgreement()
    policy.insert(words("one two three"))
    policy.flush_all()
    policy.insert(words("one two", start=0.0))
    assert policy.flush_all() == []


def test_a_word_starting_just_within_the_slack_is_dropped() -> None:
    policy = LocalAgreement()
    policy.insert(words("one two"))
    policy.flush_all()  # committed up to 1.0 s
    policy.insert([Word(" two", 0.9, 1.2, 0.9), Word(" three", 1.2, 1.6, 0.9)])
    assert [w.text for w in policy.flush_all()] == [" three"]


def test_one_repeated_word_of_the_committed_tail_is_dropped() -> None:
    policy = LocalAgreement()
    policy.insert(words("we shall not fail"))
    policy.flush_all()
    policy.reset()
    policy.insert(words("fail and more", start=2.05))
    assert [w.text for w in policy.flush_all()] == [" and", " more"]


def test_a_two_word_repeat_of_a_five_word_tail_is_dropped() -> None:
    policy = LocalAgreement()
    policy.insert(words("one two three four five"))
    policy.flush_all()  # ends at 2.5 s
    policy.reset()
    policy.insert(words("four five six seven", start=2.55))
    assert [w.text for w in policy.flush_all()] == [" six", " seven"]


def test_a_repeat_is_dropped_only_when_the_hypothesis_starts_near_the_commit() -> None:
    policy = LocalAgreement()
    policy.insert(words("we shall not fail"))
    policy.flush_all()  # ends at 2.0 s
    policy.reset()
    # Said again a full second later: a real repetition, kept.
    policy.insert(words("fail again", start=3.0))
    assert [w.text for w in policy.flush_all()] == [" fail", " again"]


def test_the_repeat_check_looks_at_the_first_new_word() -> None:
    policy = LocalAgreement()
    policy.insert(words("we shall not fail"))
    policy.flush_all()  # ends at 2.0 s
    policy.reset()
    policy.insert([Word(" fail", 2.05, 2.4, 0.9), Word(" later", 3.5, 3.9, 0.9)])
    assert [w.text for w in policy.flush_all()] == [" later"]


def _sink() -> tuple[list[dict], Callable[[list[dict]], None]]:
    events: list[dict] = []
    return events, events.extend


def test_the_hub_serves_the_stream_waiting_longest_one_piece_at_a_time() -> None:
    hub = LiveHub(defaults.live_limits(max_streams=3))
    _, sink = _sink()
    first = hub.open(LiveOptions(), sink)
    second = hub.open(LiveOptions(), sink)
    hub.feed(first, np.zeros(16000 * 12, np.float32))  # 12 s behind
    hub.feed(second, np.zeros(16000 * 2, np.float32))
    order = []
    for _ in range(4):
        piece = hub.take("engine", timeout=0.1)
        assert piece is not None
        order.append((piece["id"], len(piece["audio"]) // 4))
        hub.post(piece["id"], [])
    assert order[0] == (first, int(MAX_PIECE * 16000))  # a lagging stream gets bigger pieces
    assert order[1] == (second, 32000)  # ... but the other is served next, not starved
    assert order[2][0] == first and order[3][0] == first
    assert hub.take("engine", timeout=0.05) is None  # 5 + 5 + 2 s: all of it taken


def test_the_hub_limits_streams_length_and_refuses_audio_after_stop() -> None:
    hub = LiveHub(defaults.live_limits(max_streams=1, max_seconds=1.0))
    events, sink = _sink()
    stream = hub.open(LiveOptions(), sink)
    with pytest.raises(Unavailable, match="LIVE_MAX_STREAMS"):
        hub.open(LiveOptions(), sink)
    with pytest.raises(TooLarge, match="LIVE_MAX_SECONDS"):
        hub.feed(stream, np.zeros(20000, np.float32))
    hub.close(stream)
    with pytest.raises(InvalidParameter, match="stopped"):
        hub.feed(stream, np.zeros(10, np.float32))
    piece = hub.take("engine", timeout=0.1)
    assert piece is not None and piece["end"]
    assert hub.post(stream, [{"type": "done", "result": {}}]) is False
    assert events == [{"type": "done", "result": {}}]
    assert hub.count() == 0


def test_a_commit_cuts_the_piece_where_the_client_committed() -> None:
    hub = LiveHub(defaults.live_limits())
    _, sink = _sink()
    stream = hub.open(LiveOptions(), sink)
    hub.feed(stream, np.zeros(8000, np.float32))
    hub.commit(stream)
    hub.feed(stream, np.zeros(24000, np.float32))
    piece = hub.take("engine", timeout=0.1)
    assert piece is not None and piece["commit"] and len(piece["audio"]) == 8000 * 4
    hub.post(stream, [])
    piece = hub.take("engine", timeout=0.1)
    assert piece is not None and not piece["commit"] and piece["start"] == 8000


def test_take_waits_for_audio() -> None:
    hub = LiveHub(defaults.live_limits())
    _, sink = _sink()
    stream = hub.open(LiveOptions(), sink)
    timer = threading.Timer(0.1, hub.feed, (stream, np.zeros(16000, np.float32)))
    timer.start()
    piece = hub.take("engine", timeout=5)
    timer.join()
    assert piece is not None and piece["id"] == stream


@pytest.mark.parametrize("rate, fmt", [(24000, "pcm16"), (44100, "float32"), (16000, "pcm16")])
def test_frames_of_any_size_come_out_at_16_khz(rate: int, fmt: str) -> None:
    seconds = 2
    tone = np.sin(np.arange(rate * seconds) * 2 * np.pi * 440 / rate) * 0.5
    data = (
        (tone * 32767).astype("<i2").tobytes() if fmt == "pcm16" else tone.astype("<f4").tobytes()
    )
    converter = PcmConverter(rate, fmt)
    out = [converter.convert(data[i : i + 1001]) for i in range(0, len(data), 1001)]
    samples = np.concatenate([*out, converter.flush()])
    assert abs(samples.size - 16000 * seconds) <= 64
    assert 0.3 < float(np.sqrt(np.mean(samples[1000:-1000] ** 2))) < 0.4  # 0.5 / sqrt(2)


def test_a_stream_stopped_before_any_decode_commits_an_empty_list() -> None:
    assert LocalAgreement().flush_all() == []
