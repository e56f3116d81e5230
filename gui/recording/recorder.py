"""Record a microphone to WAV and transcribe it as it is spoken, through a live stream.

The work is :class:`engine.live.recording.LiveRecording`'s (the same streaming transcriber
as ``/ws/live``, on the engine's direct lane: no fixed cuts, context carried across the
whole recording); this wraps it in Qt signals and saves the transcript beside the audio.
None of its threads is the GUI's.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from engine import (
    LiveOptions,
    LiveRecording,
    StackscribeError,
    TaskService,
    TranscribeOptions,
    Transcript,
    formats,
    pick_rate,
)
from gui.recording import audio_devices
from gui.recording.audio_devices import InputDevice

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recording:
    """What a finished recording left on disk."""

    audio: Path
    transcript: Path
    json: Path
    text: str
    duration: float


class Recorder(QObject):
    """One recording session: :meth:`start`, speak, :meth:`stop`.

    Signals:
        level(float): input level, 0 (silence, -60 dBFS) to 1 (full scale).
        elapsed(float): seconds recorded so far.
        segments(list): newly final segments (times from the start of the recording).
        partial(str): the revisable text after the last final segment.
        lag(float): how many seconds the newest text is behind the voice that said it.
        piece_failed(str): the live transcription stopped, and why (the audio is kept).
        failed(str): the device could not be opened or stopped working.
        finished(object): the :class:`Recording`, once the last final segment is in.
    """

    level = Signal(float)
    elapsed = Signal(float)
    segments = Signal(list)
    partial = Signal(str)
    lag = Signal(float)
    piece_failed = Signal(str)
    failed = Signal(str)
    finished = Signal(object)

    def __init__(
        self,
        service: TaskService,
        device: InputDevice,
        options: TranscribeOptions,
        folder: Path,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.device = device
        self.options = options
        self.folder = folder
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.audio_path = folder / f"recording-{stamp}.wav"
        self._live: LiveRecording | None = None
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)
        self._stop = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop capturing; ``finished`` follows once the last final segment is in."""
        self._stop.set()
        if self._live is not None:
            self._live.stop()

    @property
    def seconds(self) -> float:
        return self._live.seconds if self._live is not None else 0.0

    def _run(self) -> None:
        try:
            sd = audio_devices.sounddevice()
        except (OSError, ImportError) as exc:
            self._device_failed(exc)
            return
        try:
            self._live = self._open(sd)
        except StackscribeError as exc:  # no room for another stream, or no engine
            self._device_failed(exc)
            self.finished.emit(self._save(None))
            return
        self._live.start()
        if self._stop.is_set():
            self._live.stop()
        transcript = self._live.wait(None)
        self.finished.emit(self._save(transcript))

    def _open(self, sd: Any) -> LiveRecording:
        hub = self.service.live
        if hub is None:
            raise StackscribeError("Live transcription is not available in this window")
        options = LiveOptions(
            language=self.options.language,
            task=self.options.task,
            initial_prompt=self.options.initial_prompt,
        )
        return LiveRecording(
            hub,
            sd,
            self.device.index,
            pick_rate(sd, self.device.index, self.device.samplerate),
            options,
            self.audio_path,
            self.handle_events,
            on_level=self._on_level,
            on_failed=self._device_failed,
        )

    def _on_level(self, level: float, seconds: float) -> None:
        self.level.emit(level)
        self.elapsed.emit(seconds)

    def handle_events(self, events: list[dict[str, Any]]) -> None:
        """The live stream's events (on the hub's thread), turned into signals."""
        finals = [e["segment"] for e in events if e["type"] == "final"]
        if finals:
            self.segments.emit(finals)
        lags = [e["lag"] for e in events if e["type"] in ("final", "partial") and "lag" in e]
        if lags:
            self.lag.emit(float(lags[-1]))
        for event in events:
            if event["type"] == "partial":
                self.partial.emit(event["text"])
            elif event["type"] == "error":
                self.piece_failed.emit(f"Live transcription stopped: {event['detail']}")

    def _device_failed(self, exc: BaseException | str) -> None:
        log.warning("Recording from %s failed: %s", self.device.name, exc)
        self.failed.emit(f"Recording from {self.device.name} failed: {exc}")

    def _save(self, transcript: Transcript | None) -> Recording:
        seconds = self.seconds
        result = (transcript or Transcript("", 0.0, seconds, [], self.options.task)).to_dict()
        text_path = self.audio_path.with_suffix(".txt")
        json_path = self.audio_path.with_suffix(".json")
        try:
            text_path.write_text(formats.render(result, "txt"), encoding="utf-8")
            json_path.write_text(formats.render(result, "json"), encoding="utf-8")
        except OSError as exc:
            log.error("Could not save the transcript of %s: %s", self.audio_path, exc)
            self.failed.emit(f"The transcript could not be saved: {exc}")
        log.info("Recording saved: %s (%.1f s)", self.audio_path, seconds)
        return Recording(self.audio_path, text_path, json_path, result["text"], seconds)
