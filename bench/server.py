"""Server benchmarks (issue 3): direct overhead, direct under queue load, uploads, WebSocket."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import ROOT, THREADS, looped, model, python, save, shared
from harness.redis_server import free_port
from harness.workers import AppProcess

RUNS = 20


def _serve(folder: str, *extra: str) -> tuple[AppProcess, str, str]:
    queue, direct = free_port(), free_port()
    app = AppProcess(
        "serve",
        "--model",
        model(),
        "--cpu-threads",
        str(THREADS),
        "--data-dir",
        folder,
        "--queue-port",
        str(queue),
        "--direct-port",
        str(direct),
        "--redis-url",
        "",
        *extra,
    )
    app.wait_for("Engine ready", timeout=120)
    return app, f"http://127.0.0.1:{queue}", f"http://127.0.0.1:{direct}"


def _raw_jfk_times() -> list[float]:
    code = (
        "import json, time, sys\n"
        "from faster_whisper import WhisperModel\n"
        f"m = WhisperModel({model()!r}, device='cpu', compute_type='int8', cpu_threads={THREADS})\n"
        f"list(m.transcribe({shared('jfk.flac')!r})[0])\n"
        "out = []\n"
        f"for _ in range({RUNS}):\n"
        "    t = time.perf_counter()\n"
        f"    list(m.transcribe({shared('jfk.flac')!r})[0])\n"
        "    out.append(time.perf_counter() - t)\n"
        "print(json.dumps(out))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return json.loads(result.stdout)


def _direct_times(direct: str, runs: int = RUNS) -> list[float]:
    data = Path(shared("jfk.flac")).read_bytes()
    params = {"word_timestamps": "false", "vad_filter": "false"}  # raw's defaults
    times = []
    with httpx.Client(timeout=60) as client:
        client.post(f"{direct}/transcribe/", files={"file": ("jfk.flac", data)}, data=params)
        for _ in range(runs):
            started = time.perf_counter()
            response = client.post(
                f"{direct}/transcribe/", files={"file": ("jfk.flac", data)}, data=params
            )
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
    return times


def direct() -> dict[str, Any]:
    """Direct requests against raw faster-whisper; then a direct request under queue load."""
    raw = _raw_jfk_times()
    with tempfile.TemporaryDirectory() as folder:
        app, queue, direct_url = _serve(folder)
        try:
            ours = _direct_times(direct_url)
            ten = Path(looped(600)).read_bytes()
            with httpx.Client(timeout=60) as client:
                task = client.post(f"{queue}/transcribe/", files={"file": ("ten.flac", ten)})
                task_id = task.json()["task_id"]
                while client.get(f"{queue}/task/{task_id}").json()["progress"] <= 0:
                    time.sleep(0.05)
                loaded = _direct_times(direct_url, runs=5)
                still = client.get(f"{queue}/task/{task_id}").json()["status"]
                client.delete(f"{queue}/task/{task_id}")
        finally:
            app.stop()
    result = {
        "raw_median_ms": statistics.median(raw) * 1000,
        "ours_median_ms": statistics.median(ours) * 1000,
        "overhead_median_ms": (statistics.median(ours) - statistics.median(raw)) * 1000,
        "under_queue_load_max_s": max(loaded),
        "queue_task_still": still,
    }
    save("server_direct", result)
    return result


def uploads(count: int = 1000, concurrency: int = 16) -> dict[str, Any]:
    """Small uploads to the queue while the engine works through a long task."""
    with tempfile.TemporaryDirectory() as folder:
        app, queue, _ = _serve(folder)
        try:
            hour = Path(looped(3600)).read_bytes()
            with httpx.Client(timeout=60) as client:
                client.post(
                    f"{queue}/transcribe/",
                    files={"file": ("hour.flac", hour)},
                    data={"priority": "10"},
                )
            out = subprocess.run(
                python(
                    "-m",
                    "bench.server_load",
                    "uploads",
                    queue,
                    shared("hotwords.mp3"),
                    str(count),
                    str(concurrency),
                ),
                capture_output=True,
                text=True,
                cwd=ROOT,
                check=True,
            ).stdout
        finally:
            app.stop()
    result = json.loads(out)
    save("server_uploads", result)
    return result


def websocket(subscribers: int = 50, frames: int = 200) -> dict[str, Any]:
    """Progress events to 50 WebSocket subscribers: latency from the event to each client."""
    from app.configs import server_config
    from app.runtime import Runtime
    from app.settings import Settings
    from engine.task import Task
    from server.runner import ServerRunner

    with tempfile.TemporaryDirectory() as folder:
        # No engine takes the task (the model is a folder with nothing in it): the bench
        # claims it and sends the progress itself, stamping each event with its time.
        settings = Settings(
            model=folder, data_dir=folder, redis_url="", queue_port=free_port(), listeners="queue"
        )
        runtime = Runtime(settings)
        runner = ServerRunner(runtime.service, server_config(settings))
        runner.start()
        try:
            task = Task(filename="clip", source=shared("jfk.flac"))
            runtime.stack.push(task)
            held = runtime.stack.claim("bench", 1)
            assert held is not None and held.lease is not None  # the task pushed just now
            url = runner.url("queue").replace("http", "ws") + f"/ws/{task.id}"
            clients = subprocess.Popen(
                python("-m", "bench.server_load", "sockets", url, str(subscribers), str(frames)),
                stdout=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            )
            assert clients.stdout is not None  # stdout=PIPE
            assert clients.stdout.readline().strip() == "READY"
            for i in range(frames):
                runtime.stack.report(
                    held.id, held.lease, (i + 1) / (frames + 1), f"t={time.time()}"
                )
                time.sleep(0.02)
            out, _ = clients.communicate(timeout=120)
        finally:
            runner.stop()
            runtime.close()
    latencies = sorted(json.loads(out)["latencies"])
    result = {
        "subscribers": subscribers,
        "frames_each": frames,
        "delivered": len(latencies),
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "max_ms": latencies[-1] * 1000,
    }
    save("server_websocket", result)
    return result
