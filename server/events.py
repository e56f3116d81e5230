"""Stack events, carried from the engine's threads into the server's event loop."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable

from engine import QueueChanged, StackEvent, TaskEvent, TaskService

log = logging.getLogger(__name__)

TaskCallback = Callable[[TaskEvent], None]


class EventBridge:
    """Subscribes to both lanes once and fans events out to callbacks in the loop.

    Callbacks run in the event loop thread, so they may touch asyncio objects directly.
    """

    def __init__(self, service: TaskService, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._by_task: dict[str, set[TaskCallback]] = defaultdict(set)
        self._queue: set[Callable[[], None]] = set()
        self._unsubscribe = [
            service.subscribe(self._from_thread),
            service.subscribe(self._from_thread, direct=True),
        ]

    def _from_thread(self, event: StackEvent) -> None:
        if self.loop.is_closed():
            return
        try:
            self.loop.call_soon_threadsafe(self._dispatch, event)
        except RuntimeError:
            log.debug("Event after the loop stopped: %r", event)

    def _dispatch(self, event: StackEvent) -> None:
        if isinstance(event, QueueChanged):
            for on_change in list(self._queue):
                on_change()
            return
        for on_event in list(self._by_task.get(event.task_id, ())):
            on_event(event)

    def watch(self, task_id: str, callback: TaskCallback) -> Callable[[], None]:
        self._by_task[task_id].add(callback)

        def stop() -> None:
            callbacks = self._by_task.get(task_id)
            if callbacks is not None:
                callbacks.discard(callback)
                if not callbacks:
                    del self._by_task[task_id]

        return stop

    def on_queue_change(self, callback: Callable[[], None]) -> Callable[[], None]:
        self._queue.add(callback)
        return lambda: self._queue.discard(callback)

    def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()

    async def final(self, task_id: str, is_final: Callable[[], bool]) -> None:
        """Return once the task has reached a final state."""
        done = self.loop.create_future()

        def callback(event: TaskEvent) -> None:
            if event.status.is_final and not done.done():
                done.set_result(None)

        stop = self.watch(task_id, callback)
        try:
            if not is_final():
                await done
        finally:
            stop()
