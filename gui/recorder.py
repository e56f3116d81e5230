"""Record a microphone to WAV and transcribe it as it is spoken, piece by piece.

Three threads, none of them the GUI's: PortAudio's callback only queues the blocks; the
capture thread writes the WAV file, measures the level and cuts a piece every few seconds
(at the quietest moment near the cut, so words are rarely split); the transcription thread
sends each piece to the engine's direct lane (never behind queued files) and hands back
its segments, shifted to the time of the whole recording.
"""

from __future__ import annotations

import logging
import queue
import tempfile
import threading
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine import formats
from engine.audio import SAMPLE_RATE
from engine.errors import StackscribeError
from engine.result import Segment, Transcript
from engine.service import TaskService
from engine.task import Task, TaskStatus, TranscribeOptions
from gui import audio_devices
from gui.audio_devices import InputDevice

log = logging.getLogger(__name__)

PIECE_SECONDS = 5.0
PIECE_TIMEOUT = 300.0  # seconds one piece may take (the engine may still be loading)
_QUIET_SEARCH = 1.5  # seconds before the cut searched for the quietest moment
_MIN_PIECE = 0.3  # seconds; a shorter tail is not worth a transcription


@dataclass(frozen=True)
class Piece:
    samples: np.ndarray
    offset: float  # seconds from the start of the recording


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
        segments(list): newly transcribed segments (times from the start of the recording).
        piece_failed(str): one piece could not be transcribed, and why.
        failed(str): the device could not be opened or stopped working.
        finished(object): the :class:`Recording`, once every piece is transcribed.
    """

    level = Signal(float)
    elapsed = Signal(float)
    segments = Signal(list)
    piece_failed = Signal(str)
    failed = Signal(str)
    finished = Signal(object)

    def __init__(
        self,
        service: TaskService,
        device: InputDevice,
        options: TranscribeOptions,
        folder: Path,
        piece_seconds: float = PIECE_SECONDS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.device = device
        self.options = options
        self.rate = int(device.samplerate) or 16000
        self.piece_seconds = piece_seconds
        stamp = time.strftime("%Y%m%d-%H%M%S")
        folder.mkdir(parents=True, exist_ok=True)
        self.audio_path = folder / f"recording-{stamp}.wav"
        self._blocks: queue.SimpleQueue[np.ndarray] = queue.SimpleQueue()
        self._pieces: queue.SimpleQueue[Piece | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._pending: list[np.ndarray] = []
        self._pending_offset = 0.0
        self._frames = 0
        self._transcript: list[Segment] = []
        self._language = options.language or ""
        self._scratch = tempfile.TemporaryDirectory(prefix="stackscribe-rec-")
        self._threads = [
            threading.Thread(target=self._capture, name="recorder-capture", daemon=True),
            threading.Thread(target=self._transcribe_all, name="recorder-asr", daemon=True),
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop capturing; ``finished`` follows once the last piece is transcribed."""
        self._stop.set()

    @property
    def seconds(self) -> float:
        return self._frames / self.rate

    # -- capture thread ------------------------------------------------------------------

    def _callback(self, indata: np.ndarray, frames: int, _time: Any, status: Any) -> None:
        if status:
            log.debug("Input status: %s", status)
        self._blocks.put(indata[:, 0].copy())

    def _capture(self) -> None:
        try:
            self._capture_to_file()
        finally:
            self._flush(final=True)
            self._pieces.put(None)

    def _capture_to_file(self) -> None:
        try:
            sd = audio_devices.sounddevice()
        except (OSError, ImportError) as exc:
            self._device_failed(exc)
            return
        try:
            self.rate = pick_rate(sd, self.device)
            with wave.open(str(self.audio_path), "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(self.rate)
                self._record(sd, wav)
        except (OSError, wave.Error, sd.PortAudioError) as exc:
            self._device_failed(exc)

    def _record(self, sd: Any, wav: wave.Wave_write) -> None:
        with sd.InputStream(
            device=self.device.index,
            channels=1,
            samplerate=self.rate,
            dtype="float32",
            blocksize=max(1, self.rate // 20),
            callback=self._callback,
        ):
            log.info(
                "Recording from %s at %d Hz to %s", self.device.name, self.rate, self.audio_path
            )
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

    def _device_failed(self, exc: BaseException) -> None:
        log.warning("Recording from %s failed: %s", self.device.name, exc)
        self.failed.emit(f"Recording from {self.device.name} failed: {exc}")

    def _take(self, wav: wave.Wave_write, block: np.ndarray) -> None:
        wav.writeframes((np.clip(block, -1, 1) * 32767).astype("<i2").tobytes())
        self._frames += block.size
        rms = float(np.sqrt(np.mean(np.square(block)))) if block.size else 0.0
        db = 20 * np.log10(max(rms, 1e-6))
        self.level.emit(min(1.0, max(0.0, (db + 60) / 60)))
        self.elapsed.emit(self.seconds)
        self._pending.append(block)
        if sum(b.size for b in self._pending) >= self.piece_seconds * self.rate:
            self._flush(final=False)

    def _flush(self, final: bool) -> None:
        """Send the captured audio as a piece (all of it when ``final``, else up to a pause)."""
        if not self._pending:
            return
        samples = np.concatenate(self._pending)
        cut = samples.size if final else quiet_cut(samples, self.rate)
        piece, rest = samples[:cut], samples[cut:]
        if piece.size >= _MIN_PIECE * self.rate:
            self._pieces.put(Piece(piece, self._pending_offset))
        self._pending = [rest] if rest.size else []
        self._pending_offset += cut / self.rate

    # -- transcription thread ------------------------------------------------------------

    def _transcribe_all(self) -> None:
        try:
            while (piece := self._pieces.get()) is not None:
                self._transcribe(piece)
            self.finished.emit(self._save())
        finally:
            self._scratch.cleanup()

    def _transcribe(self, piece: Piece) -> None:
        try:
            done = self._run_piece(piece)
        except (StackscribeError, OSError) as exc:
            log.warning("A piece of %s was not transcribed: %s", self.audio_path.name, exc)
            self.piece_failed.emit(f"A piece was not transcribed: {exc}")
            return
        if done.status != TaskStatus.COMPLETED:
            self.piece_failed.emit(done.error or f"A piece ended {done.status.value}")
            return
        result = done.result or {}
        self._language = self._language or result.get("language") or ""
        first = len(self._transcript)
        shifted = [  # piece time to recording time
            Segment.from_dict(s).shifted(piece.offset, first + i)
            for i, s in enumerate(result.get("segments", []))
        ]
        self._transcript.extend(shifted)
        if shifted:
            self.segments.emit([s.to_dict() for s in shifted])

    def _run_piece(self, piece: Piece) -> Task:
        """Transcribe one piece on the direct lane; the engine deletes its file after."""
        path = Path(self._scratch.name) / f"piece-{piece.offset:09.2f}.wav"
        write_wav(path, piece.samples, self.rate)
        task = self.service.submit_direct(
            str(path),
            f"{self.audio_path.stem} @ {piece.offset:.1f}s",
            self.options,
            owns_source=True,
        )
        done = self.service.wait(task.id, timeout=PIECE_TIMEOUT)
        if not done.status.is_final:  # timed out
            self.service.cancel(done.id)
        return done

    def _save(self) -> Recording:
        result = Transcript(
            language=self._language,
            language_probability=0.0,
            duration=self.seconds,
            segments=self._transcript,
            task=self.options.task,
        ).to_dict()
        text_path = self.audio_path.with_suffix(".txt")
        json_path = self.audio_path.with_suffix(".json")
        try:
            text_path.write_text(formats.render(result, "txt"), encoding="utf-8")
            json_path.write_text(formats.render(result, "json"), encoding="utf-8")
        except OSError as exc:
            log.error("Could not save the transcript of %s: %s", self.audio_path, exc)
            self.failed.emit(f"The transcript could not be saved: {exc}")
        log.info("Recording saved: %s (%.1f s)", self.audio_path, self.seconds)
        return Recording(self.audio_path, text_path, json_path, result["text"], self.seconds)


def pick_rate(sd: Any, device: InputDevice) -> int:
    """16 kHz, the model's rate, when the device offers it (no resampling, small files)."""
    try:
        sd.check_input_settings(device.index, channels=1, dtype="float32", samplerate=SAMPLE_RATE)
    except (sd.PortAudioError, ValueError):
        return int(device.samplerate) or SAMPLE_RATE
    return SAMPLE_RATE


def quiet_cut(samples: np.ndarray, rate: int) -> int:
    """Where to end a piece: the quietest 20 ms within the last 1.5 s."""
    frame = max(1, rate // 50)
    search = samples[-int(_QUIET_SEARCH * rate) :]
    count = search.size // frame
    if count < 2:
        return samples.size
    energy = np.square(search[: count * frame]).reshape(count, frame).mean(axis=1)
    return samples.size - search.size + int(np.argmin(energy)) * frame + frame // 2


def write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
