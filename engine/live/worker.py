"""The engine side of live transcription: one thread decoding every open stream in turn.

It runs in the engine process beside the queue and direct workers and uses the same loaded
model. One thread means live streams together hold at most one of the model's replicas, so
the direct and queue lanes always keep the other; :class:`engine.live.hub.LiveHub` decides
which stream goes next.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from engine.errors import StackscribeError
from engine.live.streamer import Decoder, Event, LiveOptions, LiveStreamer

log = logging.getLogger(__name__)


class LiveWorker:
    """Takes pieces of audio from the host's hub, feeds each stream's streamer, posts events."""

    def __init__(
        self,
        hub: Any,
        decoder: Decoder,
        stop: threading.Event,
        worker_id: str,
        streamer: Callable[[Decoder, LiveOptions], LiveStreamer] = LiveStreamer,
    ) -> None:
        self.hub = hub
        self.decoder = decoder
        self.stop = stop
        self.worker_id = worker_id
        self.make_streamer = streamer
        self.streams: dict[str, LiveStreamer] = {}

    def run(self) -> None:
        log.info("Live worker %s ready", self.worker_id)
        while not self.stop.is_set():
            try:
                piece = self.hub.take(self.worker_id, 0.5)
            except (OSError, EOFError) as exc:
                log.error("Live worker lost the host (%s); it stops", exc)
                return
            if piece is None:
                continue
            events = self.process(piece)
            if not self.hub.post(piece["id"], events):
                self.streams.pop(piece["id"], None)
        log.info("Live worker %s stopped", self.worker_id)

    def process(self, piece: dict[str, Any]) -> list[Event]:
        """Events from one piece; a failure ends that stream only (the task boundary)."""
        stream_id = piece["id"]
        try:
            streamer = self._streamer(piece)
            events = streamer.feed(np.frombuffer(piece["audio"], np.float32), piece["commit"])
            if piece["end"]:
                events += streamer.finish()
                self.streams.pop(stream_id, None)
            return events
        except StackscribeError as exc:
            self.streams.pop(stream_id, None)
            return [{"type": "error", "detail": str(exc)}]
        except Exception as exc:
            log.exception("Live stream %s failed", stream_id)
            self.streams.pop(stream_id, None)
            return [{"type": "error", "detail": f"Live transcription failed: {exc}"}]

    def _streamer(self, piece: dict[str, Any]) -> LiveStreamer:
        streamer = self.streams.get(piece["id"])
        if streamer is not None:
            return streamer
        if piece["start"] > 0:
            raise StackscribeError(
                "The engine restarted and lost this stream's state; start a new stream",
                status=503,
            )
        streamer = self.make_streamer(self.decoder, LiveOptions(**piece["options"]))
        self.streams[piece["id"]] = streamer
        return streamer
