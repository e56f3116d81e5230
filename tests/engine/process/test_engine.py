"""The engine process through the task service: progress, results, cancel, failure, timeout.

Each test runs a real Runtime: the stack host, a spawned engine process with the generated
model, and the supervisor watching it.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
from pathlib import Path

import pytest

from engine.errors import AudioDecodeError, StackscribeError
from engine.stack.protocol import StackEvent
from engine.status import EngineState
from engine.task import TaskEvent, TaskStatus, TranscribeOptions
from tests.conftest import phrases


class Recorder:
    """Collects the task events of one service."""

    def __init__(self, service) -> None:
        self.events: list[TaskEvent] = []
        self.lock = threading.Lock()
        self.unsubscribe = service.subscribe(self)

    def __call__(self, event: StackEvent) -> None:
        if isinstance(event, TaskEvent):
            with self.lock:
                self.events.append(event)

    def of(self, task_id: str) -> list[TaskEvent]:
        with self.lock:
            return [e for e in self.events if e.task_id == task_id]


def test_progress_rises_to_one_and_the_result_has_the_api_shape(
    make_runtime, shared_audio: Path
) -> None:
    runtime = make_runtime()
    recorder = Recorder(runtime.service)
    task, position = runtime.service.submit(
        str(shared_audio / "seed_sample_th.mp3"), "th.mp3", TranscribeOptions(decode_mode="batched")
    )
    assert position == 1 and task.duration == pytest.approx(62.7, abs=0.2)
    done = runtime.service.wait(task.id, timeout=60)
    assert done.status == TaskStatus.COMPLETED, done.error
    events = recorder.of(task.id)
    progress = [e.progress for e in events]
    assert progress == sorted(progress) and progress[-1] == 1.0
    segments = [e.segment for e in events if e.segment]
    assert segments and segments == done.result["segments"]
    result = done.result
    assert set(result) >= {"text", "language", "language_probability", "duration", "segments"}
    assert phrases(result["text"]) >= 2, result["text"]  # 62.7 s: more than one window
    assert events[-1].result == result
    assert done.started_at <= done.completed_at


def test_cancel_a_running_task_and_the_engine_goes_on(
    make_runtime, long_audio: str, jfk: str
) -> None:
    runtime = make_runtime()
    recorder = Recorder(runtime.service)
    long, _ = runtime.service.submit(long_audio, "hour.flac")
    waited = threading.Event()

    def started(event: StackEvent) -> None:
        if isinstance(event, TaskEvent) and event.task_id == long.id and event.progress > 0:
            waited.set()

    unsubscribe = runtime.service.subscribe(started)
    assert waited.wait(60)
    unsubscribe()
    runtime.service.cancel(long.id)
    cancelled = runtime.service.wait(long.id, timeout=30)
    assert cancelled.status == TaskStatus.CANCELLED
    assert cancelled.progress < 1.0
    pid = runtime.supervisor.status.pid
    short, _ = runtime.service.submit(jfk, "jfk.flac")
    assert runtime.service.wait(short.id, timeout=60).status == TaskStatus.COMPLETED
    assert runtime.supervisor.status.pid == pid  # same process, model still loaded
    assert recorder.of(long.id)[-1].status == TaskStatus.CANCELLED


def test_a_failing_task_fails_with_a_reason_and_the_engine_survives(
    make_runtime, jfk: str, tmp_path: Path
) -> None:
    runtime = make_runtime()
    doomed_copy = tmp_path / "vanishing.flac"
    shutil.copy(jfk, doomed_copy)
    blocker, _ = runtime.service.submit(jfk, "first.flac", priority=10)
    doomed, _ = runtime.service.submit(str(doomed_copy), "vanishing.flac")
    os.unlink(doomed_copy)  # gone before the engine reaches it
    assert runtime.service.wait(blocker.id, 60).status == TaskStatus.COMPLETED
    failed = runtime.service.wait(doomed.id, 60)
    assert failed.status == TaskStatus.FAILED
    assert "no longer on disk" in failed.error
    after, _ = runtime.service.submit(jfk, "after.flac")
    assert runtime.service.wait(after.id, 60).status == TaskStatus.COMPLETED


def test_undecodable_files_are_refused_at_submission(make_runtime, tmp_path: Path) -> None:
    runtime = make_runtime()
    bad = tmp_path / "report.pdf"
    bad.write_bytes(b"%PDF-1.4 not audio at all" * 50)
    with pytest.raises(AudioDecodeError):
        runtime.service.submit(str(bad), "report.pdf")
    assert runtime.service.counts()["queue_size"] == 0


def test_timeout_fails_the_task_and_the_engine_recovers(
    make_runtime, long_audio: str, jfk: str
) -> None:
    # An hour takes the generated model far longer than 5 s; jfk.flac takes well under it,
    # even on a busy machine.
    runtime = make_runtime(worker_timeout=5.0)
    slow, _ = runtime.service.submit(long_audio, "hour.flac")
    failed = runtime.service.wait(slow.id, timeout=60)
    assert failed.status == TaskStatus.FAILED
    assert "WORKER_TIMEOUT" in failed.error
    quick, _ = runtime.service.submit(jfk, "jfk.flac")
    assert runtime.service.wait(quick.id, timeout=60).status == TaskStatus.COMPLETED


def test_a_killed_engine_is_restarted_and_its_task_runs_again(
    make_runtime, ten_minutes: str
) -> None:
    runtime = make_runtime()
    task, _ = runtime.service.submit(ten_minutes, "ten.flac", TranscribeOptions(beam_size=5))
    seen = threading.Event()

    def on_event(event: StackEvent) -> None:
        if isinstance(event, TaskEvent) and event.progress > 0:
            seen.set()

    unsubscribe = runtime.service.subscribe(on_event)
    assert seen.wait(60)
    unsubscribe()
    old_pid = runtime.supervisor.status.pid
    os.kill(old_pid, signal.SIGKILL)
    done = runtime.service.wait(task.id, timeout=120)
    assert done.status == TaskStatus.COMPLETED
    assert done.attempts == 2
    status = runtime.supervisor.status
    assert status.pid != old_pid and status.restarts == 1 and status.state == EngineState.READY


def test_a_missing_model_is_reported_not_raised(make_runtime, jfk: str) -> None:
    runtime = make_runtime(wait=False, model="large-v3")
    status = runtime.supervisor.wait_settled(timeout=30)
    assert status.state == EngineState.UNAVAILABLE
    assert "large-v3" in status.error and "models download" in status.error
    with pytest.raises(StackscribeError) as info:
        runtime.service.submit(jfk, "jfk.flac")
    assert info.value.status == 503
