"""A direct request while a long task runs on the queue, against the same on an idle engine.

Queued work pauses at its next segment while a direct request runs (``DirectFirst`` in
engine/process/worker.py), so a person waiting on the direct listener should see about the time of
an idle engine, not half of a CPU shared with an hour-long file.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench.common import looped, save
from bench.server import _direct_times, _serve

RUNS = 9


def measure() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        app, queue, direct = _serve(folder)
        try:
            idle = _direct_times(direct, runs=RUNS)
            hour = Path(looped(3600)).read_bytes()
            with httpx.Client(timeout=60) as client:
                task = client.post(f"{queue}/transcribe/", files={"file": ("hour.flac", hour)})
                task_id = task.json()["task_id"]

                def decoded() -> float:
                    """Seconds of the hour the queued task has decoded so far."""
                    return client.get(f"{queue}/task/{task_id}").json()["progress"] * 3600

                while decoded() <= 0:
                    time.sleep(0.05)
                alone = _rate(decoded, lambda: time.sleep(10))
                busy: list[float] = []
                beside = _rate(decoded, lambda: busy.extend(_direct_times(direct, runs=RUNS)))
                still = client.get(f"{queue}/task/{task_id}").json()["status"]
                client.delete(f"{queue}/task/{task_id}")
        finally:
            app.stop()
    result = {
        "runs": RUNS,
        "idle_median_s": statistics.median(idle),
        "busy_median_s": statistics.median(busy),
        "busy_max_s": max(busy),
        "ratio": statistics.median(busy) / statistics.median(idle),
        "queue_alone_x": alone,
        "queue_beside_direct_x": beside,
        "queue_task_still": still,
    }
    save("server_direct_first", result)
    return result


def _rate(decoded: Callable[[], float], during: Callable[[], None]) -> float:
    """Seconds of audio the queued task decodes per second while ``during`` runs."""
    before, started = decoded(), time.perf_counter()
    during()
    return (decoded() - before) / (time.perf_counter() - started)


def report_lines(data: dict[str, Any] | None) -> list[str]:
    lines = ["## Direct first (issue 11)", ""]
    if data:
        lines += [
            f"### A direct request while the queue works ({data['recorded']})",
            "",
            f"jfk.flac (11 s) on the direct listener, {data['runs']} requests each, generated "
            f"tiny-size model: on an idle engine median {data['idle_median_s']:.2f} s; while an "
            f"hour-long task runs on the queue median {data['busy_median_s']:.2f} s (slowest "
            f"{data['busy_max_s']:.2f} s), **{data['ratio']:.2f}× the idle time**. The queued "
            f"task pauses at its next segment meanwhile: alone it decoded "
            f"{data['queue_alone_x']:.1f} s of audio per second, while the direct requests "
            f"ran {data['queue_beside_direct_x']:.1f} s per second (what remains is the batch "
            f"each request found in flight, which cannot be cut short), and it went on after "
            f"(`{data['queue_task_still']}` when the last request ended).",
            "",
        ]
    if data and data.get("before_gate"):
        before = data["before_gate"]
        lines += [
            f"The same bench on the commit before the gate was wired ({before['recorded']}): "
            f"median {before['busy_median_s']:.2f} s against {before['idle_median_s']:.2f} s "
            f"idle, {before['ratio']:.2f}×; the queued task decoded "
            f"{before['queue_alone_x']:.1f} s per second alone and "
            f"{before['queue_beside_direct_x']:.1f} beside the direct requests.",
            "",
        ]
    if data and data.get("ratios"):
        runs = data["ratios"]
        lines += [
            "The machine is shared with other work and single runs vary: the ratio over "
            f"{len(runs['with_gate'])} runs was {', '.join(f'{r:.2f}' for r in runs['with_gate'])}"
            f" with the gate, {', '.join(f'{r:.2f}' for r in runs['before_gate'])} before it.",
            "",
        ]
    return lines
