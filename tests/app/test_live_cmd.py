"""``python -m app live``: a microphone (ALSA's file device over a FIFO) in, text out, saved."""

from __future__ import annotations

import ctypes.util
import json
import os
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import PHRASE

ROOT = Path(__file__).resolve().parents[2]
ALSA_CONF = Path("/usr/share/alsa/alsa.conf")
MICROPHONE = """
pcm.stackscribe_test_mic {{
    type file
    slave.pcm "stackscribe_test_null"
    file "/dev/null"
    infile "{fifo}"
    format "raw"
}}
pcm.stackscribe_test_null {{
    type null
}}
"""

pytestmark = [
    pytest.mark.e2e,  # `python -m app live` processes
    pytest.mark.skipif(
        not sys.platform.startswith("linux")
        or not ALSA_CONF.exists()
        or ctypes.util.find_library("portaudio") is None,
        reason="needs Linux with ALSA and PortAudio",
    ),
]


def _feed(fifo: Path, speech: np.ndarray, stop: threading.Event) -> None:
    """The microphone: the speech, then silence at real time until the command is done."""
    fd = os.open(fifo, os.O_RDWR)  # never blocks on Linux
    try:
        os.write(fd, speech.astype("<f4").tobytes())
        os.set_blocking(fd, False)
        while not stop.wait(0.1):
            try:
                os.write(fd, np.zeros(1600, "<f4").tobytes())
            except BlockingIOError:
                continue
    finally:
        os.close(fd)


def test_live_prints_text_and_saves_audio_and_transcript(tmp_path, tiny_model, jfk) -> None:
    from engine.pipeline.audio import read_all

    fifo = tmp_path / "mic.fifo"
    os.mkfifo(fifo)
    asoundrc = tmp_path / "asoundrc"
    asoundrc.write_text(MICROPHONE.format(fifo=fifo))
    stop = threading.Event()
    feeder = threading.Thread(target=_feed, args=(fifo, read_all(jfk), stop), daemon=True)
    feeder.start()
    output = tmp_path / "talk"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
        "ALSA_CONFIG_PATH": f"{ALSA_CONF}:{asoundrc}",
        "HF_HUB_OFFLINE": "1",
    }
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "app", "live", "--device", "stackscribe_test_mic",
             "--output", str(output), "--seconds", "15", "--model", tiny_model,
             "--data-dir", str(tmp_path / "data"), "--cpu-threads", "1", "--language", "en"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=240,
        )  # fmt: skip
    finally:
        stop.set()
        feeder.join(5)
    assert done.returncode == 0, done.stderr[-3000:]
    assert PHRASE in done.stdout  # final text printed as it came
    assert done.stdout.lstrip().startswith("[0:")
    assert time.monotonic() - started < 200
    with wave.open(str(output.with_suffix(".wav"))) as wav:
        assert wav.getframerate() == 16000 and wav.getnframes() / 16000 >= 11.0
    assert PHRASE in output.with_suffix(".txt").read_text(encoding="utf-8")
    result = json.loads(output.with_suffix(".json").read_text(encoding="utf-8"))
    assert result["segments"] and result["duration"] >= 11.0
    assert "Saved" in done.stderr


def test_live_refuses_an_unknown_device(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app", "live", "--device", "no-such-microphone",
         "--data-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "--list-devices" in done.stderr
