"""The host side of live transcription: streams opened by the faces, served by the engine.

A face (the server's WebSockets, the GUI's recorder, ``python -m app live``) opens a stream,
feeds it 16 kHz audio and closes it; events come back to the listener it gave. The engine
process reaches the same hub through the host's ``multiprocessing`` manager (as it reaches
the stacks) and calls :meth:`LiveHub.take` for the next piece of audio to decode and
:meth:`LiveHub.post` with what came of it.

Fairness: ``take`` hands out the stream whose undecoded audio has waited longest, one piece
at a time, so every stream advances in turn however many there are. A stream that falls
behind skips decodes instead of queueing them: its piece is all the audio waiting, up to
:data:`MAX_PIECE`, decoded once, so it catches up with fewer decodes.

Bounds: audio waiting for the engine is held per stream in the frames it came in (a piece
joins only its own frames, never the whole backlog). Past :data:`MAX_WAITING` seconds,
:meth:`LiveHub.feed` answers that there is no room and the face stops reading until the
stream's ``on_room`` callback says the engine took some; a face that feeds on regardless is
refused past :data:`MAX_BACKLOG` seconds.

Lag: ``final`` events gain ``audio_end_at`` (Unix time at which the host received the
segment's last audio) and ``lag`` (seconds from then until the event was posted); ``partial``
events gain ``lag``, from the arrival of the newest audio the engine had read.
"""

from __future__ import annotations

import bisect
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.errors import InvalidParameter, TooLarge, Unavailable
from engine.live.streamer import MIN_STEP, LiveOptions
from engine.pipeline.audio import SAMPLE_RATE

log = logging.getLogger(__name__)

MAX_PIECE = 5.0  # seconds of audio handed to the engine at once, at most
MAX_WAITING = 30.0  # seconds of audio a stream may have waiting before its face pushes back
MAX_BACKLOG = 120.0  # ... and past which its audio is refused (a face that never pushes back)
_STALE = 120.0  # seconds a piece may stay in the engine before its stream is given up
_ARRIVALS_KEPT = 60.0  # seconds of audio before the engine's position whose arrival is kept

Listener = Callable[[list[dict[str, Any]]], None]


@dataclass(frozen=True)
class LiveLimits:
    """Bounds on live streams (from the app's settings, where their defaults are declared)."""

    max_streams: int
    max_frame_bytes: int
    max_seconds: float
    idle_seconds: float


@dataclass
class _Stream:
    id: str
    options: LiveOptions
    listener: Listener
    on_room: Callable[[], None] | None = None
    chunks: deque[np.ndarray] = field(default_factory=deque)
    queued: int = 0  # samples fed, not yet taken
    received: int = 0  # samples fed in all
    taken: int = 0  # samples handed to the engine
    waiting_since: float | None = None  # when the oldest untaken audio arrived
    commits: list[int] = field(default_factory=list)  # sample positions the client committed
    busy_since: float | None = None  # a piece is in the engine
    active: float = field(default_factory=time.monotonic)  # last audio fed or events posted
    arrived: list[int] = field(default_factory=list)  # samples received after each feed ...
    arrived_at: list[float] = field(default_factory=list)  # ... and when (Unix time)
    ended: bool = False  # no more audio will come
    finished: bool = False  # the engine sent ``done`` (or an error)

    def arrival(self, seconds: float) -> float:
        """When (Unix time) the audio at ``seconds`` from the stream's start was received."""
        index = bisect.bisect_left(self.arrived, round(seconds * SAMPLE_RATE))
        if not self.arrived_at:
            return wall_clock()
        return self.arrived_at[min(index, len(self.arrived_at) - 1)]

    def forget_arrivals(self) -> None:
        """Arrivals long before the engine's position are never asked for again."""
        drop = bisect.bisect_left(self.arrived, self.taken - int(_ARRIVALS_KEPT * SAMPLE_RATE))
        if drop:
            del self.arrived[:drop], self.arrived_at[:drop]


