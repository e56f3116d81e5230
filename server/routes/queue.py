"""The queue listener: tasks on the LIFO stack, their status, cancel, results."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from engine import Conflict, InvalidParameter, TaskStatus, check_format
from server.context import ServerContext, authorize, context
from server.http import uploads
from server.http.params import Params, subtitle_layout, transcription
from server.http.responses import now_iso, rendered, uptime
from server.routes.stats import last_backup

UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "language": {"type": "string"},
                        "task": {"type": "string", "enum": ["transcribe", "translate"]},
                        "priority": {"type": "integer"},
                        "word_timestamps": {"type": "boolean"},
                        "vad_filter": {"type": "boolean"},
                        "initial_prompt": {"type": "string"},
                        "response_format": {"type": "string"},
                        "callback_url": {"type": "string", "format": "uri"},
                        "max_line_width": {"type": "integer", "minimum": 1},
                        "max_line_count": {"type": "integer", "minimum": 1},
                        "max_words_per_line": {"type": "integer", "minimum": 1},
                    },
                }
            }
        },
    }
}


#: The body of a task status route (GET /task/{id} here, GET /tasks/{id} on the tasks listener).
StatusBody = Callable[[ServerContext, str], dict[str, Any]]


async def submit(request: Request) -> dict[str, Any]:
    """Queue a file; a ``callback_url`` is POSTed the body of GET /task/{id} once it ends."""
    return await queue_task(request, lambda ctx, task_id: ctx.service.public(task_id))


def _callback_url(ctx: ServerContext, params: Params) -> str | None:
    url = params.text("callback_url")
    if ctx.callbacks is None:
        if url:
            raise InvalidParameter("callback_url is not offered by this listener")
        return None
    return ctx.callbacks.check(url)


async def queue_task(request: Request, status: StatusBody) -> dict[str, Any]:
    """Receive, check and queue an upload; ``status`` renders the body of its callback."""
    ctx = context(request)
    upload, wanted = await uploads.accept(request, transcription)
    with uploads.discarded_on_error(upload):
        callback = _callback_url(ctx, Params(upload.fields, request.query_params))
    task, position = await run_in_threadpool(
        ctx.service.submit,
        str(upload.path),
        upload.filename,
        wanted.options,
        wanted.priority,
        True,
    )
    if callback is not None and ctx.callbacks is not None:
        body = functools.partial(status, ctx)
        await run_in_threadpool(ctx.callbacks.register, task.id, callback, body)
    return {
        "task_id": task.id,
        # As accepted; an idle engine may already have taken it (GET /task tells).
        "status": "queued",
        "message": f"Task queued at position {position}",
        "queue_position": position,
        "filename": task.filename,
        "duration": task.duration,
    }


# Plain ``def`` routes: the stack may be Redis, and starlette runs these in its thread pool,
# so a slow round trip never holds up the event loop (and every other request).


def get_task(request: Request, task_id: str) -> dict[str, Any]:
    return context(request).service.public(task_id)


def get_result(request: Request, task_id: str, response_format: str = "json") -> Response:
    task = context(request).service.get(task_id)
    fmt = check_format(response_format)
    layout = subtitle_layout(Params({}, request.query_params))
    if task.status != TaskStatus.COMPLETED or task.result is None:
        raise Conflict(f"Task {task_id} is {task.status.value}; it has no result yet")
    return rendered(task.result, fmt, layout)


def cancel(request: Request, task_id: str) -> dict[str, Any]:
    task = context(request).service.cancel(task_id)
    if task.status == TaskStatus.CANCELLED:
        message = "Task cancelled"
    else:
        message = "Cancellation requested: the task stops at its next segment"
    return {"message": message, "task_id": task_id, "status": task.status.value}


def list_tasks(
    request: Request,
    status: str | None = None,
    limit: int = Query(50, ge=1, le=1000),
    include_results: bool = False,
) -> dict[str, Any]:
    ctx = context(request)
    try:
        wanted = TaskStatus(status) if status else None
    except ValueError:
        choices = ", ".join(s.value for s in TaskStatus)
        raise InvalidParameter(f"status must be one of {choices}, not {status!r}") from None
    positions = ctx.service.positions()
    tasks = []
    for task in ctx.service.list(wanted, limit):
        public = task.to_public(positions.get(task.id))
        if not include_results:
            public["result"] = public["original_result"] = None
        tasks.append(public)
    return {"tasks": tasks, "count": len(tasks)}


def queue_status(request: Request) -> dict[str, Any]:
    ctx = context(request)
    counts = ctx.service.counts()
    backend = ctx.service.backend()
    return {
        "queue_size": counts["queue_size"],
        "timestamp": now_iso(),
        "processing_tasks": counts["processing"],
        "queued_tasks": counts["queued"],
        "completed_tasks": counts["completed"],
        "failed_tasks": counts["failed"],
        "cancelled_tasks": counts["cancelled"],
        "total_tasks": sum(counts[s.value] for s in TaskStatus),
        "uptime_seconds": uptime(ctx.started),
        "backend": backend["backend"],
        "redis_connected": backend["redis_connected"],
        "last_backup": last_backup(backend),
    }


def router() -> APIRouter:
    api = APIRouter(dependencies=[Depends(authorize)])
    api.add_api_route(
        "/transcribe/",
        submit,
        methods=["POST"],
        openapi_extra=UPLOAD_DOC,
        summary="Queue a transcription",
    )
    api.add_api_route("/transcribe", submit, methods=["POST"], include_in_schema=False)
    api.add_api_route(
        "/task/{task_id}", get_task, methods=["GET"], summary="A task's status, progress and result"
    )
    api.add_api_route(
        "/task/{task_id}/result",
        get_result,
        methods=["GET"],
        summary="A completed task's transcript in any format",
    )
    api.add_api_route(
        "/task/{task_id}", cancel, methods=["DELETE"], summary="Cancel a queued or running task"
    )
    api.add_api_route("/tasks", list_tasks, methods=["GET"], summary="Recent tasks, newest first")
    api.add_api_route(
        "/queue/status",
        queue_status,
        methods=["GET"],
        summary="Counts by status, backend and uptime",
    )
    return api
