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
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from engine.errors import InvalidParameter, StackscribeError, TooLarge, Unavailable
from engine.live.hub import LiveHub
from engine.live.pcm import PcmConverter
from engine.live.streamer import LiveOptions
from engine.task import TranscribeOptions
from server.context import ServerContext, accept_socket

log = logging.getLogger(__name__)

_PUBLIC = ("partial", "final", "done", "error")  # engine events this protocol passes on
_STOP_WAIT = 600.0  # seconds the last finals may take after ``stop``


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
    checked = TranscribeOptions(
        language=language or None, task=task or "transcribe", initial_prompt=prompt or None
    )
    return LiveOptions(
        language=checked.language,
        task=checked.task,
        initial_prompt=checked.initial_prompt,
        silence_seconds=silence,
    )


class Inbox:
    """Engine events for one socket: a thread-safe hand-over into the socket's loop."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def listener(self) -> Callable[[list[dict[str, Any]]], None]:
        def deliver(events: list[dict[str, Any]]) -> None:
            for event in events:
                self.loop.call_soon_threadsafe(self.queue.put_nowait, event)

        return deliver


def frame_limit(ctx: ServerContext) -> int:
    hub = ctx.service.live
    return hub.limits.max_frame_bytes if hub is not None else 0


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
        self.converter = PcmConverter(
            int(start.get("sample_rate") or 16000), start.get("format") or "pcm16"
        )
        options = live_options(
            start.get("language"), start.get("task"), start.get("initial_prompt")
        )
        self.inbox = Inbox()
        self.stream_id = self.hub.open(options, self.inbox.listener())

    @classmethod
    async def start(cls, websocket: WebSocket, ctx: ServerContext) -> _LiveSession:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        try:
            start = json.loads(message.get("text") or "")
        except json.JSONDecodeError:
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
        try:
            while True:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    raise WebSocketDisconnect(message.get("code", 1000))
                if message.get("bytes") is not None:
                    check_frame(len(message["bytes"]), self.limit)
                    self.hub.feed(self.stream_id, self.converter.convert(message["bytes"]))
                elif self._is_stop(message.get("text") or ""):
                    self.hub.feed(self.stream_id, self.converter.flush())
                    self.hub.close(self.stream_id)
                    return
        except StackscribeError as exc:
            await _fail(self.websocket, str(exc))
            raise

    @staticmethod
    def _is_stop(text: str) -> bool:
        try:
            frame = json.loads(text)
        except json.JSONDecodeError:
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
