"""Engine benchmarks (issue 2): speed on 10 minutes, memory on 1 and 3 hours, 20 short files.

Every figure is measured in the same run as its raw faster-whisper baseline, with the same
generated Whisper-tiny-size model, file and thread count; each process is fresh.
"""

from __future__ import annotations

import json
from typing import Any

from bench.common import OUT, THREADS, looped, mb, model, python, run_measured, save, shared

RAW = "bench.raw_whisper"
OURS = "bench.ours"


def _raw(mode: str, files: list[str], options: dict[str, Any] | None = None) -> dict[str, Any]:
    seconds, peak, out = run_measured(
        python(
            "-m",
            RAW,
            model(),
            mode,
            *files,
            "--threads",
            str(THREADS),
            "--options",
            json.dumps(options or {}),
        )
    )
    return {**json.loads(out), "peak_mb": mb(peak), "wall": seconds}


def _ours(
    files: list[str], options: dict[str, Any] | None = None, batch: int = 0
) -> dict[str, Any]:
    seconds, peak, out = run_measured(
        python(
            "-m",
            OURS,
            model(),
            *files,
            "--threads",
            str(THREADS),
            "--options",
            json.dumps(options or {}),
            "--batch-size",
            str(batch),
        )
    )
    return {**json.loads(out), "peak_mb": mb(peak), "wall": seconds}


def speed() -> dict[str, Any]:
    """A 10-minute file: ours against raw sequential and raw batched faster-whisper."""
    ten = looped(600)
    raw_seq = _raw("sequential", [ten])
    raw_batched = _raw("batched", [ten])
    ours = _ours([ten])
    ours_plain = _ours([ten], {"word_timestamps": False})
    sweep = {str(b): _ours([ten], batch=b) for b in (1, 2, 4, 8)}
    result = {
        "raw_sequential_s": raw_seq["seconds"],
        "raw_batched_s": raw_batched["seconds"],
        "ours_s": ours["seconds"],
        "ours_no_word_timestamps_s": ours_plain["seconds"],
        "speedup_vs_raw_sequential": raw_seq["seconds"] / ours["seconds"],
        "speedup_vs_raw_batched": raw_batched["seconds"] / ours["seconds"],
        "raw_batched_vs_raw_sequential": raw_seq["seconds"] / raw_batched["seconds"],
        "batch_sweep": {
            b: {"seconds": r["seconds"], "peak_mb": r["peak_mb"]} for b, r in sweep.items()
        },
        "raw_batched_peak_mb": raw_batched["peak_mb"],
    }
    save("engine_speed", result)
    return result


def memory() -> dict[str, Any]:
    """Peak memory of every process of ours (CLI host + engine) on 1 and 3 hours."""
    hour, three = looped(3600), looped(3 * 3600)
    raw_seq = _raw("sequential", [hour])
    runs = {}
    for name, path in (("1h", hour), ("3h", three)):
        seconds, peak, _ = run_measured(
            python(
                "-m",
                "app",
                "transcribe",
                path,
                "--model",
                model(),
                "--cpu-threads",
                str(THREADS),
                "--output-dir",
                str(OUT / "transcripts"),
                "--format",
                "json",
            )
        )
        runs[name] = {"seconds": seconds, "peak_mb": mb(peak)}
    result = {
        "raw_sequential_1h_peak_mb": raw_seq["peak_mb"],
        "raw_sequential_1h_s": raw_seq["seconds"],
        "ours_1h_peak_mb": runs["1h"]["peak_mb"],
        "ours_1h_s": runs["1h"]["seconds"],
        "ours_3h_peak_mb": runs["3h"]["peak_mb"],
        "ours_3h_s": runs["3h"]["seconds"],
        "raw_over_ours_1h": raw_seq["peak_mb"] / runs["1h"]["peak_mb"],
        "ours_3h_over_1h": runs["3h"]["peak_mb"] / runs["1h"]["peak_mb"],
    }
    save("engine_memory", result)
    return result


def short_files() -> dict[str, Any]:
    """20 short clips through the stack against raw faster-whisper looping over them."""
    clips = [shared("jfk.flac"), shared("hotwords.mp3"), shared("stereo_diarization.wav")]
    files = [clips[i % 3] for i in range(20)]
    # The same work on both sides: faster-whisper's defaults (no VAD, no word timings).
    raw = _raw("sequential", files)
    ours = _ours(
        files, {"word_timestamps": False, "vad_filter": False, "decode_mode": "sequential"}
    )
    modes = {}
    for name in ("jfk.flac", "hotwords.mp3", "multilingual.mp3", "seed_sample_th.mp3"):
        for mode in ("sequential", "batched"):
            opts = {"word_timestamps": False, "decode_mode": mode}
            modes[f"{name}/{mode}"] = _ours([shared(name)] * 3, opts)["seconds"] / 3
    result = {
        "raw_loop_s": raw["seconds"],
        "ours_s": ours["seconds"],
        "ours_over_raw": ours["seconds"] / raw["seconds"],
        "per_file_by_mode_s": modes,
    }
    save("engine_short", result)
    return result
