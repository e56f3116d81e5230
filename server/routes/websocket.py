"""``/ws/{task_id}``: the task's state at once, then every change, as JSON text frames."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from starlette.websockets import WebSocket, WebSocketDisconnect

from engine import NotFound, StackscribeError, StackUnavailable, Task, TaskEvent, TaskStatus
from server.context import ServerContext, accept_socket

log = logging.getLogger(__name__)

_BACKLOG = 1000  # frames held for a slow client before intermediate progress is dropped


def snapshot(task: Task, position: int | None) -> dict[str, Any]:
    """A frame from the task as it is now (the first frame every subscriber gets)."""
    data: dict[str, Any] = {
        "status": task.status.value,
        "progress": round(task.progress, 4),
        "message": task.message,
        "queue_position": position,
    }
    if task.status == TaskStatus.COMPLETED:
        data["result"] = task.result
    if task.error:
        data["error_message"] = task.error
    return {"type": "task_update", "task_id": task.id, "data": data}


class _Subscriber:
    """One socket's outbox: task events, and queue-position changes while queued."""

    def __init__(self, ctx: ServerContext, task: Task, position: int | None) -> None:
        self.ctx = ctx
        self.task_id = task.id
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.status = task.status
        self.progress = task.progress
        self.position = position
        self._refresh: asyncio.Future[None] | None = None
        self._again = False

    def on_event(self, event: TaskEvent) -> None:
        stale = event.status == self.status and event.progress < self.progress
        if stale and event.segment is None:
            return
        if self.outbox.qsize() >= _BACKLOG and not event.status.is_final:
            return  # a client this far behind gets the final frame, not every step
        self.status, self.progress = event.status, max(self.progress, event.progress)
        self.position = event.queue_position
        self.outbox.put_nowait(event.to_message())

    def on_queue_change(self) -> None:
        """Read the new position off the loop (Redis); a burst of changes makes one or two."""
        if self.status != TaskStatus.QUEUED:
            return
        if self._refresh is not None and not self._refresh.done():
            self._again = True
            return
        self._refresh = asyncio.ensure_future(self._read_position())

    async def _read_position(self) -> None:
        self._again = False
        try:
            position = await run_in_threadpool(self.ctx.service.position, self.task_id)
            if position != self.position and position is not None:
                self.position = position
                task = await run_in_threadpool(self.ctx.service.get, self.task_id)
                self.outbox.put_nowait(snapshot(task, position))
        except StackscribeError as exc:  # Redis away: the next change tries again
            log.debug("Position of %s not read: %s", self.task_id, exc)
        if self._again:
            self.on_queue_change()

    def close(self) -> None:
        if self._refresh is not None:
            self._refresh.cancel()


async def _receive(websocket: WebSocket) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is None:  # a binary frame: this socket speaks JSON text only
            await websocket.close(code=1003, reason="Only text frames are accepted")
            return
        if text.strip().lower() == "ping":
            await websocket.send_text(json.dumps({"type": "pong"}))


async def _send(websocket: WebSocket, subscriber: _Subscriber) -> None:
    while True:
        frame = await subscriber.outbox.get()
        await websocket.send_text(json.dumps(frame, ensure_ascii=False))


def router() -> APIRouter:
    api = APIRouter()

    @api.websocket("/ws/{task_id}")
    async def task_socket(websocket: WebSocket, task_id: str) -> None:
        ctx = await accept_socket(websocket)
        if ctx is None:
            return
        try:
            task = await run_in_threadpool(ctx.service.get, task_id)
        except NotFound:
            await _error(websocket, task_id, f"Task {task_id} not found", 1000)
            return
        except StackUnavailable as exc:  # the task may well exist: say so, and to retry
            await _error(websocket, task_id, f"{exc}; try again in a moment", 1013)
            return
        await _serve(websocket, ctx, task)

    return api


def _state(ctx: ServerContext, task_id: str) -> tuple[Task, int | None]:
    """The task as it is now and its queue position (in the thread pool: Redis)."""
    return ctx.service.get(task_id), ctx.service.position(task_id)


async def _error(websocket: WebSocket, task_id: str, message: str, code: int) -> None:
    await websocket.send_text(json.dumps({"type": "error", "task_id": task_id, "message": message}))
    await websocket.close(code=code)


async def _serve(websocket: WebSocket, ctx: ServerContext, task: Task) -> None:
    subscriber = _Subscriber(ctx, task, None)
    stop_task = ctx.bridge.watch(task.id, subscriber.on_event)
    stop_queue = ctx.bridge.on_queue_change(subscriber.on_queue_change)
    try:
        # Read the state after subscribing, so no change falls between the two.
        current, position = await run_in_threadpool(_state, ctx, task.id)
    except StackscribeError as exc:  # Redis went away just now
        stop_task()
        stop_queue()
        await _error(websocket, task.id, f"{exc}; try again in a moment", 1013)
        return
    subscriber.status, subscriber.progress = current.status, current.progress
    subscriber.position = position
    subscriber.outbox.put_nowait(snapshot(current, position))
    jobs = [
        asyncio.ensure_future(_receive(websocket)),
        asyncio.ensure_future(_send(websocket, subscriber)),
    ]
    try:
        await asyncio.wait(jobs, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop_task()
        stop_queue()
        subscriber.close()
        for job in jobs:
            job.cancel()
        for job in jobs:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await job
