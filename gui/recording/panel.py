"""Live recording: pick a device, watch the level, read the words as they are spoken."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine import TaskService, TranscribeOptions
from gui import icons
from gui.recording.audio_devices import AudioDevices
from gui.recording.recorder import Recorder, Recording
from gui.tasks.model import clock

log = logging.getLogger(__name__)


class RecordPanel(QWidget):
    """Records the chosen input and shows its transcript as it arrives.

    Disabled, with the reason shown, when PortAudio or an input device is missing.

    Signals:
        recording_changed(bool): recording started (True) or fully finished (False).
        saved(object): a :class:`gui.recording.recorder.Recording` was written.
        queue_file(str): the person asked to transcribe a saved recording as a task.
        message(str): something to tell the person (a piece that failed, where it saved).
    """

    recording_changed = Signal(bool)
    saved = Signal(object)
    queue_file = Signal(str)
    message = Signal(str)

    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self.service: TaskService | None = None
        self.options = TranscribeOptions()
        self.devices = AudioDevices(input_problem="Looking for sound devices…")
        self.recorder: Recorder | None = None
        self.last: Recording | None = None
        self._error = ""
        self._build()
        self._update()

    def _build(self) -> None:
        self.device_box = QComboBox()
        self.device_box.setMinimumWidth(180)
        self.record_button = QPushButton(icons.icon("record", "white"), "Record")
        self.record_button.setObjectName("record")
        self.record_button.setIconSize(QSize(14, 14))
        self.record_button.clicked.connect(self.toggle)
        self.meter = QProgressBar()
        self.meter.setObjectName("level")
        self.meter.setRange(0, 100)
        self.meter.setTextVisible(False)
        self.meter.setFixedHeight(8)
        self.clock = QLabel("0:00")
        self.clock.setObjectName("muted")
        self.lag_label = QLabel()
        self.lag_label.setObjectName("muted")
        self.lag_label.setToolTip(
            "How long after you said it the newest text appeared; it grows when "
            "transcription cannot keep up"
        )
        self.lag_label.hide()
        self.notice = QLabel()
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.text = QPlainTextEdit(readOnly=True, placeholderText="Words appear here as you speak.")
        self.saved_label = QLabel()
        self.saved_label.setObjectName("muted")
        self.saved_label.setWordWrap(True)
        self.open_folder_button = QPushButton(icons.icon("folder"), "Open folder")
        self.open_folder_button.clicked.connect(self._open_folder)
        self.queue_button = QPushButton(icons.icon("add"), "Transcribe whole recording")
        self.queue_button.setToolTip("Queue the saved WAV as a task, with full context")
        self.queue_button.clicked.connect(self._queue_last)
        self._lay_out()

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(QLabel("Input"))
        top.addWidget(self.device_box, 1)
        top.addWidget(self.record_button)
        level = QHBoxLayout()
        level.addWidget(self.meter, 1)
        level.addWidget(self.lag_label)
        level.addWidget(self.clock)
        after = QHBoxLayout()
        after.addWidget(self.saved_label, 1)
        after.addWidget(self.open_folder_button)
        after.addWidget(self.queue_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(top)
        layout.addLayout(level)
        layout.addWidget(self.notice)
        layout.addWidget(self.text, 1)
        layout.addLayout(after)

    # -- state ---------------------------------------------------------------------------

    @property
    def recording(self) -> bool:
        return self.recorder is not None

    def set_devices(self, devices: AudioDevices) -> None:
        self.devices = devices
        self.device_box.clear()
        for device in devices.inputs:
            self.device_box.addItem(device.name, device.index)
        if devices.default_input is not None:
            self.device_box.setCurrentIndex(max(0, self.device_box.findData(devices.default_input)))
        self._update()

    def set_service(self, service: TaskService | None) -> None:
        self.service = service
        self._update()

    def select_device(self, name: str) -> bool:
        index = self.device_box.findText(name)
        if index >= 0:
            self.device_box.setCurrentIndex(index)
        return index >= 0

    def _update(self) -> None:
        problem = self.devices.input_problem
        if not problem and self.service is None and not self.recording:
            problem = "Recording starts once the engine is running."
        self.notice.setText(self._error or problem)
        self.notice.setVisible(bool(self._error or problem))
        self.device_box.setEnabled(self.devices.can_record and not self.recording)
        self.record_button.setEnabled(self.recording or (not problem))
        self.record_button.setText("Stop" if self.recording else "Record")
        self.record_button.setIcon(icons.icon("stop" if self.recording else "record", "white"))
        has_last = self.last is not None and not self.recording
        self.saved_label.setVisible(has_last)
        self.open_folder_button.setVisible(has_last)
        self.queue_button.setVisible(has_last)

    # -- recording -----------------------------------------------------------------------

    def toggle(self) -> None:
        if self.recording:
            self.stop()
        else:
            self.start()

    def start(self) -> None:
        device = self._current_device()
        if device is None or self.service is None:
            return
        self.text.clear()
        self.meter.setValue(0)
        self._error = ""
        self.recorder = Recorder(self.service, device, self.options, self.folder, parent=self)
        self.follow(self.recorder)
        self.recorder.start()
        self.recording_changed.emit(True)
        self._update()

    def follow(self, recorder: Recorder) -> None:
        """Show what ``recorder`` hears and transcribes."""
        self.lag_label.hide()
        recorder.level.connect(self._on_level)
        recorder.elapsed.connect(self._on_elapsed)
        recorder.segments.connect(self._on_segments)
        recorder.lag.connect(self._on_lag)
        recorder.piece_failed.connect(self.message)
        recorder.failed.connect(self._on_failed)
        recorder.finished.connect(self._on_finished)

    def stop(self) -> None:
        """Stop capturing; the last words arrive, then ``saved`` and ``recording_changed``."""
        if self.recorder is not None:
            self.recorder.stop()
            self.record_button.setEnabled(False)
            self.record_button.setText("Finishing…")

    def _current_device(self):
        index = self.device_box.currentData()
        return next((d for d in self.devices.inputs if d.index == index), None)

    def _on_level(self, value: float) -> None:
        self.meter.setValue(round(value * 100))

    def _on_elapsed(self, seconds: float) -> None:
        self.clock.setText(clock(seconds))

    def _on_segments(self, segments: list[dict[str, Any]]) -> None:
        for segment in segments:
            self.text.appendPlainText(f"[{clock(segment['start'])}] {segment['text'].strip()}")

    def _on_lag(self, seconds: float) -> None:
        self.lag_label.setText(f"text {seconds:.1f} s behind")
        self.lag_label.show()

    def _on_failed(self, message: str) -> None:
        self._error = message
        self._update()
        self.message.emit(message)

    def _on_finished(self, recording: Recording) -> None:
        self.recorder = None
        self.lag_label.hide()
        self.last = recording
        self.meter.setValue(0)
        self.saved_label.setText(
            f"Saved {recording.audio.name} ({clock(recording.duration)}) and "
            f"{recording.transcript.name} in {recording.audio.parent}"
        )
        self._update()
        self.saved.emit(recording)
        self.recording_changed.emit(False)

    def _open_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder)))

    def _queue_last(self) -> None:
        if self.last is not None:
            self.queue_file.emit(str(self.last.audio))
