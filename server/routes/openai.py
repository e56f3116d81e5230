"""OpenAI-compatible audio routes, so the official ``openai`` client works unchanged."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from engine import (
    InvalidParameter,
    NotFound,
    SubtitleLayout,
    TaskEvent,
    TranscribeOptions,
    Transcript,
    formats,
)
from server.context import ServerContext, authorize, context
from server.http import uploads
from server.http.params import Params, subtitle_layout
from server.http.responses import raise_for
from server.routes import direct_lane

_FORMATS = ("json", "text", "srt", "verbose_json", "vtt")
_GRANULARITIES = ("segment", "word")


def _options(params: Params, task: str) -> tuple[TranscribeOptions, str, bool]:
    fmt = params.text("response_format") or "json"
    if fmt not in _FORMATS:
        raise InvalidParameter(f"response_format must be one of {', '.join(_FORMATS)}")
    granularities = params.all("timestamp_granularities[]") or params.all("timestamp_granularities")
    unknown = [g for g in granularities if g not in _GRANULARITIES]
    if unknown:
        raise InvalidParameter(f"timestamp_granularities must be segment or word, not {unknown}")
    temperature = params.decimal("temperature")
    options = TranscribeOptions(
        language=params.text("language") if task == "transcribe" else None,
        task=task,
        word_timestamps="word" in granularities,
        initial_prompt=params.text("prompt") or None,
        temperature=temperature or None,
        hotwords=params.text("hotwords"),  # a Stackscribe extension
    )
    return options, fmt, params.flag("stream", False)


def _read(params: Params, task: str) -> tuple[TranscribeOptions, str, bool, SubtitleLayout | None]:
    """The options, response format, stream flag and subtitle layout a request asks for."""
    options, fmt, stream = _options(params, task)
    layout = subtitle_layout(params)
    if layout is not None and fmt in formats.SUBTITLE_FORMATS:
        # cues are laid out from word timings, which OpenAI leaves off by default
        options = dataclasses.replace(options, word_timestamps=True)
    return options, fmt, stream, layout


def _body(
    result: dict[str, Any], fmt: str, words: bool, layout: SubtitleLayout | None = None
) -> Response:
    transcript = Transcript.from_dict(result)
    if fmt == "json":
        return JSONResponse(
            {
                "text": transcript.text,
                "usage": {"type": "duration", "seconds": round(transcript.duration)},
            }
        )
    if fmt == "verbose_json":
        body = formats.verbose_json(transcript)
        if not words:
            body.pop("words")
        return JSONResponse(body)
    name = "text" if fmt == "text" else fmt
    return Response(formats.render(transcript, name, layout), media_type=formats.MEDIA_TYPES[name])


def _sse(kind: str, **data: Any) -> str:
    return f"data: {json.dumps({'type': kind, **data}, ensure_ascii=False)}\n\n"


async def _stream(ctx: ServerContext, task_id: str) -> AsyncIterator[str]:
    """Server-sent events: a delta per decoded segment, then the whole text."""
    import asyncio

    events: asyncio.Queue[TaskEvent] = asyncio.Queue()
    stop = ctx.bridge.watch(task_id, events.put_nowait)
    try:
        task = ctx.service.get(task_id)
        while not task.status.is_final:
            event = await events.get()
            if event.segment:
                yield _sse("transcript.text.delta", delta=event.segment["text"])
            if event.status.is_final:
                break
        task = ctx.service.get(task_id)
        if task.result is not None:
            yield _sse("transcript.text.done", text=Transcript.from_dict(task.result).text)
        else:
            yield _sse("error", error={"message": task.error or task.status.value})
    finally:
        stop()
        if not ctx.service.get(task_id).status.is_final:
            ctx.service.cancel(task_id)


def _models(ctx: ServerContext) -> dict[str, Any]:
    created = int(ctx.started)
    names = ["whisper-1", ctx.config.model or "whisper"]
    return {
        "object": "list",
        "data": [
            {"id": name, "object": "model", "created": created, "owned_by": "stackscribe"}
            for name in dict.fromkeys(names)
        ],
    }


def _model(ctx: ServerContext, model_id: str) -> dict[str, Any]:
    """One of the models ``/v1/models`` lists; any other is 404, as OpenAI answers."""
    for listed in _models(ctx)["data"]:
        if listed["id"] == model_id:
            return listed
    raise NotFound(f"Model {model_id!r} not found: GET /v1/models lists the models served")


def router() -> APIRouter:
    api = APIRouter(prefix="/v1", dependencies=[Depends(authorize)])

    async def handle(request: Request, task: str) -> Response:
        ctx = context(request)
        upload, (options, fmt, stream, layout) = await uploads.accept(
            request, lambda params: _read(params, task)
        )
        submitted = await direct_lane.submit(ctx, upload, options)
        if stream:
            return StreamingResponse(_stream(ctx, submitted.id), media_type="text/event-stream")
        done = await direct_lane.wait(ctx, request, submitted)
        raise_for(done)
        return _body(done.result or {}, fmt, options.word_timestamps, layout)

    @api.post("/audio/transcriptions", summary="OpenAI: create a transcription")
    async def transcriptions(request: Request) -> Response:
        return await handle(request, "transcribe")

    @api.post("/audio/translations", summary="OpenAI: translate speech to English")
    async def translations(request: Request) -> Response:
        return await handle(request, "translate")

    @api.get("/models", summary="OpenAI: the models this server answers to")
    async def models(request: Request) -> dict[str, Any]:
        return _models(context(request))

    @api.get("/models/{model_id:path}", summary="OpenAI: one model")
    async def model(request: Request, model_id: str) -> dict[str, Any]:
        return _model(context(request), model_id)

    return api
