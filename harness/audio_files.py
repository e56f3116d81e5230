"""Audio for tests and benchmarks: the shared recordings, and long files made from them."""

from __future__ import annotations

import os
import wave
from pathlib import Path
from typing import Literal

import numpy as np


def shared_audio_dir() -> Path:
    """``../shared/audio`` beside the checkout (``STACKSCRIBE_SHARED`` overrides)."""
    base = os.environ.get("STACKSCRIBE_SHARED")
    root = Path(base) if base else Path(__file__).resolve().parents[2] / "shared"
    folder = root / "audio"
    if not folder.is_dir():
        raise FileNotFoundError(f"Test audio not found at {folder}; set STACKSCRIBE_SHARED")
    return folder


def loop_to_file(source: str | Path, target: str | Path, seconds: float) -> Path:
    """Write ``source`` looped to ``seconds`` as 16 kHz mono (FLAC or WAV by suffix)."""
    import av

    from engine.pipeline.audio import read_all

    clip = (np.clip(read_all(str(source)), -1, 1) * 32767).astype(np.int16)
    total = int(seconds * 16000)
    target = Path(target)
    codec: Literal["flac", "pcm_s16le"] = "flac" if target.suffix == ".flac" else "pcm_s16le"
    with av.open(str(target), "w") as container:
        stream = container.add_stream(codec, rate=16000, layout="mono")
        written = 0
        while written < total:
            part = clip[: min(clip.size, total - written)]
            frame = av.AudioFrame.from_ndarray(part[None, :], format="s16", layout="mono")
            frame.sample_rate = 16000
            for packet in stream.encode(frame):
                container.mux(packet)
            written += part.size
        for packet in stream.encode(None):
            container.mux(packet)
    return target


def write_wav(target: str | Path, samples: np.ndarray, rate: int = 16000) -> Path:
    target = Path(target)
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return target
