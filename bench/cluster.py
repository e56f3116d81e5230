"""Stack benchmarks (issue 4): operations per second by backend, recovery after a death."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import model, save
from engine.stack.memory import MemoryStack
from engine.stack.sharing import StackHost, connect
from engine.task import Task, TaskStatus
from harness import defaults
from harness.redis_server import RedisServer
from harness.workers import start_worker

N = 2000


def _rates(push_stack: Any, work_stack: Any, audio: str) -> dict[str, float]:
    tasks = [Task(filename=f"{i}", source=audio) for i in range(N)]
    started = time.perf_counter()
    for task in tasks:
        push_stack.push(task)
    push = N / (time.perf_counter() - started)
    started = time.perf_counter()
    claimed = [work_stack.claim("bench", 0) for _ in range(N)]
    claim = N / (time.perf_counter() - started)
    started = time.perf_counter()
    for task in claimed:
        work_stack.finish(task.id, task.lease, TaskStatus.COMPLETED, result={"text": "x"})
    commit = N / (time.perf_counter() - started)
    return {"push_per_s": push, "claim_per_s": claim, "commit_per_s": commit}


def operations() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        audio = Path(folder) / "clip.bin"
        audio.write_bytes(b"\0" * 1024)
        memory = MemoryStack()
        result = {"memory_in_process": _rates(memory, memory, str(audio))}
        shared = MemoryStack()
        host = StackHost({"stack": shared, "direct": MemoryStack()})
        address = host.start()
        try:
            # What an engine process sees: every call a round trip to the host's manager.
            result["memory_through_manager"] = _rates(shared, connect(address), str(audio))
        finally:
            host.stop()
        for name, fsync in (("redis_aof_always", "always"), ("redis_aof_everysec", "everysec")):
            server = RedisServer(Path(folder) / name, aof=True, fsync=fsync).start()
            try:
                stack = defaults.redis_stack(server.url, "bench:")
                result[name] = _rates(stack, stack, str(audio))
                stack.close()
            finally:
                server.stop()
    save("cluster_ops", result)
    return result


def recovery(runs: int = 3) -> dict[str, Any]:
    """SIGKILL the worker holding a task; time until the task is queued again."""
    from harness.audio_files import loop_to_file, shared_audio_dir

    times = []
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        server = RedisServer(root / "redis").start()
        hour = loop_to_file(shared_audio_dir() / "jfk.flac", root / "hour.flac", 3600)
        client = defaults.redis_stack(server.url, "rec:")
        try:
            for run in range(runs):
                workers = [
                    start_worker(
                        server.url, "rec:", model("micro"), root / f"w{run}{i}", lease=10.0
                    )
                    for i in range(2)
                ]
                task = Task(filename="hour.flac", source=str(hour))
                client.push(task)
                while (
                    held := client.get(task.id)
                ).status != TaskStatus.PROCESSING or not held.progress:
                    time.sleep(0.02)
                holder = next(w for w, engine in workers if held.worker.startswith(engine))
                killed = time.perf_counter()
                holder.kill()
                while client.get(task.id).worker == held.worker:
                    time.sleep(0.02)
                times.append(time.perf_counter() - killed)
                for worker, _ in workers:
                    worker.kill()
        finally:
            client.close()
            server.stop()
    result = {"lease_seconds": 10.0, "runs_s": times, "max_s": max(times)}
    save("cluster_recovery", result)
    return result
