"""``/ws/live``: audio frames in, ``partial`` / ``final`` / ``done`` text frames out (API.md).

The socket feeds :class:`engine.live.hub.LiveHub`; the engine's events come back on a
manager thread and are handed to this socket's event loop through an asyncio queue, so the
loop never waits on the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
from collections.abc import Callable, MutableMapping
from typing import Any

import numpy as np
from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from engine import (
    InvalidParameter,
    LiveHub,
    LiveOptions,
    PcmConverter,
    StackscribeError,
    TooLarge,
    TranscribeOptions,
    Unavailable,
)
from server.context import ServerContext, accept_socket

log = logging.getLogger(__name__)

_PUBLIC = ("partial", "final", "done", "error")  # engine events this protocol passes on
_STOP_WAIT = 600.0  # seconds the last finals may take after ``stop``
# Seconds a socket stops reading while its stream has no room (audio sent faster than real
# time) before the stream is ended: under uvicorn's ping timeout (20 s), which a socket that
# is not read would otherwise hit.
_ROOM_WAIT = 15.0


class StreamEnded(StackscribeError):
    """The server ends the stream with close 1008: idle too long, or no room for its audio."""

    status = 429

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def hub_of(ctx: ServerContext) -> LiveHub:
    """The live hub, once the engine can serve it (else the error says why not)."""
    hub = ctx.service.live
    if hub is None:
        raise Unavailable("Live transcription is not offered by this server")
    ctx.service.check_engine()
    return hub


def live_options(
    language: Any = None, task: Any = "transcribe", prompt: Any = None, silence: float = 0.8
) -> LiveOptions:
    """Checked stream options (the same checks as a file's parameters)."""
    for name, value in (("language", language), ("task", task), ("initial_prompt", prompt)):
        if value is not None and not isinstance(value, str):
            raise InvalidParameter(f"{name} must be a string, not {_json_type(value)}")
    checked = TranscribeOptions(
        language=language or None, task=task or "transcribe", initial_prompt=prompt or None
    )
    return LiveOptions(
        language=checked.language,
        task=checked.task,
        initial_prompt=checked.initial_prompt,
        silence_seconds=silence,
    )


def sample_rate(value: Any, name: str = "sample_rate") -> int:
    """A client's rate: a whole number of Hz (PcmConverter checks the range)."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value != int(value)
    ):
        raise InvalidParameter(
            f"{name} must be a whole number of Hz between 8000 and 192000, not {value!r}"
        )
    return int(value)


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", bool: "true or false", str: "a string"}
    return names.get(type(value), "a number")


def parse_json(text: str | bytes) -> Any:
    """A client's JSON frame; InvalidParameter when it is not JSON (or nested too deep)."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise InvalidParameter("Frames must be JSON text") from exc


class Feeder:
    """A socket's audio into its stream, off the event loop, pushing back when it is full.

    Converting (and resampling) runs in the thread pool; when the hub has no room for more
    (audio sent faster than the engine reads it), the socket is not read until the engine
    takes some, which holds the client back (TCP); past :data:`_ROOM_WAIT` the stream ends.
    """

    def __init__(self, hub: LiveHub, converter: PcmConverter) -> None:
        self.hub = hub
        self.converter = converter
        self.loop = asyncio.get_running_loop()
        self.room = asyncio.Event()

    def on_room(self) -> None:
        """For :meth:`LiveHub.open`: called on the engine's thread when there is room."""
        try:
            self.loop.call_soon_threadsafe(self.room.set)
        except RuntimeError as exc:  # the server stopped: nothing waits any more
            log.debug("Room for a live stream after its server stopped: %s", exc)

    async def feed(self, stream_id: str, data: bytes | None) -> None:
        """Feed ``data`` (None: what the resampler still holds, at the end)."""
        if not await run_in_threadpool(self._feed, stream_id, data):
            await self._wait_room(stream_id)

    def _feed(self, stream_id: str, data: bytes | None) -> bool:
        audio: np.ndarray = self.converter.flush() if data is None else self.converter.convert(data)
        return self.hub.feed(stream_id, audio)

    async def _wait_room(self, stream_id: str) -> None:
        deadline = self.loop.time() + _ROOM_WAIT
        while True:
            self.room.clear()
            if self.hub.has_room(stream_id):
                return
            left = deadline - self.loop.time()
            if left <= 0:
                raise StreamEnded(
                    "Audio arrives faster than it can be transcribed and the engine has not "
                    f"caught up in {_ROOM_WAIT:.0f} s: send audio at the pace it is spoken",
                    "audio_too_fast",
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.room.wait(), left)


async def receive_unless_idle(
    websocket: WebSocket, idle_for: Callable[[], float], limit: float
) -> MutableMapping[str, Any]:
    """The next message; StreamEnded once ``idle_for()`` has passed ``limit`` seconds."""
    if limit <= 0:
        return await websocket.receive()
    while True:
        left = limit - idle_for()
        if left <= 0:
            raise StreamEnded(
                f"No audio came for {limit:.0f} s (LIVE_IDLE_SECONDS): the stream is ended to "
                "free its slot; open a new one to go on",
                "idle_timeout",
            )
        with contextlib.suppress(TimeoutError):
            return await asyncio.wait_for(websocket.receive(), left)


class Inbox:
    """Engine events for one socket: a thread-safe hand-over into the socket's loop."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def listener(self) -> Callable[[list[dict[str, Any]]], None]:
        def deliver(events: list[dict[str, Any]]) -> None:
            try:
                for event in events:
                    self.loop.call_soon_threadsafe(self.queue.put_nowait, event)
            except RuntimeError as exc:  # the server stopped: no socket waits for them
                log.debug("Live events after their server stopped: %s", exc)

        return deliver


def frame_limit(ctx: ServerContext) -> int:
    hub = ctx.service.live
    return hub.limits.max_frame_bytes if hub is not None else 0


def idle_limit(ctx: ServerContext) -> float:
    """LIVE_IDLE_SECONDS (0: streams are never ended for being idle)."""
    hub = ctx.service.live
    return hub.limits.idle_seconds if hub is not None else 0.0


def check_frame(size: int, limit: int) -> None:
    if size > limit:
        raise TooLarge(
            f"An audio frame of {size} bytes is over the limit of {limit} bytes "
            "(LIVE_MAX_FRAME_KB): send smaller frames"
        )


async def _send_json(websocket: WebSocket, frame: dict[str, Any]) -> None:
    await websocket.send_text(json.dumps(frame, ensure_ascii=False))


async def _fail(websocket: WebSocket, detail: str, code: int = 1008) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        await _send_json(websocket, {"type": "error", "detail": detail})
        await websocket.close(code=code)


def router() -> APIRouter:
    api = APIRouter()

    @api.websocket("/ws/live")
    async def live_socket(websocket: WebSocket) -> None:
        ctx = await accept_socket(websocket)
        if ctx is None:
            return
        try:
            session = await _LiveSession.start(websocket, ctx)
        except (StackscribeError, ValueError) as exc:
            await _fail(websocket, str(exc))
            return
        except WebSocketDisconnect:
            return
        await session.run()

    return api


class _LiveSession:
    """One /ws/live connection after its ``start`` frame."""

    def __init__(self, websocket: WebSocket, ctx: ServerContext, start: dict[str, Any]) -> None:
        self.websocket = websocket
        self.hub = hub_of(ctx)
        self.limit = frame_limit(ctx)
        rate = start.get("sample_rate")
        fmt = start.get("format")
        if fmt is not None and not isinstance(fmt, str):
            raise InvalidParameter(f"format must be pcm16 or float32, not {_json_type(fmt)}")
        converter = PcmConverter(16000 if rate is None else sample_rate(rate), fmt or "pcm16")
        options = live_options(
            start.get("language"), start.get("task"), start.get("initial_prompt")
        )
        self.inbox = Inbox()
        self.feeder = Feeder(self.hub, converter)
        self.stream_id = self.hub.open(options, self.inbox.listener(), self.feeder.on_room)

    @classmethod
    async def start(cls, websocket: WebSocket, ctx: ServerContext) -> _LiveSession:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        try:
            start = parse_json(message.get("text") or "")
        except InvalidParameter:
            start = None
        if not isinstance(start, dict) or start.get("type") != "start":
            raise InvalidParameter(
                'The first frame must be JSON {"type": "start", "sample_rate": 16000, '
                '"format": "pcm16"} (all fields but type optional)'
            )
        return cls(websocket, ctx, start)

    async def run(self) -> None:
        sender = asyncio.ensure_future(self._send())
        receiver = asyncio.ensure_future(self._receive())
        try:
            done, _ = await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
            if receiver in done and receiver.exception() is None and not sender.done():
                await asyncio.wait_for(sender, _STOP_WAIT)  # the last finals, then done
        except (StackscribeError, TimeoutError) as exc:
            await _fail(self.websocket, str(exc))
        finally:
            self.hub.abort(self.stream_id)
            for job in (sender, receiver):
                job.cancel()
            for job in (sender, receiver):
                with contextlib.suppress(
                    asyncio.CancelledError, WebSocketDisconnect, RuntimeError, StackscribeError
                ):
                    await job
            if self.websocket.client_state == WebSocketState.CONNECTED:
                with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                    await self.websocket.close(code=1000)

    async def _receive(self) -> None:
        """Audio frames until ``stop``; a bad frame ends the stream with an error."""
        limit = self.hub.limits.idle_seconds
        try:
            while True:
                message = await receive_unless_idle(
                    self.websocket, lambda: self.hub.idle_for(self.stream_id), limit
                )
                if message["type"] == "websocket.disconnect":
                    raise WebSocketDisconnect(message.get("code", 1000))
                if message.get("bytes") is not None:
                    check_frame(len(message["bytes"]), self.limit)
                    await self.feeder.feed(self.stream_id, message["bytes"])
                elif self._is_stop(message.get("text") or ""):
                    await self.feeder.feed(self.stream_id, None)
                    self.hub.close(self.stream_id)
                    return
        except StackscribeError as exc:
            await _fail(self.websocket, str(exc))
            raise

    @staticmethod
    def _is_stop(text: str) -> bool:
        try:
            frame = parse_json(text)
        except InvalidParameter:
            frame = None
        if isinstance(frame, dict) and frame.get("type") == "stop":
            return True
        raise InvalidParameter(
            'Text frames after start must be {"type": "stop"}; audio goes in binary frames'
        )

    async def _send(self) -> None:
        while True:
            event = await self.inbox.queue.get()
            if event["type"] not in _PUBLIC:
                continue
            await _send_json(self.websocket, event)
            if event["type"] in ("done", "error"):
                await self.websocket.close(code=1000 if event["type"] == "done" else 1011)
                return
