"""Live transcription (issue 13): how soon final text follows speech, how many streams keep up.

An espeak-ng reading of a known text (harness/live_reading.txt, about 3 minutes) goes
to ``/ws/live`` of a real ``python -m app serve`` at real time. The latency of a final is the
wall time from when the end of its last word was sent to when the final arrived. The same
file through the direct lane (offline) gives the WER that live transcription is compared to.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from typing import Any

import httpx

from bench.common import OUT, THREADS, real_model, save
from harness import live_client
from harness.redis_server import free_port
from harness.wer import wer
from harness.workers import AppProcess

MODELS = ("tiny.en", "base")
STREAMS = (1, 2, 3, 4)
EXCERPT = 60.0  # seconds of the reading each concurrent stream sends
KEEPS_UP = 5.0  # a stream keeps up when its finals come within this many seconds (p95)


def _serve(folder: str, name: str) -> tuple[AppProcess, str]:
    direct = free_port()
    app = AppProcess(
        "serve", "--model", real_model(name), "--cpu-threads", str(THREADS),
        "--data-dir", folder, "--queue-port", str(free_port()), "--direct-port", str(direct),
        "--redis-url", "", "--live-max-streams", str(max(STREAMS) + 1),
    )  # fmt: skip
    app.wait_for("Engine ready", timeout=300)
    return app, f"http://127.0.0.1:{direct}"


def latencies(run: live_client.Run) -> list[float]:
    """Seconds from sending the end of each final's last word to receiving the final."""
    out = []
    for arrived, frame in run.frames:
        if frame.get("type") != "final":
            continue
        end = frame["segment"]["end"]
        index = next((i for i, a in enumerate(run.audio_sent) if a >= end), -1)
        out.append(max(0.0, arrived - run.sent_at[index]))
    return out


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def _text(run: live_client.Run) -> str:
    done = run.of("done")
    return " ".join(s["text"] for s in done[0]["result"]["segments"]) if done else ""


def _one_model(name: str, wav: str, pcm: bytes, reference: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        app, direct = _serve(folder, name)
        try:
            with httpx.Client(timeout=900) as client, open(wav, "rb") as fh:
                offline = client.post(f"{direct}/transcribe/", files={"file": fh}).json()["text"]
            ws = direct.replace("http://", "ws://") + "/ws/live"
            run = asyncio.run(live_client.ws_live(ws, pcm, speed=1.0))
            lat = latencies(run)
            result: dict[str, Any] = {
                "audio_s": round(len(pcm) / 32000, 1),
                "finals": len(lat),
                "p50_s": round(_percentile(lat, 0.5), 2),
                "p95_s": round(_percentile(lat, 0.95), 2),
                "done_after_stop_s": round(run.frames[-1][0] - run.stopped, 2),
                "offline_wer": round(100 * wer(reference, offline, spell_numbers=True), 1),
                "live_wer": round(100 * wer(reference, _text(run), spell_numbers=True), 1),
            }
            if name == MODELS[0]:
                result["concurrency"] = [_concurrent(ws, pcm, n) for n in STREAMS]
        finally:
            app.stop()
    return result


def _concurrent(url: str, pcm: bytes, streams: int) -> dict[str, Any]:
    excerpt = pcm[: int(EXCERPT * 16000) * 2]

    async def together() -> list[live_client.Run]:
        return list(
            await asyncio.gather(
                *(live_client.ws_live(url, excerpt, speed=1.0) for _ in range(streams))
            )
        )

    runs = asyncio.run(together())
    p95 = [_percentile(latencies(r), 0.95) for r in runs]
    drain = [r.frames[-1][0] - r.stopped for r in runs]
    return {
        "streams": streams,
        "p50_s": round(statistics.median(v for r in runs for v in latencies(r)), 2),
        "worst_p95_s": round(max(p95), 2),
        "worst_done_after_stop_s": round(max(drain), 2),
        "keep_up": all(v <= KEEPS_UP for v in p95),
    }


def measure() -> dict[str, Any]:
    OUT.mkdir(parents=True, exist_ok=True)
    wav = str(live_client.synthesize(OUT / "live-reading.wav"))
    pcm = live_client.pcm16(wav)
    reference = live_client.READING.read_text()
    started = time.monotonic()
    result: dict[str, Any] = {name: _one_model(name, wav, pcm, reference) for name in MODELS}
    result["minutes"] = round((time.monotonic() - started) / 60, 1)
    result["load_average"] = round(os.getloadavg()[1], 1)  # 5 minutes, at the end
    save("live", result)
    return result


def report_lines(data: dict[str, Any] | None) -> list[str]:
    lines = ["## Live transcription (issue 13)", ""]
    if not data:
        return lines
    tiny = data[MODELS[0]]
    lines += [
        f"### A {tiny['audio_s']:.0f}-second reading streamed at real time ({data['recorded']})",
        "",
        "An espeak-ng reading of `harness/live_reading.txt` sent to `/ws/live` of "
        "`python -m app serve` in 100 ms frames at real time; latency is from sending the end "
        "of a final's last word to receiving that final. WER against the text, beside the "
        "offline transcript of the same file through the direct lane.",
        "",
        "| model | finals | latency p50 | latency p95 | done after stop | WER live | "
        "WER offline | cost |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in MODELS:
        m = data[name]
        lines.append(
            f"| {name} | {m['finals']} | {m['p50_s']:.2f} s | {m['p95_s']:.2f} s | "
            f"{m['done_after_stop_s']:.2f} s | {m['live_wer']:.1f}% | {m['offline_wer']:.1f}% | "
            f"{m['live_wer'] - m['offline_wer']:+.1f} points |"
        )
    lines += [
        "",
        f"### Concurrent real-time streams, tiny.en ({EXCERPT:.0f} s each)",
        "",
        f"A stream keeps up when its finals arrive within {KEEPS_UP:.0f} s of the speech "
        "(p95). All streams share the engine's one live thread.",
        "",
        "| streams | latency p50 | worst p95 | worst done after stop | all keep up |",
        "| ---: | ---: | ---: | ---: | --- |",
    ]
    for c in tiny["concurrency"]:
        lines.append(
            f"| {c['streams']} | {c['p50_s']:.2f} s | {c['worst_p95_s']:.2f} s | "
            f"{c['worst_done_after_stop_s']:.2f} s | {'yes' if c['keep_up'] else 'no'} |"
        )
    lines += [
        "",
        f"The whole measurement took {data['minutes']} minutes; the machine's load average "
        f"(5 minutes) at its end was {data.get('load_average', '?')} on 2 cores (other work "
        "shared them), so these latencies are those of a busy machine. A final waits for the "
        "decode after the sentence's last word to agree with the one before (two decodes of "
        "the whole buffer, each slower as the buffer grows and the cores are shared); a stream "
        "that falls behind is given larger pieces, so it lags rather than fails, and the last "
        "finals follow the end of the audio by the 'done after stop' column.",
        "",
    ]
    return lines
