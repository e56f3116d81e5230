"""Render bench/RESULTS.md from the saved measurements (bench/out/*.json)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import ROOT, load

HEADER = """# Benchmark results

Measured on this project's development machine (2 CPU cores, 24 GB, no GPU), int8, 2 threads.
The engine figures use real Whisper weights on real and synthetic speech; the server, stack and
packaging figures, which measure machinery, use the generated model at Whisper-tiny size
(`harness/tiny_whisper.py --size tiny`), as each section says. Every ratio compares runs
made in the same `make bench` session, each in a fresh process. The measurements are kept in
`bench/results/*.json`; regenerate with `make bench`, a single group with
`make bench ARGS=engine.memory`.
"""


def _f(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}"


_RUNS = (
    ("raw_sequential", "raw faster-whisper `WhisperModel.transcribe` (VAD, word timestamps)"),
    ("raw_batched", "raw `BatchedInferencePipeline` (batch 8, word timestamps)"),
    ("ours", "**Stackscribe** (API defaults, through the stack and engine process)"),
)


_LIMIT = (
    "limit: the encoder once over every speech window + the decoder once over the "
    "transcript's tokens (`bench/limit.py`)"
)


def _compare_lines(title: str, data: dict[str, Any]) -> list[str]:
    lines = [
        title,
        "",
        "| run | seconds | raw sequential ÷ run | run ÷ limit | CPU seconds | CPU ÷ limit's | "
        "WER | words lost in runs of 3+ | segments | peak MB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    base = data["raw_sequential"]["seconds"]
    limit = data.get("limit")
    for key, label in _RUNS:
        run = data[key]
        over = _f(run["over_limit"]) if "over_limit" in run else ""
        cpu_over = _f(run["cpu_over_limit"]) if "cpu_over_limit" in run else ""
        lines.append(
            f"| {label} | {_f(run['seconds'])} | {_f(base / run['seconds'])} | {over} | "
            f"{_f(run.get('cpu_s', 0), 1)} | {cpu_over} | {_f(run['wer'], 1)}% | "
            f"{run['lost_words']} | {run['segments']} | {run['peak_mb']} |"
        )
    if limit:
        lines.append(
            f"| {_LIMIT} | {_f(limit['seconds'])} | {_f(base / limit['seconds'])} | 1.00 | "
            f"{_f(limit.get('process_cpu_s', limit['cpu_s']), 1)} (timed part "
            f"{_f(limit['cpu_s'], 1)}) | 1.00 | | | {limit['windows']} windows, "
            f"{limit['tokens']} tokens | |"
        )
    cpu = data.get("cpu_vs_raw_batched")
    lines += [
        "",
        f"Stackscribe: **{_f(data['speed_vs_raw_sequential'])}×** raw sequential (target ≥ 2.0), "
        f"**{_f(data['speed_vs_raw_batched'])}×** raw batched (target ≥ 1.5), WER "
        f"**{data['wer_minus_raw_sequential']:+.1f} points** against raw sequential "
        f"(target ≤ +0.5), peak memory **{_f(data['memory_vs_raw_batched'])}×** raw batched "
        "(target ≤ 0.8)"
        + (f", CPU seconds **{_f(cpu)}×** raw batched's (target ≤ 0.8)." if cpu else "."),
        "",
    ]
    if "batch_sweep" in data:
        lines += [
            "Batch size on this CPU (Stackscribe, same file):",
            "",
            "| batch | seconds | peak MB (all processes) |",
            "| ---: | ---: | ---: |",
        ]
        lines += [
            f"| {b} | {_f(r['seconds'])} | {r['peak_mb']} |" for b, r in data["batch_sweep"].items()
        ]
        lines.append("")
    return lines


def _engine(
    speed: dict[str, Any] | None, memory: dict[str, Any] | None, short: dict[str, Any] | None
) -> list[str]:
    lines = ["## Engine on real speech (issues 2, 9 and 23)", ""]
    if speed:
        looped = any("jfk_looped" in v for v in speed.values() if isinstance(v, dict))
        lines += [
            "Real Whisper weights (`engine/models/bundled.py`), int8, 2 threads; espeak-ng "
            "reading a known 1,127-word text at 120 words a minute (9.4 minutes)"
            + (", and jfk.flac looped to 10 minutes" if looped else "")
            + f". Measured {speed['recorded']}.",
            "",
        ]
        for model in ("tiny.en", "base"):
            if model in speed:
                lines += _compare_lines(f"### {model}: the 10-minute read", speed[model]["read"])
                if "jfk_looped" in speed[model]:
                    lines += _compare_lines(
                        f"### {model}: jfk.flac looped to 10 minutes", speed[model]["jfk_looped"]
                    )
        lines += _stage_lines(speed)
    if memory:
        lines += [
            f"### Memory on long files ({memory['recorded']})",
            "",
            "The read looped with 2 s of silence between loops, real tiny.en, "
            "`python -m app transcribe` (CLI host + engine process, summed RSS):",
            "",
            "| length | peak MB | seconds |",
            "| --- | ---: | ---: |",
            f"| 1 hour | {memory['1h']['peak_mb']} | {_f(memory['1h']['seconds'])} |",
            f"| 3 hours | {memory['3h']['peak_mb']} | {_f(memory['3h']['seconds'])} |",
            "",
            f"3 hours ÷ 1 hour: **{_f(memory['ours_3h_over_1h'])}** (target ≤ 1.10).",
            "",
        ]
    if short:
        lines += [
            f"### 20 short files ({short['recorded']})",
            "",
            f"Real tiny.en. Raw faster-whisper looping with one loaded model: "
            f"{_f(short['raw_loop_s'])} s; the same 20 files submitted to the stack and awaited: "
            f"{_f(short['ours_s'])} s; **{_f(short['ours_over_raw'], 3)}×** (target ≤ 1.05); "
            f"the same text: {'yes' if short['same_text'] else '**no**'}. Same work on both "
            "sides: sequential decoding, no VAD, no word timestamps.",
            "",
        ]
    return lines


_STAGES = (
    ("features_s", "log-Mel features"),
    ("encode_s", "encoder"),
    ("detect_language_s", "language detection (its decoder step; its encoder pass is above)"),
    ("generate_s", "decoding (beam search)"),
    ("align_s", "word alignment (forced decoder pass)"),
    ("reread_tail_s", "tails read again (inside decoding and alignment above)"),
    ("reread_again_s", "windows read again with fallback (likewise)"),
    ("planner_cpu_s", "planner thread CPU: audio decoding and Silero VAD (overlaps the rest)"),
)


def _stage_lines(speed: dict[str, Any]) -> list[str]:
    """Where the engine's time goes on the read (bench/limit.py --stages)."""
    models = [m for m in ("tiny.en", "base") if "stages" in speed.get(m, {})]
    if not models:
        return []
    lines = [
        "### Where the time goes: the 10-minute read",
        "",
        "The engine's transcriber in one process (API defaults), each part's seconds added up "
        "over its calls (CTranslate2 runs each call on 2 threads):",
        "",
        "| part | " + " | ".join(models) + " |",
        "| --- |" + " ---: |" * len(models),
    ]
    for key, label in _STAGES:
        lines.append(
            f"| {label} | "
            + " | ".join(_f(speed[m]["stages"].get(key, 0.0)) for m in models)
            + " |"
        )
    lines.append(
        "| encoder passes (each a batch of windows) | "
        + " | ".join(str(speed[m]["stages"].get("encoder_passes", "")) for m in models)
        + " |"
    )
    lines.append(
        "| **all** (wall / CPU seconds) | "
        + " | ".join(
            f"{_f(speed[m]['stages']['seconds'])} / {_f(speed[m]['stages']['cpu_s'])}"
            for m in models
        )
        + " |"
    )
    return [*lines, ""]


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


