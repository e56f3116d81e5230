"""Render bench/RESULTS.md from the saved measurements (bench/out/*.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.common import ROOT, load

HEADER = """# Benchmark results

Measured on this project's development machine (2 CPU cores, 24 GB, no GPU) with the
generated model at Whisper-tiny size (d_model 384, 4 encoder and 4 decoder layers, 6 heads;
`tests/support/tiny_whisper.py --size tiny`), int8, 2 threads. Every ratio compares runs made
in the same `make bench` session, each in a fresh process. Regenerate with `make bench`
(about 15 minutes); a single group with `make bench ARGS=engine.memory`.
"""


def _f(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}"


def _engine(
    speed: dict[str, Any] | None, memory: dict[str, Any] | None, short: dict[str, Any] | None
) -> list[str]:
    lines = ["## Engine (issue 2)", ""]
    if speed:
        lines += [
            f"### A 10-minute file ({speed['recorded']})",
            "",
            "| run | seconds | raw sequential ÷ run |",
            "| --- | ---: | ---: |",
            f"| raw faster-whisper, sequential (`WhisperModel.transcribe` defaults) | "
            f"{_f(speed['raw_sequential_s'])} | 1.00 |",
            f"| raw faster-whisper, batched (`BatchedInferencePipeline` defaults, batch 8) | "
            f"{_f(speed['raw_batched_s'])} | {_f(speed['raw_batched_vs_raw_sequential'])} |",
            f"| **Stackscribe** (API defaults: VAD, word timestamps; through the stack) | "
            f"{_f(speed['ours_s'])} | **{_f(speed['speedup_vs_raw_sequential'])}** |",
            f"| Stackscribe without word timestamps (the work raw batched does) | "
            f"{_f(speed['ours_no_word_timestamps_s'])} | "
            f"{_f(speed['raw_sequential_s'] / speed['ours_no_word_timestamps_s'])} |",
            "",
            f"Stackscribe ÷ raw batched: {_f(speed['speedup_vs_raw_batched'])}× as fast "
            f"(raw batched peaked at {speed['raw_batched_peak_mb']} MB).",
            "",
            "Batch size on this CPU (Stackscribe, same file):",
            "",
            "| batch | seconds | peak MB (all processes) |",
            "| ---: | ---: | ---: |",
        ]
        lines += [
            f"| {b} | {_f(r['seconds'])} | {r['peak_mb']} |"
            for b, r in speed["batch_sweep"].items()
        ]
        lines.append("")
    if memory:
        lines += [
            f"### Memory on long files ({memory['recorded']})",
            "",
            "| run | peak MB | seconds |",
            "| --- | ---: | ---: |",
            f"| raw faster-whisper sequential, 1 hour | {memory['raw_sequential_1h_peak_mb']} | "
            f"{_f(memory['raw_sequential_1h_s'])} |",
            f"| Stackscribe `transcribe`, 1 hour (CLI host + engine, summed RSS) | "
            f"{memory['ours_1h_peak_mb']} | {_f(memory['ours_1h_s'])} |",
            f"| Stackscribe `transcribe`, 3 hours | {memory['ours_3h_peak_mb']} | "
            f"{_f(memory['ours_3h_s'])} |",
            "",
            f"Raw ÷ ours on 1 hour: **{_f(memory['raw_over_ours_1h'])}** (target ≥ 5). "
            f"Ours on 3 hours ÷ 1 hour: **{_f(memory['ours_3h_over_1h'])}** (target ≤ 1.10).",
            "",
        ]
    if short:
        lines += [
            f"### 20 short files ({short['recorded']})",
            "",
            f"Raw faster-whisper looping with one loaded model: {_f(short['raw_loop_s'])} s; "
            f"the same 20 files submitted to the stack and awaited: {_f(short['ours_s'])} s; "
            f"**{_f(short['ours_over_raw'], 3)}×** (target ≤ 1.05). Same work on both sides: "
            "sequential decoding, no VAD, no word timestamps.",
            "",
            "Per-file seconds by decoding mode (word timestamps off):",
            "",
            "| file | sequential | batched |",
            "| --- | ---: | ---: |",
        ]
        names = sorted({k.split("/")[0] for k in short["per_file_by_mode_s"]})
        for name in names:
            modes = short["per_file_by_mode_s"]
            lines.append(
                f"| {name} | {_f(modes[f'{name}/sequential'])} | {_f(modes[f'{name}/batched'])} |"
            )
        lines.append("")
    return lines


def _server(
    direct: dict[str, Any] | None, uploads: dict[str, Any] | None, sockets: dict[str, Any] | None
) -> list[str]:
    lines = ["## Server (issue 3)", ""]
    if direct:
        lines += [
            f"### Direct requests ({direct['recorded']})",
            "",
            f"jfk.flac (11 s) through `POST /transcribe/` on the direct listener against raw "
            f"`WhisperModel.transcribe` on the same file and model, same options (no VAD, no "
            f"word timestamps), {20} runs each: median {_f(direct['ours_median_ms'], 0)} ms "
            f"against {_f(direct['raw_median_ms'], 0)} ms, **{_f(direct['overhead_median_ms'], 1)}"
            f" ms added** at the median (target ≤ 25 ms).",
            "",
            f"While a 10-minute task runs on the queue, the slowest of 5 direct requests on "
            f"jfk.flac took **{_f(direct['under_queue_load_max_s'])} s** (target ≤ 2 s): queued "
            "work pauses at its next segment while a direct request runs.",
            "",
        ]
    if uploads:
        lines += [
            f"### Uploads ({uploads['recorded']})",
            "",
            f"{uploads['uploads']} uploads of hotwords.mp3 (65 KB) to the queue listener, 16 at a "
            f"time from a client in another process, while the engine works on an hour-long "
            f"task: **{_f(uploads['per_second'], 0)} per second** (target ≥ 200), "
            f"{uploads['failures']} failures.",
            "",
        ]
    if sockets:
        lines += [
            f"### WebSocket fan-out ({sockets['recorded']})",
            "",
            f"{sockets['subscribers']} subscribers on one task, {sockets['frames_each']} "
            f"progress events each ({sockets['delivered']} frames), latency from the event "
            f"reaching the stack to each client: p50 {_f(sockets['p50_ms'], 1)} ms, "
            f"**p99 {_f(sockets['p99_ms'], 1)} ms** (target < 100 ms), max "
            f"{_f(sockets['max_ms'], 1)} ms.",
            "",
        ]
    return lines


def _cluster(ops: dict[str, Any] | None, recovery: dict[str, Any] | None) -> list[str]:
    lines = ["## Stack backends (issue 4)", ""]
    if ops:
        lines += [
            f"### Operations per second ({ops['recorded']})",
            "",
            "2000 tasks each (1 KB of audio with every Redis push), one client thread.",
            "",
            "| backend | push | claim | commit |",
            "| --- | ---: | ---: | ---: |",
        ]
        for name, rates in ops.items():
            if name == "recorded":
                continue
            lines.append(
                f"| {name.replace('_', ' ')} | {_f(rates['push_per_s'], 0)} | "
                f"{_f(rates['claim_per_s'], 0)} | {_f(rates['commit_per_s'], 0)} |"
            )
        lines.append("")
    if recovery:
        runs = ", ".join(_f(t, 1) for t in recovery["runs_s"])
        lines += [
            f"### An engine's death ({recovery['recorded']})",
            "",
            f"Two workers on one Redis, `LEASE_SECONDS={recovery['lease_seconds']:.0f}` (the "
            f"default); the one holding an hour-long task is SIGKILLed with its engine. Time "
            f"until the task is queued again and taken by the other: {runs} s — **at most "
            f"{_f(recovery['max_s'], 1)} s** (target < 15 s).",
            "",
        ]
    return lines


def write() -> Path:
    notes = ROOT / "bench" / "NOTES.md"
    body = [HEADER]
    body += _engine(load("engine_speed"), load("engine_memory"), load("engine_short"))
    body += _server(load("server_direct"), load("server_uploads"), load("server_websocket"))
    body += _cluster(load("cluster_ops"), load("cluster_recovery"))
    from bench.packaging import report_lines

    if data := load("packaging"):
        body += report_lines(data)
    if notes.exists():
        body += [notes.read_text()]
    target = ROOT / "bench" / "RESULTS.md"
    target.write_text("\n".join(body).rstrip() + "\n")
    return target
