"""``/v1/realtime?intent=transcription``: OpenAI's Realtime API, transcription sessions only.

The official ``openai`` client's ``client.realtime.connect(...)`` works against it: the
server sends ``session.created``; the client may send ``session.update`` (GA shape, a
``transcription`` session) or ``transcription_session.update`` (beta shape), then
``input_audio_buffer.append`` (base64 audio) and ``input_audio_buffer.commit``; the server
answers with ``input_audio_buffer.*`` events, ``conversation.item.input_audio_transcription
.delta`` (text as soon as it is committed: deltas only ever append) and ``.completed`` per
item, and ``error``. Where OpenAI leaves a choice, README.md says what Stackscribe does.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import logging
import uuid
from typing import Any

from fastapi import APIRouter
from starlette.websockets import WebSocket, WebSocketDisconnect

from engine import InvalidParameter, PcmConverter, StackscribeError, TooLarge
from server.context import ServerContext, accept_socket
from server.live.routes import (
    Feeder,
    Inbox,
    StreamEnded,
    check_frame,
    frame_limit,
    hub_of,
    idle_limit,
    live_options,
    parse_json,
    receive_unless_idle,
    sample_rate,
)

log = logging.getLogger(__name__)

_RATE = 24000  # OpenAI's PCM rate
_DEFAULT_SILENCE_MS = 500  # OpenAI's server_vad default silence_duration_ms


def _id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


class _Config:
    """The session as the client configured it (OpenAI's defaults until it says otherwise)."""

    def __init__(self, model: str) -> None:
        self.session_id = _id("sess")
        self.model = model
        self.rate = _RATE
        self.language: str | None = None
        self.prompt: str | None = None
        self.turn_detection: dict[str, Any] | None = {
            "type": "server_vad",
            "threshold": 0.5,
            "prefix_padding_ms": 300,
            "silence_duration_ms": _DEFAULT_SILENCE_MS,
        }
        self.beta = False

    def update(self, session: dict[str, Any]) -> None:
        """Apply a GA ``session.update`` or a beta ``transcription_session.update`` body."""
        if not isinstance(session, dict):
            raise InvalidParameter("session must be an object")
        if session.get("type") not in (None, "transcription"):
            raise InvalidParameter(
                "Only transcription sessions are served here: connect with "
                "?intent=transcription and send session.type 'transcription'"
            )
        audio = _object(_object(session.get("audio"), "session.audio").get("input"), "audio.input")
        self._format(audio.get("format") or session.get("input_audio_format"))
        transcription = audio.get("transcription") or session.get("input_audio_transcription")
        if transcription is not None:
            transcription = _object(transcription, "transcription")
            self.language = transcription.get("language") or None
            self.prompt = transcription.get("prompt") or None
        for source in (audio, session):
            if "turn_detection" in source:
                self.turn_detection = _turn_detection(source["turn_detection"])
        live_options(self.language, "transcribe", self.prompt)  # refuse bad values now

    def _format(self, fmt: Any) -> None:
        if fmt is None:
            return
        if fmt == "pcm16" or (isinstance(fmt, dict) and fmt.get("type") in ("audio/pcm", None)):
            rate = fmt.get("rate") if isinstance(fmt, dict) else None
            self.rate = _RATE if rate is None else sample_rate(rate, "audio.input.format.rate")
            PcmConverter(self.rate)  # refuse a rate out of range now
            return
        raise InvalidParameter(
            f"Audio format {fmt!r} is not supported: send PCM16 ({{'type': 'audio/pcm', "
            "'rate': 24000}})"
        )

    @property
    def silence_seconds(self) -> float:
        if not self.turn_detection:
            return 0.0  # items end only at input_audio_buffer.commit
        return float(self.turn_detection.get("silence_duration_ms", _DEFAULT_SILENCE_MS)) / 1000

    def describe(self) -> dict[str, Any]:
        return {
            "type": "transcription",
            "object": "realtime.transcription_session",
            "id": self.session_id,
            "audio": {
                "input": {
                    "format": {"type": "audio/pcm", "rate": self.rate},
                    "transcription": {
                        "model": self.model,
                        "language": self.language,
                        "prompt": self.prompt,
                    },
                    "turn_detection": self.turn_detection,
                    "noise_reduction": None,
                }
            },
            "include": None,
        }


def _object(value: Any, name: str) -> dict[str, Any]:
    """An optional JSON object of a session: {} when absent."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidParameter(f"{name} must be an object")
    return value


def _turn_detection(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    value = _object(value, "turn_detection")
    silence = value.get("silence_duration_ms", _DEFAULT_SILENCE_MS)
    if (
        isinstance(silence, bool)
        or not isinstance(silence, int | float)
        or not 0 <= silence <= 60_000
    ):
        raise InvalidParameter(
            f"turn_detection.silence_duration_ms must be a number of ms from 0 to 60000, "
            f"not {silence!r}"
        )
    return value


def router() -> APIRouter:
    api = APIRouter()

    @api.websocket("/v1/realtime")
    async def realtime(websocket: WebSocket) -> None:
        ctx = await accept_socket(websocket)
        if ctx is None:
            return
        session = _Session(websocket, ctx)
        intent = websocket.query_params.get("intent") or "transcription"
        if intent != "transcription":
            await session.error(
                "Only transcription sessions are served here: connect with ?intent=transcription",
                "unsupported_intent",
            )
            await websocket.close(code=1008)
            return
        await session.run()

    return api


class _Session:
    """One Realtime connection: a live stream per connection, an item per utterance."""

    def __init__(self, websocket: WebSocket, ctx: ServerContext) -> None:
        self.websocket = websocket
        self.ctx = ctx
        self.config = _Config(ctx.config.model or "whisper-1")
        self.limit = frame_limit(ctx)
        self.stream_id: str | None = None
        self.feeder: Feeder | None = None
        self.inbox: Inbox | None = None
        self.last_audio = asyncio.get_running_loop().time()  # connect, then each append
        self.item: str | None = None  # the item audio goes into now
        self.previous: str | None = None  # the last committed item
        self.appended = 0  # bytes appended since the last commit
        self.closing = False

    async def send(self, event: dict[str, Any]) -> None:
        event = {"event_id": _id("event"), **event}
        await self.websocket.send_text(json.dumps(event, ensure_ascii=False))

    async def error(self, message: str, code: str, event_id: str | None = None) -> None:
        kind = "server_error" if code == "server_error" else "invalid_request_error"
        error = {"type": kind, "code": code, "message": message, "param": None}
        await self.send({"type": "error", "error": {**error, "event_id": event_id}})

    async def run(self) -> None:
        try:
            hub = hub_of(self.ctx)
            hub.check_room()
        except StackscribeError as exc:
            await self.error(str(exc), "session_unavailable")
            await self.websocket.close(code=1013)
            return
        await self.send({"type": "session.created", "session": self.config.describe()})
        events = asyncio.ensure_future(self._events())
        try:
            await self._receive()
        except WebSocketDisconnect:
            pass
        except StreamEnded as exc:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                await self.error(str(exc), exc.code)
                await self.websocket.close(code=1008)
        finally:
            if self.stream_id is not None:
                hub.abort(self.stream_id)
            events.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await events

    def _idle_for(self) -> float:
        """Seconds without audio (and, once a stream is open, with no work in the engine)."""
        idle = asyncio.get_running_loop().time() - self.last_audio
        hub = self.ctx.service.live
        if self.stream_id is not None and hub is not None:
            idle = min(idle, hub.idle_for(self.stream_id))
        return idle

    async def _receive(self) -> None:
        limit = idle_limit(self.ctx)
        while not self.closing:
            message = await receive_unless_idle(self.websocket, self._idle_for, limit)
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000))
            try:
                event = parse_json(message.get("text") or message.get("bytes") or b"")
            except InvalidParameter:
                await self.error("Client events must be JSON text", "invalid_json")
                continue
            if not isinstance(event, dict):
                await self.error("Client events must be JSON objects", "invalid_event")
                continue
            try:
                await self._handle(event)
            except StreamEnded:
                raise
            except TooLarge as exc:
                await self.error(str(exc), "limit_exceeded", event.get("event_id"))
                if self.stream_id is not None and "LIVE_MAX_SECONDS" in str(exc):
                    await self.websocket.close(code=1009)
                    return
            except StackscribeError as exc:
                await self.error(str(exc), "invalid_request", event.get("event_id"))

    async def _handle(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind in ("session.update", "transcription_session.update"):
            if self.stream_id is not None:
                raise InvalidParameter("The session cannot change once audio was appended")
            self.config.beta = kind == "transcription_session.update"
            self.config.update(event.get("session") or {})
            updated = "transcription_session.updated" if self.config.beta else "session.updated"
            await self.send({"type": updated, "session": self.config.describe()})
        elif kind == "input_audio_buffer.append":
            await self._append(event.get("audio"))
        elif kind == "input_audio_buffer.commit":
            await self._commit(event.get("event_id"))
        elif kind == "input_audio_buffer.clear":
            await self._clear()
        else:
            raise InvalidParameter(
                f"Event type {kind!r} is not served here: a transcription session takes "
                "session.update, input_audio_buffer.append, .commit and .clear"
            )

    async def _append(self, audio: Any) -> None:
        if audio is not None and not isinstance(audio, str):
            raise InvalidParameter("input_audio_buffer.append needs base64 audio in a string")
        try:
            data = base64.b64decode(audio or "", validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidParameter("input_audio_buffer.append needs base64 audio") from exc
        check_frame(len(data), self.limit)
        if self.stream_id is None:
            self._open()
        assert self.feeder is not None and self.stream_id is not None
        self.appended += len(data)
        self.last_audio = asyncio.get_running_loop().time()
        await self.feeder.feed(self.stream_id, data)

    def _open(self) -> None:
        hub = hub_of(self.ctx)
        self.feeder = Feeder(hub, PcmConverter(self.config.rate, "pcm16"))
        self.inbox = Inbox()
        options = live_options(
            self.config.language, "transcribe", self.config.prompt, self.config.silence_seconds
        )
        self.stream_id = hub.open(options, self.inbox.listener(), self.feeder.on_room)

    def _current_item(self) -> str:
        if self.item is None:
            self.item = _id("item")
        return self.item

    async def _commit(self, event_id: str | None) -> None:
        if not self.appended or self.stream_id is None:
            await self.error(
                "Nothing to commit: the input audio buffer is empty",
                "input_audio_buffer_commit_empty",
                event_id,
            )
            return
        self.appended = 0
        hub_of(self.ctx).commit(self.stream_id)  # committed comes when the engine gets there

    async def _committed(self, item: str) -> None:
        previous, self.previous = self.previous, item
        await self.send(
            {"type": "input_audio_buffer.committed", "item_id": item, "previous_item_id": previous}
        )

    async def _clear(self) -> None:
        """Audio already appended is transcribed all the same (it went to the engine)."""
        self.appended = 0
        await self.send({"type": "input_audio_buffer.cleared"})

    async def _events(self) -> None:
        while self.inbox is None:
            await asyncio.sleep(0.05)
        while True:
            event = await self.inbox.queue.get()
            await self._forward(event)

    async def _forward(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind == "speech_started" and self.config.turn_detection:
            await self.send(
                {
                    "type": "input_audio_buffer.speech_started",
                    "audio_start_ms": int(event["at"] * 1000),
                    "item_id": self._current_item(),
                }
            )
        elif kind == "words":
            await self.send(
                {
                    "type": "conversation.item.input_audio_transcription.delta",
                    "item_id": self._current_item(),
                    "content_index": 0,
                    "delta": event["text"],
                }
            )
        elif kind == "utterance":
            await self._utterance(event)
        elif kind == "error":
            await self.error(event["detail"], "server_error")
            self.closing = True
            await self.websocket.close(code=1011)

    async def _utterance(self, event: dict[str, Any]) -> None:
        item = self._current_item()
        if not event["committed"]:  # ended by silence: server VAD
            self.appended = 0
            await self.send(
                {
                    "type": "input_audio_buffer.speech_stopped",
                    "audio_end_ms": int(event["end"] * 1000),
                    "item_id": item,
                }
            )
        await self._committed(item)
        self.item = None
        await self.send(
            {
                "type": "conversation.item.input_audio_transcription.completed",
                "item_id": item,
                "content_index": 0,
                "transcript": event["text"],
                "usage": {"type": "duration", "seconds": round(event["end"] - event["start"], 3)},
            }
        )
