"""Cancel acts within seconds also while the engine reads through a long silence."""

from __future__ import annotations

import time

import numpy as np
import pytest

from engine.pipeline.audio import read_all
from engine.task import TaskStatus


@pytest.fixture(scope="module")
def speech_then_silence(tmp_path_factory: pytest.TempPathFactory, jfk: str) -> str:
    """jfk.flac, then two hours of silence (VAD finds nothing to decode in it)."""
    import av

    target = tmp_path_factory.mktemp("silence") / "mostly-silent.flac"
    speech = (np.clip(read_all(jfk), -1, 1) * 32767).astype(np.int16)
    quiet = np.zeros(16000 * 60, dtype=np.int16)
    with av.open(str(target), "w") as container:
        stream = container.add_stream("flac", rate=16000, layout="mono")
        for part in [speech] + [quiet] * 120:
            frame = av.AudioFrame.from_ndarray(part[None, :], format="s16", layout="mono")
            frame.sample_rate = 16000
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return str(target)


@pytest.mark.parametrize("lane", ["queue", "direct"])
def test_cancel_is_quick_while_silence_is_skipped(
    make_runtime, speech_then_silence: str, lane: str
) -> None:
    runtime = make_runtime()
    service = runtime.service
    if lane == "queue":
        task, _ = service.submit(speech_then_silence, "mostly-silent.flac")
    else:
        task = service.submit_direct(speech_then_silence, "mostly-silent.flac")
    deadline = time.monotonic() + 60
    while service.get(task.id).status != TaskStatus.PROCESSING:
        assert time.monotonic() < deadline, "the task did not start"
        time.sleep(0.05)
    time.sleep(2)  # well into the silence: the speech is 11 s at the start
    asked = time.monotonic()
    service.cancel(task.id)
    done = service.wait(task.id, timeout=120)
    took = time.monotonic() - asked
    assert done.status == TaskStatus.CANCELLED, done
    assert took < 4, f"cancel took {took:.1f} s"
