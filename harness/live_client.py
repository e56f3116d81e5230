"""Clients of the live routes for tests and benchmarks: a file streamed at a chosen pace.

``speed`` is how many seconds of audio go out per second of wall time (1.0 = real time,
0 = as fast as the socket takes it). Every frame received is kept with the time it came, and
the time each second of audio was sent, so tests can ask when text arrived.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

READING = Path(__file__).with_name("live_reading.txt")


def synthesize(target: Path, text_file: Path = READING) -> Path:
    """Speak ``text_file`` with espeak-ng into a WAV (installed by scripts/bootstrap.sh)."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise RuntimeError("espeak-ng is not installed: run scripts/bootstrap.sh")
    if not target.exists():
        partial = target.with_suffix(".partial.wav")
        subprocess.run(
            [espeak, "-v", "en-us", "-w", str(partial), "-f", str(text_file)],
            check=True,
            capture_output=True,
        )
        partial.replace(target)
    return target


def pcm16(path: str | Path, rate: int = 16000) -> bytes:
    """The file as mono little-endian PCM16 at ``rate``."""
    import av

    out = []
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
        for frame in container.decode(audio=0):
            out += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
        out += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(out).astype("<i2").tobytes()


@dataclass
class Run:
    """What one streamed file brought back."""

    frames: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    started: float = 0.0
    sent_at: list[float] = field(default_factory=list)  # wall time each frame went out
    audio_sent: list[float] = field(default_factory=list)  # audio seconds sent by then
    stopped: float = 0.0  # when the last audio went out

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [f for _, f in self.frames if f.get("type") == kind]

    def before_stop(self, kind: str) -> list[dict[str, Any]]:
        return [f for t, f in self.frames if f.get("type") == kind and t < self.stopped]

    def audio_sent_at(self, wall: float) -> float:
        """Seconds of audio that had gone out at wall time ``wall``."""
        index = int(np.searchsorted(self.sent_at, wall, side="right")) - 1
        return self.audio_sent[index] if index >= 0 else 0.0


async def _paced(run: Run, pcm: bytes, rate: int, speed: float, frame_ms: int, send: Any) -> None:
    step = rate * 2 * frame_ms // 1000
    run.started = time.monotonic()
    for offset in range(0, len(pcm), step):
        if speed > 0:
            due = run.started + (offset / (2 * rate)) / speed
            await asyncio.sleep(max(0.0, due - time.monotonic()))
        await send(pcm[offset : offset + step])
        run.sent_at.append(time.monotonic())
        run.audio_sent.append(min(len(pcm), offset + step) / (2 * rate))
    run.stopped = time.monotonic()


async def _collect(ws: Any, run: Run, until: tuple[str, ...]) -> None:
    async for message in ws:
        frame = json.loads(message)
        run.frames.append((time.monotonic(), frame))
        if frame.get("type") in until:
            return


async def ws_live(
    url: str, pcm: bytes, speed: float, start: dict[str, Any] | None = None, **connect: Any
) -> Run:
    """Stream 16 kHz PCM16 over /ws/live; returns when ``done`` or ``error`` arrives."""
    import websockets

    run = Run()
    async with websockets.connect(url, max_size=None, **connect) as ws:
        await ws.send(json.dumps({"type": "start", "sample_rate": 16000, **(start or {})}))
        collector = asyncio.ensure_future(_collect(ws, run, ("done", "error")))
        await _paced(run, pcm, 16000, speed, 100, ws.send)
        await ws.send(json.dumps({"type": "stop"}))
        await asyncio.wait_for(collector, 600)
    return run


async def realtime(
    url: str, pcm24: bytes, speed: float, session: dict[str, Any] | None = None, **connect: Any
) -> Run:
    """Stream 24 kHz PCM16 over /v1/realtime, commit at the end, wait for the last item."""
    import websockets

    run = Run()
    async with websockets.connect(url, max_size=None, **connect) as ws:
        if session is not None:
            await ws.send(json.dumps({"type": "session.update", "session": session}))

        async def append(chunk: bytes) -> None:
            audio = base64.b64encode(chunk).decode()
            await ws.send(json.dumps({"type": "input_audio_buffer.append", "audio": audio}))

        collector = asyncio.ensure_future(_until_last_item(ws, run))
        await _paced(run, pcm24, 24000, speed, 100, append)
        await ws.send(json.dumps({"type": "input_audio_buffer.commit"}))
        await asyncio.wait_for(collector, 600)
    return run


async def _until_last_item(ws: Any, run: Run) -> None:
    """Frames until the item of the client's own commit (after the last audio) is completed.

    Items the server's VAD ended come with ``speech_stopped`` before their ``committed``;
    on a slow machine they keep coming after the last audio went out, so the client's item
    is the first one committed after that without a ``speech_stopped``.
    """
    last_commit = None
    stopped_by_vad: set[str] = set()
    async for message in ws:
        frame = json.loads(message)
        run.frames.append((time.monotonic(), frame))
        kind = frame.get("type")
        if kind == "error":
            return
        if kind == "input_audio_buffer.speech_stopped":
            stopped_by_vad.add(frame["item_id"])
        ours = run.stopped and last_commit is None and frame.get("item_id") not in stopped_by_vad
        if kind == "input_audio_buffer.committed" and ours:
            last_commit = frame["item_id"]
        completed = kind == "conversation.item.input_audio_transcription.completed"
        if completed and frame["item_id"] == last_commit:
            return
