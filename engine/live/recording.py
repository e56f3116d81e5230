"""A microphone recorded to WAV and transcribed as it is spoken, through a live stream.

Shared by the GUI's recorder and ``python -m app live``; it knows nothing of Qt. Two threads
of its own, neither a GUI thread: PortAudio's callback only queues blocks; the capture
thread writes the WAV file, measures the level and feeds the live stream. The engine's
events come back on the hub's thread and go to ``on_events`` as they are.
"""

from __future__ import annotations

import logging
import queue
import threading
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import StackscribeError
from engine.live.hub import LiveHub
from engine.live.pcm import PcmConverter
from engine.live.streamer import LiveOptions
from engine.pipeline.audio import SAMPLE_RATE
from engine.result import Transcript

log = logging.getLogger(__name__)

Events = Callable[[list[dict[str, Any]]], None]


def pick_rate(sd: Any, device: int | None, default: float) -> int:
    """16 kHz, the model's rate, when the device offers it (no resampling, small files)."""
    try:
        sd.check_input_settings(device, channels=1, dtype="float32", samplerate=SAMPLE_RATE)
    except (sd.PortAudioError, ValueError):
        return int(default) or SAMPLE_RATE
    return SAMPLE_RATE


class LiveRecording:
    """``start``, speak, ``stop``; ``wait`` gives the transcript once the last final is in.

    ``sd`` is the sounddevice module (the caller imports it, with its own error message);
    ``on_level`` gets 0..1 per block, ``on_failed`` a sentence when the device fails.
    """

    def __init__(
        self,
        hub: LiveHub,
        sd: Any,
        device: int | None,
        rate: int,
        options: LiveOptions,
        audio_path: Path,
        on_events: Events,
        on_level: Callable[[float, float], None] | None = None,
        on_failed: Callable[[str], None] | None = None,
    ) -> None:
        self.hub = hub
        self.sd = sd
        self.device = device
        self.rate = rate
        self.audio_path = audio_path
        self.on_events = on_events
        self.on_level = on_level
        self.on_failed = on_failed
        self.frames = 0
        self.result: Transcript | None = None
        self.error: str | None = None
        self._blocks: queue.SimpleQueue[np.ndarray] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._done = threading.Event()
        self._converter = PcmConverter(rate, "float32")
        self.stream_id = hub.open(options, self._events)
        self._thread = threading.Thread(target=self._capture, name="live-capture", daemon=True)

    @property
    def seconds(self) -> float:
        return self.frames / self.rate

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop capturing; the stream's last finals and ``done`` follow."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> Transcript | None:
        """The transcript once the stream is done (None if it failed or time ran out)."""
        self._done.wait(timeout)
        return self.result

    def _events(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            if event["type"] == "done":
                self.result = Transcript.from_dict(event["result"])
            elif event["type"] == "error":
                self.error = event["detail"]
        self.on_events(events)
        if any(e["type"] in ("done", "error") for e in events):
            self._done.set()

    def _callback(self, indata: np.ndarray, frames: int, _time: Any, status: Any) -> None:
        if status:
            log.debug("Input status: %s", status)
        self._blocks.put(indata[:, 0].copy())

    def _capture(self) -> None:
        try:
            self._capture_to_file()
        except StackscribeError as exc:  # the stream refused audio (too long)
            self._failed(str(exc))
        finally:
            try:
                self.hub.feed(self.stream_id, self._converter.flush())
                self.hub.close(self.stream_id)
            except StackscribeError as exc:  # the stream had already ended
                log.info("Live stream of %s ended early: %s", self.audio_path.name, exc)
                self._done.set()

    def _capture_to_file(self) -> None:
        try:
            self.audio_path.parent.mkdir(parents=True, exist_ok=True)
            with wave.open(str(self.audio_path), "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(self.rate)
                self._record(wav)
        except (OSError, wave.Error, self.sd.PortAudioError) as exc:
            self._failed(f"Recording from the input device failed: {exc}")

    def _record(self, wav: wave.Wave_write) -> None:
        with self.sd.InputStream(
            device=self.device,
            channels=1,
            samplerate=self.rate,
            dtype="float32",
            blocksize=max(1, self.rate // 20),
            callback=self._callback,
        ):
            log.info("Recording at %d Hz to %s", self.rate, self.audio_path)
            while not self._stop.is_set():
                try:
                    self._take(wav, self._blocks.get(timeout=0.1))
                except queue.Empty:
                    continue
        while True:  # what PortAudio delivered before the stream stopped
            try:
                self._take(wav, self._blocks.get_nowait())
            except queue.Empty:
                break

    def _take(self, wav: wave.Wave_write, block: np.ndarray) -> None:
        wav.writeframes((np.clip(block, -1, 1) * 32767).astype("<i2").tobytes())
        self.frames += block.size
        if self.on_level is not None:
            rms = float(np.sqrt(np.mean(np.square(block)))) if block.size else 0.0
            db = 20 * np.log10(max(rms, 1e-6))
            self.on_level(min(1.0, max(0.0, (db + 60) / 60)), self.seconds)
        self.hub.feed(self.stream_id, self._converter.convert(block.astype("<f4").tobytes()))

    def _failed(self, message: str) -> None:
        log.warning("%s (%s)", message, self.audio_path.name)
        self.error = message
        if self.on_failed is not None:
            self.on_failed(message)