class LiveHub:
    """Every open live stream of one host; thread-safe."""

    def __init__(self, limits: LiveLimits) -> None:
        self.limits = limits
        self._cond = threading.Condition(threading.RLock())
        self._streams: dict[str, _Stream] = {}
        self._ready = True  # False while the engine cannot serve streams

    # -- the faces' side -----------------------------------------------------------------

    def open(
        self,
        options: LiveOptions,
        listener: Listener,
        on_room: Callable[[], None] | None = None,
    ) -> str:
        """Start a stream; raises Unavailable (503) when the most streams are open.

        ``on_room`` is called (on the engine's thread) when the engine takes audio from a
        stream whose :meth:`feed` said there was no room; it must not block.
        """
        with self._cond:
            self.check_room()
            stream = _Stream(uuid.uuid4().hex, options, listener, on_room)
            self._streams[stream.id] = stream
        log.info("Live stream %s opened", stream.id)
        return stream.id

    def check_room(self) -> None:
        """Raise Unavailable (503) when the most streams are open."""
        with self._cond:
            if len(self._streams) >= self.limits.max_streams:
                raise Unavailable(
                    f"Too many live streams: {self.limits.max_streams} are open "
                    "(LIVE_MAX_STREAMS); try again when one ends",
                    retry_after=10,
                )

    def feed(self, stream_id: str, audio: np.ndarray) -> bool:
        """Add 16 kHz mono float32 audio; False when the stream has no room for more.

        Raises TooLarge past the stream length limit, or past :data:`MAX_BACKLOG` of audio
        waiting for the engine.
        """
        with self._cond:
            stream = self._get(stream_id)
            if stream.ended:
                raise InvalidParameter("The stream was already stopped; no more audio is taken")
            if (stream.received + audio.size) / SAMPLE_RATE > self.limits.max_seconds:
                raise TooLarge(
                    f"The stream is over the limit of {self.limits.max_seconds:.0f} s of audio "
                    "(LIVE_MAX_SECONDS); start a new one"
                )
            if (stream.queued + audio.size) / SAMPLE_RATE > MAX_BACKLOG:
                raise TooLarge(
                    f"Audio arrives faster than it can be transcribed: over {MAX_BACKLOG:.0f} s "
                    "of it are waiting for the engine; send audio at the pace it is spoken"
                )
            if audio.size:
                stream.chunks.append(audio.astype(np.float32, copy=False))
                stream.queued += audio.size
                stream.received += audio.size
                stream.arrived.append(stream.received)
                stream.arrived_at.append(wall_clock())
                stream.active = time.monotonic()
                if stream.waiting_since is None:
                    stream.waiting_since = time.monotonic()
                self._cond.notify_all()
            return _has_room(stream)

    def has_room(self, stream_id: str) -> bool:
        """Whether the stream takes more audio now (True once it has ended: nothing waits)."""
        with self._cond:
            stream = self._streams.get(stream_id)
            return stream is None or stream.finished or _has_room(stream)

    def idle_for(self, stream_id: str) -> float:
        """Seconds since the stream last had audio fed or text posted; 0 while work waits."""
        with self._cond:
            stream = self._streams.get(stream_id)
            if stream is None or stream.busy_since is not None or stream.queued or stream.commits:
                return 0.0
            return time.monotonic() - stream.active

    def commit(self, stream_id: str) -> None:
        """End the current utterance after the audio fed so far."""
        with self._cond:
            stream = self._get(stream_id)
            stream.commits.append(stream.received)
            if stream.waiting_since is None:
                stream.waiting_since = time.monotonic()
            self._cond.notify_all()

    def close(self, stream_id: str) -> None:
        """No more audio: the engine finishes the stream and sends ``done``."""
        with self._cond:
            stream = self._get(stream_id)
            stream.ended = True
            if stream.waiting_since is None:
                stream.waiting_since = time.monotonic()
            self._cond.notify_all()

    def abort(self, stream_id: str) -> None:
        """Forget the stream (its client went away); the engine drops its state."""
        with self._cond:
            if self._streams.pop(stream_id, None) is not None:
                log.info("Live stream %s ended", stream_id)
            self._cond.notify_all()

    def count(self) -> int:
        with self._cond:
            return len(self._streams)

    def _get(self, stream_id: str) -> _Stream:
        stream = self._streams.get(stream_id)
        if stream is None:
            raise InvalidParameter("This live stream has ended")
        return stream

    # -- the engine's side ---------------------------------------------------------------

    def take(self, worker_id: str, timeout: float) -> dict[str, Any] | None:
        """The next piece of audio to decode, from the stream waiting longest (or None)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                self._give_up_stale()
                stream = self._next()
                if stream is not None:
                    full = not _has_room(stream)
                    piece = self._piece(stream)
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)
        if full and stream.on_room is not None:
            stream.on_room()
        return piece

    def _next(self) -> _Stream | None:
        now = time.monotonic()
        ready = [s for s in self._streams.values() if self._due(s, now)]
        return min(ready, key=lambda s: s.waiting_since or now, default=None)

    def _due(self, s: _Stream, now: float) -> bool:
        if s.busy_since is not None or s.finished or s.waiting_since is None:
            return False
        return bool(s.ended or s.commits or s.queued >= MIN_STEP * SAMPLE_RATE)

    def _piece(self, stream: _Stream) -> dict[str, Any]:
        limit = int(MAX_PIECE * SAMPLE_RATE)
        if stream.commits:
            limit = min(limit, max(0, stream.commits[0] - stream.taken))
        piece = _pop(stream.chunks, limit)
        start = stream.taken
        stream.queued -= piece.size
        stream.taken += piece.size
        stream.forget_arrivals()
        commit = bool(stream.commits) and stream.commits[0] <= stream.taken
        if commit:
            stream.commits.pop(0)
        end = stream.ended and not stream.queued and not stream.commits
        stream.busy_since = time.monotonic()
        stream.waiting_since = time.monotonic() if stream.queued or stream.commits else None
        return {
            "id": stream.id,
            "options": stream.options.to_dict(),
            "start": start,
            "audio": piece.tobytes(),
            "commit": commit,
            "end": end,
        }

    def post(self, stream_id: str, events: list[dict[str, Any]]) -> bool:
        """The engine's events for the last piece; False when the stream is gone."""
        with self._cond:
            stream = self._streams.get(stream_id)
            if stream is None:
                return False
            stream.busy_since = None
            stream.active = time.monotonic()
            if any(e["type"] in ("done", "error") for e in events):
                stream.finished = True
                self._streams.pop(stream_id, None)
            _stamp(stream, events)
            self._cond.notify_all()
        if stream.finished and stream.on_room is not None:
            stream.on_room()  # a face waiting for room learns that nothing waits any more
        _deliver(stream, events)
        return not stream.finished

    def _give_up_stale(self) -> None:
        now = time.monotonic()
        for stream in list(self._streams.values()):
            if stream.busy_since is not None and now - stream.busy_since > _STALE:
                log.warning("Live stream %s: the engine never answered; ending it", stream.id)
                self._streams.pop(stream.id, None)
                threading.Thread(
                    target=_deliver,
                    args=(stream, [{"type": "error", "detail": "The engine stopped answering"}]),
                    daemon=True,
                ).start()


