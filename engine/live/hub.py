"""The host side of live transcription: streams opened by the faces, served by the engine.

A face (the server's WebSockets, the GUI's recorder, ``python -m app live``) opens a stream,
feeds it 16 kHz audio and closes it; events come back to the listener it gave. The engine
process reaches the same hub through the host's ``multiprocessing`` manager (as it reaches
the stacks) and calls :meth:`LiveHub.take` for the next piece of audio to decode and
:meth:`LiveHub.post` with what came of it.

Fairness: ``take`` hands out the stream whose undecoded audio has waited longest, one piece
at a time, so every stream advances in turn however many there are; a stream that falls
behind gets larger pieces (up to :data:`MAX_PIECE`), so it catches up with fewer decodes.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.errors import InvalidParameter, TooLarge, Unavailable
from engine.live.streamer import MIN_STEP, LiveOptions
from engine.pipeline.audio import SAMPLE_RATE

log = logging.getLogger(__name__)

MAX_PIECE = 5.0  # seconds of audio handed to the engine at once, at most
_STALE = 120.0  # seconds a piece may stay in the engine before its stream is given up

Listener = Callable[[list[dict[str, Any]]], None]


@dataclass(frozen=True)
class LiveLimits:
    """Bounds on live streams (from the app's settings, where their defaults are declared)."""

    max_streams: int
    max_frame_bytes: int
    max_seconds: float


@dataclass
class _Stream:
    id: str
    options: LiveOptions
    listener: Listener
    opened: float = field(default_factory=time.monotonic)
    chunks: list[np.ndarray] = field(default_factory=list)
    queued: int = 0  # samples fed, not yet taken
    received: int = 0  # samples fed in all
    taken: int = 0  # samples handed to the engine
    waiting_since: float | None = None  # when the oldest untaken audio arrived
    commits: list[int] = field(default_factory=list)  # sample positions the client committed
    busy_since: float | None = None  # a piece is in the engine
    ended: bool = False  # no more audio will come
    finished: bool = False  # the engine sent ``done`` (or an error)


class LiveHub:
    """Every open live stream of one host; thread-safe."""

    def __init__(self, limits: LiveLimits) -> None:
        self.limits = limits
        self._cond = threading.Condition(threading.RLock())
        self._streams: dict[str, _Stream] = {}
        self._ready = True  # False while the engine cannot serve streams

    # -- the faces' side -----------------------------------------------------------------

    def open(self, options: LiveOptions, listener: Listener) -> str:
        """Start a stream; raises Unavailable (503) when the most streams are open."""
        with self._cond:
            self.check_room()
            stream = _Stream(uuid.uuid4().hex, options, listener)
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

    def feed(self, stream_id: str, audio: np.ndarray) -> None:
        """Add 16 kHz mono float32 audio; raises TooLarge past the stream length limit."""
        with self._cond:
            stream = self._get(stream_id)
            if stream.ended:
                raise InvalidParameter("The stream was already stopped; no more audio is taken")
            if (stream.received + audio.size) / SAMPLE_RATE > self.limits.max_seconds:
                raise TooLarge(
                    f"The stream is over the limit of {self.limits.max_seconds:.0f} s of audio "
                    "(LIVE_MAX_SECONDS); start a new one"
                )
            if audio.size:
                stream.chunks.append(audio.astype(np.float32, copy=False))
                stream.queued += audio.size
                stream.received += audio.size
                if stream.waiting_since is None:
                    stream.waiting_since = time.monotonic()
                self._cond.notify_all()

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
                    return self._piece(stream)
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

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
        audio = np.concatenate(stream.chunks) if stream.chunks else np.zeros(0, np.float32)
        piece, rest = audio[:limit], audio[limit:]
        stream.chunks = [rest] if rest.size else []
        start = stream.taken
        stream.queued -= piece.size
        stream.taken += piece.size
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
            if any(e["type"] in ("done", "error") for e in events):
                stream.finished = True
                self._streams.pop(stream_id, None)
            self._cond.notify_all()
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


def _deliver(stream: _Stream, events: list[dict[str, Any]]) -> None:
    if events:
        stream.listener(events)
