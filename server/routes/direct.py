"""The direct listener: the transcript in the response, never behind queued work."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from engine import InvalidParameter
from server.context import authorize, context
from server.http import uploads
from server.http.params import Params, transcription
from server.http.params import Request as Wanted
from server.http.responses import raise_for, rendered
from server.routes import direct_lane
from server.routes.queue import UPLOAD_DOC


def _wanted(params: Params) -> Wanted:
    if params.text("callback_url"):
        raise InvalidParameter(
            "callback_url is not offered by the direct listener, whose answer is the transcript: "
            "queue the file on the queue or tasks listener to be called back"
        )
    return transcription(params)


def router() -> APIRouter:
    api = APIRouter(dependencies=[Depends(authorize)])

    @api.post("/transcribe/", openapi_extra=UPLOAD_DOC, summary="Transcribe and answer")
    @api.post("/transcribe", include_in_schema=False)
    async def transcribe(request: Request) -> Response:
        ctx = context(request)
        upload, wanted = await uploads.accept(request, _wanted)
        task = await direct_lane.submit(ctx, upload, wanted.options)
        done = await direct_lane.wait(ctx, request, task)
        raise_for(done)
        return rendered(done.result or {}, wanted.response_format, wanted.layout)

    return api
