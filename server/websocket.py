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

from engine.errors import NotFound, StackUnavailable
from engine.task import Task, TaskEvent, TaskStatus
from server.context import ServerContext, authorize_socket

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
        if self.status != TaskStatus.QUEUED:
            return
        position = self.ctx.service.position(self.task_id)
        if position != self.position and position is not None:
            self.position = position
            task = self.ctx.service.get(self.task_id)
            self.outbox.put_nowait(snapshot(task, position))


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


def router(origins: tuple[str, ...]) -> APIRouter:
    api = APIRouter()

    @api.websocket("/ws/{task_id}")
    async def task_socket(websocket: WebSocket, task_id: str) -> None:
        ctx: ServerContext = websocket.app.state.context
        origin = websocket.headers.get("origin")
        if (origin and "*" not in origins and origin not in origins) or not authorize_socket(
            websocket, ctx
        ):
            await websocket.close(code=1008)
            return
        await websocket.accept()
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


async def _error(websocket: WebSocket, task_id: str, message: str, code: int) -> None:
    await websocket.send_text(json.dumps({"type": "error", "task_id": task_id, "message": message}))
    await websocket.close(code=code)


async def _serve(websocket: WebSocket, ctx: ServerContext, task: Task) -> None:
    position = ctx.service.position(task.id)
    subscriber = _Subscriber(ctx, task, position)
    stop_task = ctx.bridge.watch(task.id, subscriber.on_event)
    stop_queue = ctx.bridge.on_queue_change(subscriber.on_queue_change)
    # Read the state after subscribing, so no change falls between the two.
    current = ctx.service.get(task.id)
    subscriber.status, subscriber.progress = current.status, current.progress
    subscriber.outbox.put_nowait(snapshot(current, ctx.service.position(task.id)))
    jobs = [
        asyncio.ensure_future(_receive(websocket)),
        asyncio.ensure_future(_send(websocket, subscriber)),
    ]
    try:
        await asyncio.wait(jobs, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop_task()
        stop_queue()
        for job in jobs:
            job.cancel()
        for job in jobs:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await job
