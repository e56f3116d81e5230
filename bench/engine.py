"""Engine benchmarks on real speech with real Whisper weights (issue 9).

Every figure is measured in the same run as its raw faster-whisper baselines, with the same
model, file, options (VAD, word timestamps: the API's defaults) and thread count; each process
is fresh. Speech is espeak-ng reading a known text, so every run also gets a word error rate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.common import (
    OUT,
    THREADS,
    Measured,
    looped_read,
    mb,
    measure,
    python,
    read_aloud,
    real_model,
    run_measured,
    save,
    shared,
)
from harness import speech, wer

RAW = "bench.raw_whisper"
OURS = "bench.ours"
LIMIT = "bench.limit"
API_DEFAULTS = {"vad_filter": True, "word_timestamps": True}
MODELS = ("tiny.en", "base")


def _raw(model: str, mode: str, files: list[str], options: dict[str, Any]) -> dict[str, Any]:
    dump = OUT / f"dump-raw-{mode}.json"
    run = measure(
        python("-m", RAW, model, mode, *files, "--threads", str(THREADS),
               "--options", json.dumps(options), "--batch-size", "8", "--dump", str(dump))
    )  # fmt: skip
    return _result(run, dump)


def _ours(
    model: str, files: list[str], options: dict[str, Any] | None = None, batch: int = 0
) -> dict[str, Any]:
    dump = OUT / "dump-ours.json"
    run = measure(
        python("-m", OURS, model, *files, "--threads", str(THREADS),
               "--options", json.dumps(options or {}), "--batch-size", str(batch),
               "--dump", str(dump))
    )  # fmt: skip
    return _result(run, dump)


def _limit(model: str, audio: str, dump: Path) -> dict[str, Any]:
    """The encoder over every speech window and the decoder once over ``dump``'s tokens."""
    run = measure(
        python("-m", LIMIT, model, audio, "--threads", str(THREADS), "--words", str(dump))
    )
    # The whole process's CPU too (start-up, model load, planning), as the runs count theirs.
    return {**json.loads(run.out), "process_cpu_s": round(run.cpu_seconds, 2)}


def _stages(model: str, audio: str) -> dict[str, Any]:
    """Where the engine's time goes on ``audio`` (in one process, API defaults)."""
    run = measure(python("-m", LIMIT, model, audio, "--threads", str(THREADS), "--stages"))
    return json.loads(run.out)


def _result(run: Measured, dump: Path) -> dict[str, Any]:
    """What the run printed (seconds transcribing, segments) with its memory, CPU and text."""
    return {
        **json.loads(run.out),
        "peak_mb": mb(run.peak_bytes),
        "cpu_s": round(run.cpu_seconds, 2),
        "dump": [d["text"] for d in json.loads(dump.read_text())],
    }


def _wer(reference: str, run: dict[str, Any]) -> float:
    return round(100 * wer.wer(reference, " ".join(run["dump"])), 2)


def _lost(reference: str, run: dict[str, Any], raw: dict[str, Any]) -> int:
    theirs = wer.align(reference, " ".join(raw["dump"]))
    mine = wer.align(reference, " ".join(run["dump"]))
    return sum(len(r.split()) for r in mine.lost_runs(found_by=theirs))


def _compare(model: str, audio: str, reference: str, sweep: bool) -> dict[str, Any]:
    raw_seq = _raw(model, "sequential", [audio], API_DEFAULTS)
    raw_batched = _raw(model, "batched", [audio], {"word_timestamps": True})
    ours = _ours(model, [audio])
    limit = _limit(model, audio, OUT / "dump-ours.json")
    runs = {"raw_sequential": raw_seq, "raw_batched": raw_batched, "ours": ours}
    result: dict[str, Any] = {
        name: {
            "seconds": round(run["seconds"], 2),
            "cpu_s": run["cpu_s"],
            "peak_mb": run["peak_mb"],
            "wer": _wer(reference, run),
            "lost_words": _lost(reference, run, raw_seq),
            "segments": run["segments"],
            "over_limit": run["seconds"] / limit["seconds"],
            "cpu_over_limit": run["cpu_s"] / limit["process_cpu_s"],
        }
        for name, run in runs.items()
    }
    result["limit"] = limit
    result["cpu_vs_raw_batched"] = ours["cpu_s"] / raw_batched["cpu_s"]
    result["speed_vs_raw_sequential"] = raw_seq["seconds"] / ours["seconds"]
    result["speed_vs_raw_batched"] = raw_batched["seconds"] / ours["seconds"]
    result["memory_vs_raw_batched"] = ours["peak_mb"] / raw_batched["peak_mb"]
    result["wer_minus_raw_sequential"] = result["ours"]["wer"] - result["raw_sequential"]["wer"]
    if sweep:
        result["batch_sweep"] = {
            str(b): {"seconds": round(r["seconds"], 2), "peak_mb": r["peak_mb"]}
            for b in (2, 4)  # the candidates on a CPU (1 and 8 were slower, bench/NOTES.md)
            for r in [_ours(model, [audio], batch=b)]
        }
    return result


def speed(looped: bool = True) -> dict[str, Any]:
    """A 10-minute read and jfk.flac looped to 10 minutes, tiny.en and base."""
    read = read_aloud()
    result: dict[str, Any] = {}
    for name in MODELS:
        model = real_model(name)
        result[name] = {
            "read": _compare(model, read, speech.text(), sweep=name == "tiny.en"),
            "stages": _stages(model, read),
        }
        if looped:
            jfk = looped_read(shared("jfk.flac"), 54, gap=0.0)
            jfk_text = " ".join([speech.JFK] * 54)
            result[name]["jfk_looped"] = _compare(model, jfk, jfk_text, sweep=False)
    save("engine_speed", result)
    return result


def read() -> dict[str, Any]:
    """:func:`speed` on the read only (raw sequential on the looped jfk takes minutes)."""
    return speed(looped=False)


def memory() -> dict[str, Any]:
    """Peak memory of every process of ours (CLI host + engine) on 1 and 3 hours (tiny.en)."""
    runs = {}
    for hours in (1, 3):
        path = looped_read(read_aloud(), 6 * hours, gap=2.0)
        seconds, peak, _ = run_measured(
            python("-m", "app", "transcribe", path, "--model", real_model("tiny.en"),
                   "--cpu-threads", str(THREADS), "--device", "cpu",
                   "--output-dir", str(OUT / "transcripts"), "--format", "json")
        )  # fmt: skip
        runs[f"{hours}h"] = {"seconds": round(seconds, 1), "peak_mb": mb(peak)}
    result = {**runs, "ours_3h_over_1h": runs["3h"]["peak_mb"] / runs["1h"]["peak_mb"]}
    save("engine_memory", result)
    return result


def short_files() -> dict[str, Any]:
    """20 short clips through the stack against raw faster-whisper looping over them."""
    clips = [shared("jfk.flac"), shared("hotwords.mp3"), shared("stereo_diarization.wav")]
    files = [clips[i % 3] for i in range(20)]
    model = real_model("tiny.en")
    # The same work on both sides: faster-whisper's defaults (no VAD, no word timings).
    raw = _raw(model, "sequential", files, {})
    ours = _ours(
        model, files, {"word_timestamps": False, "vad_filter": False, "decode_mode": "sequential"}
    )
    result = {
        "raw_loop_s": raw["seconds"],
        "ours_s": ours["seconds"],
        "ours_over_raw": ours["seconds"] / raw["seconds"],
        "same_text": [t.strip() for t in raw["dump"]] == [t.strip() for t in ours["dump"]],
    }
    save("engine_short", result)
    return result