def wall_clock() -> float:
    """Unix time (the clock lags are told in; a test may stand in for it)."""
    return time.time()


def _has_room(stream: _Stream) -> bool:
    return stream.queued < MAX_WAITING * SAMPLE_RATE


def _pop(chunks: deque[np.ndarray], limit: int) -> np.ndarray:
    """Up to ``limit`` samples from the front of ``chunks``, joined; the rest stays."""
    out: list[np.ndarray] = []
    size = 0
    while chunks and size < limit:
        chunk = chunks.popleft()
        if size + chunk.size > limit:
            chunks.appendleft(chunk[limit - size :])
            chunk = chunk[: limit - size]
        out.append(chunk)
        size += chunk.size
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def _stamp(stream: _Stream, events: list[dict[str, Any]]) -> None:
    """Finals and partials learn how far behind the voice they are."""
    now = wall_clock()
    for event in events:
        if event["type"] == "final":
            at = stream.arrival(float(event["segment"]["end"]))
            event["audio_end_at"] = round(at, 3)
            event["lag"] = round(max(0.0, now - at), 3)
        elif event["type"] == "partial":
            event["lag"] = round(max(0.0, now - stream.arrival(stream.taken / SAMPLE_RATE)), 3)


def _deliver(stream: _Stream, events: list[dict[str, Any]]) -> None:
    if events:
        stream.listener(events)