def _sections(text: str) -> dict[str, str]:
    """The ``## `` sections of a rendered report, by their heading's first word."""
    found: dict[str, str] = {}
    for block in ("\n" + text).split("\n## ")[1:]:
        found[block.split()[0]] = "## " + block.rstrip() + "\n"
    return found


def write() -> Path:
    """Render RESULTS.md; a group with no measurement in bench/results keeps its old text."""
    from bench.direct_first import report_lines as direct_first_lines
    from bench.live import report_lines as live_lines
    from bench.packaging import report_lines

    notes = ROOT / "bench" / "NOTES.md"
    target = ROOT / "bench" / "RESULTS.md"
    old = _sections(target.read_text()) if target.exists() else {}
    groups: list[tuple[tuple[str, ...], Callable[..., list[str]]]] = [
        (("engine_speed", "engine_memory", "engine_short"), _engine),
        (("server_direct", "server_uploads", "server_websocket"), _server),
        (("server_direct_first",), direct_first_lines),
        (("cluster_ops", "cluster_recovery"), _cluster),
        (("packaging",), lambda data: report_lines(data) if data else ["## Packaging"]),
        (("live",), live_lines),
    ]
    body = [HEADER]
    for names, render in groups:
        data = [load(name) for name in names]
        lines = render(*data)
        if not any(data) and lines and lines[0].split()[1] in old:
            lines = [old[lines[0].split()[1]]]
        body += lines
    if notes.exists():
        body += [notes.read_text()]
    target.write_text("\n".join(body).rstrip() + "\n")
    return target
