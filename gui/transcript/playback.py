"""Play a task's audio from a given second, decoded by the engine, in a thread of its own."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal

from engine import SAMPLE_RATE, StackscribeError, stream_pcm
from gui.recording import audio_devices

log = logging.getLogger(__name__)

_CHUNK = SAMPLE_RATE // 10  # samples written at a time: stop answers within 0.1 s


class Player(QObject):
    """Plays one file at a time to an output device; a new :meth:`play` ends the last one.

    Signals:
        started(str): playing began (task id).
        position(float): seconds into the file, a few times a second.
        finished(str): playing ended or was stopped (task id); not sent for a playback
            that a newer :meth:`play` replaced.
        failed(str): the audio could not be played, and why.
    """

    started = Signal(str)
    position = Signal(float)
    finished = Signal(str)
    failed = Signal(str)

    def __init__(self, device: int | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.device = device
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None

    @property
    def playing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def play(self, task_id: str, path: str, start: float = 0.0) -> None:
        self.stop()
        stop = threading.Event()
        self._stop = stop
        self._thread = threading.Thread(
            target=self._run,
            args=(task_id, path, max(0.0, start), stop),
            name="gui-playback",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Ask the playing thread to end (it does within a tenth of a second)."""
        if self._stop is not None:
            self._stop.set()

    def _run(self, task_id: str, path: str, start: float, stop: threading.Event) -> None:
        try:
            self._play(task_id, path, start, stop)
        finally:
            if self._stop is stop:  # else a newer play() took over and reports itself
                self.finished.emit(task_id)

    def _play(self, task_id: str, path: str, start: float, stop: threading.Event) -> None:
        try:
            sd = audio_devices.sounddevice()
        except (OSError, ImportError) as exc:
            self._fail(exc)
            return
        try:
            with sd.OutputStream(
                samplerate=SAMPLE_RATE, channels=1, dtype="float32", device=self.device
            ) as out:
                self.started.emit(task_id)
                self._write(out, path, start, stop)
        except (StackscribeError, OSError, sd.PortAudioError) as exc:
            self._fail(exc)

    def _fail(self, exc: BaseException) -> None:
        log.warning("Playback failed: %s", exc)
        self.failed.emit(f"The audio cannot be played: {exc}")

    def _write(self, out, path: str, start: float, stop: threading.Event) -> None:
        skip = int(start * SAMPLE_RATE)
        played = skip
        for block in stream_pcm(path):
            if skip >= block.size:
                skip -= block.size
                continue
            audible, skip = block[skip:], 0
            for at in range(0, audible.size, _CHUNK):
                if stop.is_set():
                    return
                out.write(audible[at : at + _CHUNK])
                played += min(_CHUNK, audible.size - at)
                self.position.emit(played / SAMPLE_RATE)
