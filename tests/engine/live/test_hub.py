"""The live hub's bounds and bookkeeping, without a model: room, idleness, lag."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pytest

from engine.errors import TooLarge
from engine.live import hub as hub_module
from engine.live.hub import MAX_BACKLOG, MAX_PIECE, MAX_WAITING, LiveHub
from engine.live.streamer import LiveOptions
from harness import defaults

SECOND = 16000


def _sink() -> tuple[list[dict], Callable[[list[dict]], None]]:
    events: list[dict] = []
    return events, events.extend


def test_a_stream_fed_faster_than_the_engine_reads_is_told_to_wait_then_refused() -> None:
    hub = LiveHub(defaults.live_limits())
    _, sink = _sink()
    rooms: list[bool] = []
    stream = hub.open(LiveOptions(), sink, on_room=lambda: rooms.append(True))
    second = np.zeros(SECOND, np.float32)
    answers = [hub.feed(stream, second) for _ in range(int(MAX_WAITING))]
    assert all(answers[:-1]) and answers[-1] is False  # full past MAX_WAITING seconds
    assert not hub.has_room(stream)
    piece = hub.take("engine", timeout=0.1)
    assert piece is not None and len(piece["audio"]) == int(MAX_PIECE * SECOND) * 4
    assert rooms == [True] and hub.has_room(stream)  # the engine took some: room again
    # A face that feeds on regardless is refused before the backlog grows without bound.
    with pytest.raises(TooLarge, match="faster than it can be transcribed"):
        for _ in range(int(MAX_BACKLOG)):
            hub.feed(stream, second)
    assert hub.has_room("gone")  # an ended stream holds no one back


def test_a_piece_joins_only_the_frames_it_takes() -> None:
    hub = LiveHub(defaults.live_limits())
    _, sink = _sink()
    stream = hub.open(LiveOptions(), sink)
    frames = [np.full(1600, i, np.float32) for i in range(12 * 10)]  # 12 s in 0.1 s frames
    for frame in frames:
        hub.feed(stream, frame)
    pieces = []
    while (piece := hub.take("engine", timeout=0.05)) is not None:
        pieces.append(np.frombuffer(piece["audio"], np.float32))
        hub.post(stream, [])
    assert [p.size for p in pieces] == [5 * SECOND, 5 * SECOND, 2 * SECOND]
    assert np.array_equal(np.concatenate(pieces), np.concatenate(frames))  # nothing lost


def test_a_stream_is_idle_only_when_nothing_of_it_waits() -> None:
    hub = LiveHub(defaults.live_limits())
    _, sink = _sink()
    stream = hub.open(LiveOptions(), sink)
    hub.feed(stream, np.zeros(SECOND, np.float32))
    assert hub.idle_for(stream) == 0.0  # its audio waits for the engine
    piece = hub.take("engine", timeout=0.1)
    assert piece is not None and hub.idle_for(stream) == 0.0  # ... is in the engine
    hub.post(stream, [])
    posted = time.monotonic()
    idle = hub.idle_for(stream)
    assert 0.0 < idle <= time.monotonic() - posted + 1e-3  # counted from the engine's answer
    assert hub.idle_for("gone") == 0.0


def test_finals_and_partials_say_how_far_behind_the_voice_they_are(monkeypatch) -> None:
    clock = iter([100.0, 101.0, 103.5])  # a stand-in clock: each frame's arrival, then the post
    monkeypatch.setattr(hub_module, "wall_clock", lambda: next(clock))
    hub = LiveHub(defaults.live_limits())
    events, sink = _sink()
    stream = hub.open(LiveOptions(), sink)
    hub.feed(stream, np.zeros(SECOND, np.float32))  # arrives at 100.0
    hub.feed(stream, np.zeros(SECOND, np.float32))  # arrives at 101.0
    assert hub.take("engine", timeout=0.1) is not None
    segment = {"id": 0, "start": 0.2, "end": 0.9, "text": " Hello."}
    hub.post(stream, [{"type": "final", "segment": segment}, {"type": "partial", "text": ""}])
    final, partial = events  # posted at 103.5
    assert final["segment"] == segment  # the segment keeps the result's shape
    assert final["audio_end_at"] == 100.0  # its last word came with the first frame
    assert final["lag"] == 3.5
    assert partial["lag"] == 2.5  # the newest audio the engine read came at 101.0
