"""The PyInstaller bundle: its size, what slimming it saved, and how fast it starts.

``measure()`` builds the bundle (or reuses one built from the same sources), then times each
command in fresh processes, frozen and from source (``python -m app``): ``--help``,
``config``, and ``serve`` until ``/health`` answers and until the engine is ready with the
generated Whisper-tiny-sized model.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import ROOT, THREADS, mb, model, save
from harness.bundle import SLIM_REPORT, Bundle, ensure_built

RUNS = 5  # per quick command
SERVE_RUNS = 3
SERVE_TIMEOUT = 120.0


def measure(rebuild: bool = False) -> dict[str, Any]:
    bundle = ensure_built(rebuild=rebuild)
    frozen, source = [str(bundle.exe)], [sys.executable, "-m", "app"]
    slimmed = json.loads(SLIM_REPORT.read_text()) if SLIM_REPORT.exists() else {}
    data: dict[str, Any] = {
        "build_seconds": None if bundle.build_seconds is None else round(bundle.build_seconds),
        "folder_mb": mb(_bytes(bundle.folder)),
        "files": sum(1 for p in bundle.folder.rglob("*") if p.is_file()),
        "tarball_mb": mb(bundle.tarball.stat().st_size) if bundle.tarball else None,
        "largest_mb": _largest(bundle),
        "slim_mb": {key.removesuffix("_bytes"): mb(value) for key, value in slimmed.items()},
        "start_s": {},
    }
    for name, args in (("help", ["--help"]), ("config", ["config"])):
        data["start_s"][name] = {
            "bundle": _median_run([*frozen, *args]),
            "source": _median_run([*source, *args]),
        }
    for where, argv in (("bundle", frozen), ("source", source)):
        runs = [_serve(argv) for _ in range(SERVE_RUNS)]
        for key in runs[0]:
            data["start_s"].setdefault(f"serve_{key}", {})[where] = round(
                statistics.median(r[key] for r in runs), 3
            )
    save("packaging", data)
    return data


def _bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _largest(bundle: Bundle, count: int = 8) -> dict[str, float]:
    parts = {
        p.name: _bytes(p) if p.is_dir() else p.stat().st_size
        for p in bundle.internal.iterdir()
        if not p.is_symlink()  # links to libraries in a package folder, counted there
    }
    top = sorted(parts.items(), key=lambda item: item[1], reverse=True)[:count]
    return {name: mb(size) for name, size in top}


def _env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "REDIS_URL": "", "QT_QPA_PLATFORM": "offscreen"}


def _median_run(argv: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, env=_env(), capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 3)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _health(url: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return json.loads(answer.read())
    except OSError:
        return None


def _serve(argv: list[str]) -> dict[str, float]:
    """Seconds until /health answers, until it says healthy, and from SIGINT to exit."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}/health"
    with tempfile.TemporaryDirectory() as tmp:
        args = [
            *("serve", "--model", model(), "--cpu-threads", str(THREADS)),
            *("--queue-port", str(_free_port()), "--direct-port", str(port), "--tasks-port", "0"),
            *("--data-dir", tmp, "--model-dir", tmp),
        ]
        log = Path(tmp) / "serve.log"
        started = time.perf_counter()
        with log.open("w") as sink:
            proc = subprocess.Popen([*argv, *args], cwd=ROOT, env=_env(), stdout=sink, stderr=sink)
        try:
            answered = ready = None
            while ready is None:
                if time.perf_counter() - started > SERVE_TIMEOUT or proc.poll() is not None:
                    raise RuntimeError(f"{argv} serve not healthy:\n{log.read_text()[-2000:]}")
                body = _health(url)
                now = time.perf_counter() - started
                if body is not None and answered is None:
                    answered = now
                if body is not None and body["status"] == "healthy":
                    ready = now
                time.sleep(0.02)
            stopping = time.perf_counter()
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
            stopped = time.perf_counter() - stopping
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return {"health": answered or ready, "ready": ready, "stop": stopped}


def report_lines(data: dict[str, Any]) -> list[str]:
    """The packaging section of bench/RESULTS.md."""
    slimmed = data.get("slim_mb", {})
    built = (
        f"built in {data['build_seconds']} s"
        if data.get("build_seconds") is not None
        else "reused from an earlier build of the same sources"
    )
    lines = [
        "## Packaging (PyInstaller one-folder bundle)",
        "",
        f"### Size ({data['recorded']}; {built})",
        "",
        f"`dist/stackscribe/`: **{data['folder_mb']} MB** in {data['files']} files; "
        f"the `.tar.gz`: **{data['tarball_mb']} MB**.",
    ]
    if slimmed:
        lines += [
            f"Of {slimmed['collected']} MB PyInstaller collected, `packaging/slim.py` left out "
            f"{slimmed['dropped']} MB (embedded-device Qt platforms, the GTK theme plugin, Qt "
            f"translations and the libraries only they needed) and stripped "
            f"{slimmed['debug_info']} MB of debug information (ctranslate2 and PyAV ship it).",
        ]
    lines += ["", "| largest part | MB |", "| --- | ---: |"]
    lines += [f"| `{name}` | {size} |" for name, size in data["largest_mb"].items()]
    labels = {
        "help": "`--help`",
        "config": "`config`",
        "serve_health": "`serve` until `/health` answers",
        "serve_ready": "`serve` until healthy (engine ready, Whisper-tiny size)",
        "serve_stop": "`serve`: SIGINT to exit",
    }
    lines += [
        "",
        f"### Start-up (median of {RUNS} runs; serve: {SERVE_RUNS})",
        "",
        "| command | bundle s | source (`python -m app`) s |",
        "| --- | ---: | ---: |",
    ]
    for key, label in labels.items():
        if key in data["start_s"]:
            row = data["start_s"][key]
            lines.append(f"| {label} | {row['bundle']:.2f} | {row['source']:.2f} |")
    lines.append("")
    return lines


if __name__ == "__main__":
    result = measure(rebuild="--rebuild" in sys.argv)
    print(json.dumps(result, indent=2))
    print("\n".join(report_lines({"recorded": "now", **result})))
