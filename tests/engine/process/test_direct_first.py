"""A direct request has the engine to itself: queued work pauses while it runs."""

from __future__ import annotations

import threading
import time

from engine.stack.protocol import StackEvent
from engine.task import TaskEvent, TaskStatus
from harness.waits import until


class Timeline:
    """Task events of one lane, with the time each arrived."""

    def __init__(self, service, direct: bool = False) -> None:
        self.events: list[tuple[float, TaskEvent]] = []
        self.lock = threading.Lock()
        self.unsubscribe = service.subscribe(self, direct=direct)

    def __call__(self, event: StackEvent) -> None:
        if isinstance(event, TaskEvent):
            with self.lock:
                self.events.append((time.monotonic(), event))

    def of(self, task_id: str) -> list[tuple[float, TaskEvent]]:
        with self.lock:
            return [(t, e) for t, e in self.events if e.task_id == task_id]


def test_queued_work_pauses_while_a_direct_request_runs(
    make_runtime, long_audio: str, ten_minutes: str
) -> None:
    runtime = make_runtime()
    queued, direct = Timeline(runtime.service), Timeline(runtime.service, direct=True)
    background, _ = runtime.service.submit(long_audio, "hour.flac")
    until(
        lambda: [e for _, e in queued.of(background.id) if e.progress > 0],
        60,
        "the queued task to start",
    )
    request = runtime.service.submit_direct(ten_minutes, "ten.flac")
    done = runtime.service.wait(request.id, timeout=120)
    assert done.status == TaskStatus.COMPLETED, done.error
    times = [t for t, e in direct.of(request.id) if e.status == TaskStatus.PROCESSING]
    start, end = times[0], direct.of(request.id)[-1][0]
    during = [e for t, e in queued.of(background.id) if start < t < end]
    # Only what was on its way when the request came in: the batch being decoded (two
    # 30-second windows on a CPU, reported as its sentences), never the ten minutes' worth.
    span = max(e.progress for e in during) - min(e.progress for e in during) if during else 0.0
    assert span * 3600 <= 2 * 30 + 5, [(e.progress, e.message) for e in during]
    assert runtime.service.get(background.id).status == TaskStatus.PROCESSING  # it goes on
    runtime.service.cancel(background.id)
