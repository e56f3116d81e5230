"""Running one transcription on the direct lane while the client waits (or leaves)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from engine import NotFound, Task, TranscribeOptions
from server.context import ServerContext
from server.http import uploads

log = logging.getLogger(__name__)


async def _disconnected(request: Request) -> None:
    """Return when the client goes away (the body has been read already)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


async def submit(ctx: ServerContext, upload: uploads.Upload, options: TranscribeOptions) -> Task:
    return await run_in_threadpool(
        ctx.service.submit_direct, str(upload.path), upload.filename, options, True
    )


async def wait(ctx: ServerContext, request: Request, task: Task) -> Task:
    """Wait for ``task`` to end; cancel it if the client disconnects first."""

    def is_final() -> bool:
        return ctx.service.get(task.id).status.is_final

    finished = asyncio.ensure_future(ctx.bridge.final(task.id, is_final))
    gone = asyncio.ensure_future(_disconnected(request))
    try:
        await asyncio.wait({finished, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
        if not finished.done():
            finished.cancel()
            log.info("Client left; cancelling direct task %s", task.id)
            with contextlib.suppress(NotFound):  # it may have ended meanwhile
                ctx.service.cancel(task.id)
    return ctx.service.get(task.id)
