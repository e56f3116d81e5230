"""Turning tasks and transcripts into HTTP responses."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import JSONResponse, Response

from engine import Conflict, StackscribeError, SubtitleLayout, Task, TaskStatus, formats


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def rendered(result: dict[str, Any], fmt: str, layout: SubtitleLayout | None = None) -> Response:
    """The transcript in ``fmt``; JSON formats as JSON, the others as text (srt and vtt
    cues laid out by ``layout``)."""
    if fmt == "json":
        return JSONResponse(result)
    return Response(formats.render(result, fmt, layout), media_type=formats.MEDIA_TYPES[fmt])


class TaskFailed(StackscribeError):
    """A direct transcription that ended in failure, with the status its cause maps to."""


def raise_for(task: Task) -> None:
    """Turn a task that did not complete into the error a direct caller receives."""
    if task.status == TaskStatus.COMPLETED:
        return
    if task.status == TaskStatus.CANCELLED:
        raise Conflict("The transcription was cancelled")
    raise TaskFailed(task.error or "The transcription failed", status=task.error_code or 500)


def uptime(started: float) -> float:
    return round(time.time() - started, 1)
