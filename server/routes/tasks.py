"""The tasks listener (8002): the original system's separated queue API over the same stack.

Its frontend uploads to ``POST /tasks/transcription`` and polls ``GET /tasks/{id}`` here;
uploads, cancels and errors go through the queue listener's own code, so a task and its
answers are the same whichever listener a client speaks to.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from engine import InvalidParameter, Task, TaskStatus, iso
from server.context import ServerContext, authorize, context
from server.routes import queue
from server.routes.common import config_body, health_body
from server.routes.stats import stats, stats_from

TASK_TYPE = "transcription"
#: Task types the original knew; risk detection is not provided, so it never matches.
TASK_TYPES = (TASK_TYPE, "risk_detection")
#: Deepest page of ``GET /tasks``: a page is read from the newest task down, so an offset
#: without a bound (2**63) made Redis fail on its own range arithmetic.
MAX_OFFSET = 100_000


def summary(task: Task) -> dict[str, Any]:
    """One row of ``GET /tasks``."""
    return {
        "task_id": task.id,
        "task_type": TASK_TYPE,
        "status": task.status.value,
        "progress": round(task.progress, 4),
        "created_at": iso(task.created_at),
        "started_at": iso(task.started_at),
        "completed_at": iso(task.completed_at),
        "filename": task.filename,
    }


def get_task(request: Request, task_id: str) -> dict[str, Any]:
    return status_body(context(request), task_id)


async def submit(request: Request) -> dict[str, Any]:
    """Queue a file; a ``callback_url`` is POSTed the body of GET /tasks/{id} once it ends."""
    return await queue.queue_task(request, status_body)


def status_body(ctx: ServerContext, task_id: str) -> dict[str, Any]:
    """The body of ``GET /tasks/{id}``."""
    task = ctx.service.get(task_id)
    return {
        **summary(task),
        "result": task.result,
        "error_message": task.error,
        "retry_count": max(task.attempts - 1, 0),
        "max_retries": ctx.config.max_retries,
        "message": task.message,
        "queue_position": ctx.service.position(task_id),
        "duration": task.duration,
        "edited": task.original_result is not None,
        "original_result": task.original_result,
    }


def _status(raw: str | None) -> TaskStatus | None:
    if not raw:
        return None
    try:
        return TaskStatus(raw)
    except ValueError:
        choices = ", ".join(s.value for s in TaskStatus)
        raise InvalidParameter(f"status must be one of {choices}, not {raw!r}") from None


def list_tasks(
    request: Request,
    status: str | None = None,
    task_type: str | None = None,
    limit: int = Query(10, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict[str, Any]:
    """A page of tasks, newest first; ``total`` counts every match."""
    wanted = _status(status)
    if task_type and task_type not in TASK_TYPES:
        raise InvalidParameter(f"task_type must be one of {', '.join(TASK_TYPES)}")
    page: list[dict[str, Any]] = []
    total = 0
    if task_type in (None, "", TASK_TYPE):
        ctx = context(request)
        counts = ctx.service.counts()
        total = counts[wanted.value] if wanted else sum(counts[s.value] for s in TaskStatus)
        page = [summary(t) for t in ctx.service.list(wanted, offset + limit)[offset:]]
    return {"tasks": page, "total": total, "offset": offset, "limit": limit}


def get_stats(request: Request) -> dict[str, Any]:
    return stats(context(request))


def health(request: Request) -> dict[str, Any]:
    ctx = context(request)
    counts, backend = ctx.service.counts(), ctx.service.backend()
    return {
        **health_body(request, counts, backend),
        "service_type": "tasks",
        "queue_stats": stats_from(ctx, counts, backend),
    }


def config(request: Request) -> dict[str, Any]:
    return config_body(request, "tasks")


def router() -> APIRouter:
    api = APIRouter()
    api.add_api_route("/health", health, methods=["GET"], summary="Health and stack counters")
    keyed = APIRouter(dependencies=[Depends(authorize)])
    keyed.add_api_route(
        "/tasks/transcription",
        submit,
        methods=["POST"],
        openapi_extra=queue.UPLOAD_DOC,
        summary="Queue a transcription",
    )
    keyed.add_api_route(
        "/tasks/{task_id}", get_task, methods=["GET"], summary="A task's status and result"
    )
    keyed.add_api_route(
        "/tasks/{task_id}/result",
        queue.get_result,
        methods=["GET"],
        summary="A completed task's transcript in any format (srt/vtt layout as on 8000)",
    )
    keyed.add_api_route(
        "/tasks/{task_id}",
        queue.cancel,
        methods=["DELETE"],
        summary="Cancel a queued or running task",
    )
    keyed.add_api_route("/tasks", list_tasks, methods=["GET"], summary="A page of tasks")
    keyed.add_api_route("/stats", get_stats, methods=["GET"], summary="Counts by status")
    keyed.add_api_route("/config", config, methods=["GET"], summary="Effective configuration")
    api.include_router(keyed)
    return api
