"""The settings dialog: model (with download), transcription options, engine, server."""

from __future__ import annotations

import dataclasses
import logging
import os

from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine import LANGUAGES, MAX_HOTWORDS, TASKS, model_store, redact_secrets, replacements
from gui import dialogs
from gui.media import EXPORT_FORMATS
from gui.settings.model_download import ModelDownloader
from gui.settings.preferences import ENGINE_KEYS, Preferences
from gui.settings.window import WindowSettings, declaration

log = logging.getLogger(__name__)

COMPUTE_TYPES = (
    "auto",
    "int8",
    "int8_float16",
    "int8_float32",
    "int16",
    "float16",
    "bfloat16",
    "float32",
)


def _choices(settings: WindowSettings, name: str) -> tuple[str, ...]:
    return declaration(settings)[name].metadata["choices"]


class SettingsDialog(QDialog):
    """Edits what the window saves; read :meth:`settings` and :meth:`preferences` after
    ``accepted``. Engine changes are applied by the caller (they restart the engine).

    A model download runs here, in a :class:`ModelDownloader` thread; closing the dialog
    cancels it.
    """

    def __init__(
        self, settings: WindowSettings, preferences: Preferences, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.base = settings
        self._downloading = False
        self.downloader = ModelDownloader(self)
        self.downloader.progress.connect(self._on_progress)
        self.downloader.finished.connect(self._on_downloaded)
        self.downloader.failed.connect(self._on_download_failed)
        self.downloader.cancelled.connect(self._on_download_cancelled)
        layout = QVBoxLayout(self)
        layout.addWidget(self._model_group(settings))
        layout.addWidget(self._transcription_group(preferences))
        layout.addWidget(self._watch_group(preferences))
        layout.addWidget(self._engine_group(settings))
        layout.addWidget(self._server_group(settings))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._refresh_model_state()
        self.resize(560, self.sizeHint().height())

    # -- groups --------------------------------------------------------------------------

    def _model_group(self, settings: WindowSettings) -> QGroupBox:
        self.model = QComboBox(editable=True)
        self.model.setToolTip("A model name, a Hugging Face repository id or a model folder")
        cached = {m.name for m in model_store.list_cached(settings.model_cache)}
        for name in model_store.known_models():
            self.model.addItem(f"{name}   (downloaded)" if name in cached else name, name)
        self.model.setEditText(settings.model)
        self.model.currentIndexChanged.connect(self._on_model_picked)
        self.model.editTextChanged.connect(self._refresh_model_state)
        self.download_button = QPushButton("Download")
        self.download_button.clicked.connect(self._download)
        self.cancel_download_button = QPushButton("Cancel download")
        self.cancel_download_button.clicked.connect(self.downloader.cancel)
        self.download_bar = QProgressBar()
        self.download_bar.setTextVisible(True)
        self.model_state = QLabel()
        self.model_state.setObjectName("muted")
        self.model_state.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.model, 1)
        row.addWidget(self.download_button)
        row.addWidget(self.cancel_download_button)
        box = QGroupBox("Model")
        form = QFormLayout(box)
        form.addRow("Whisper model", row)
        form.addRow("", self.download_bar)
        form.addRow("", self.model_state)
        return box

    def _transcription_group(self, preferences: Preferences) -> QGroupBox:
        self.language = QComboBox()
        self.language.addItem("Detect automatically", "")
        for code, name in sorted(LANGUAGES.items(), key=lambda item: item[1]):
            self.language.addItem(f"{name.title()} ({code})", code)
        self.language.setCurrentIndex(max(0, self.language.findData(preferences.language)))
        self.task = QComboBox()
        for task in TASKS:
            self.task.addItem("Translate to English" if task == "translate" else "Transcribe", task)
        self.task.setCurrentIndex(max(0, self.task.findData(preferences.task)))
        self.word_timestamps = QCheckBox("Word timestamps")
        self.word_timestamps.setChecked(preferences.word_timestamps)
        self.vad = QCheckBox("Skip silence (voice activity detection)")
        self.vad.setChecked(preferences.vad_filter)
        self.hotwords = QLineEdit(preferences.hotwords)
        self.hotwords.setPlaceholderText("names and terms to expect, e.g. ComfyUI, Kubernetes")
        self.hotwords.setMaxLength(MAX_HOTWORDS)
        self.replacements = QPlainTextEdit("\n".join(f"{a}={b}" for a, b in self._table()))
        self.replacements.setPlaceholderText("one from=to per line, e.g. comfy eye=ComfyUI")
        self.replacements.setToolTip(
            "Applied to every transcript after decoding: whole words, any case; "
            "an empty replacement removes the words. Changing it restarts the engine."
        )
        self.replacements.setFixedHeight(self.replacements.fontMetrics().lineSpacing() * 4 + 12)
        self.replacements_error = QLabel()
        self.replacements_error.setObjectName("notice")
        self.replacements_error.setWordWrap(True)
        self.replacements_error.setVisible(False)
        box = QGroupBox("Transcription (new tasks and recordings)")
        form = QFormLayout(box)
        form.addRow("Language", self.language)
        form.addRow("Task", self.task)
        form.addRow("", self.word_timestamps)
        form.addRow("", self.vad)
        form.addRow("Hotwords", self.hotwords)
        form.addRow("Replacements", self.replacements)
        form.addRow("", self.replacements_error)
        return box

    def _table(self) -> replacements.Table:
        return replacements.parse(self.base.replacements)

    def _watch_group(self, preferences: Preferences) -> QGroupBox:
        self.watch_folder = QLineEdit(preferences.watch_folder)
        self.watch_folder.setPlaceholderText("none: no folder is watched")
        self.watch_folder.setClearButtonEnabled(True)
        self.watch_choose = QPushButton("Choose…")
        self.watch_choose.clicked.connect(self._choose_watch_folder)
        row = QHBoxLayout()
        row.addWidget(self.watch_folder, 1)
        row.addWidget(self.watch_choose)
        chosen = set(preferences.watch_formats.split(","))
        self.watch_formats: dict[str, QCheckBox] = {}
        formats = QHBoxLayout()
        for fmt in EXPORT_FORMATS:
            self.watch_formats[fmt] = check = QCheckBox(fmt)
            check.setChecked(fmt in chosen)
            formats.addWidget(check)
        formats.addStretch(1)
        box = QGroupBox("Watched folder (new audio and video files in it are transcribed)")
        form = QFormLayout(box)
        form.addRow("Folder", row)
        form.addRow("Write beside each file", formats)
        return box

    def _choose_watch_folder(self) -> None:
        folder = dialogs.open_folder(self, self.watch_folder.text() or os.path.expanduser("~"))
        if folder:
            self.watch_folder.setText(folder)

    def _engine_group(self, settings: WindowSettings) -> QGroupBox:
        self.device = QComboBox()
        self.device.addItems(list(_choices(settings, "device")))
        self.device.setCurrentText(settings.device)
        self.compute_type = QComboBox(editable=True)
        self.compute_type.addItems(list(COMPUTE_TYPES))
        self.compute_type.setCurrentText(settings.compute_type)
        box = QGroupBox("Engine")
        form = QFormLayout(box)
        form.addRow("Device", self.device)
        form.addRow("Compute type", self.compute_type)
        return box

    def _server_group(self, settings: WindowSettings) -> QGroupBox:
        self.queue_port = _port(settings.queue_port)
        self.direct_port = _port(settings.direct_port)
        self.tasks_port = _port(settings.tasks_port)
        self.redis_url = QLineEdit(redact_secrets(settings.redis_url))  # no password on screen
        self.redis_url.setPlaceholderText("empty: the in-memory stack")
        box = QGroupBox("Server")
        form = QFormLayout(box)
        form.addRow("Queue API port", self.queue_port)
        form.addRow("Direct API port", self.direct_port)
        form.addRow("Tasks API port", self.tasks_port)
        form.addRow("Redis URL", self.redis_url)
        return box

    # -- results -------------------------------------------------------------------------

    def model_name(self) -> str:
        text = self.model.currentText().strip()
        index = self.model.findText(text)
        return (self.model.itemData(index) if index >= 0 else text) or self.base.model

    def settings(self) -> WindowSettings:
        return dataclasses.replace(
            self.base,
            model=self.model_name(),
            device=self.device.currentText(),
            compute_type=self.compute_type.currentText().strip() or "auto",
            queue_port=self.queue_port.value(),
            direct_port=self.direct_port.value(),
            tasks_port=self.tasks_port.value(),
            redis_url=self._redis_url(),
            replacements=self._replacements(),
        )

    def _replacements(self) -> str:
        """The table as the setting writes it; raises ValueError when it cannot be read."""
        table = replacements.parse(self.replacements.toPlainText(), lines=True)
        return self.base.replacements if table == self._table() else replacements.render(table)

    def accept(self) -> None:
        """Closes only with a replacement table that can be read; says what to fix."""
        try:
            self._replacements()
        except ValueError as exc:
            self.replacements_error.setText(str(exc).replace("REPLACEMENTS", "Replacements"))
            self.replacements_error.setVisible(True)
            return
        super().accept()

    def _redis_url(self) -> str:
        text = self.redis_url.text().strip()
        # Unchanged, the field shows the masked URL: keep the real one behind it.
        return self.base.redis_url if text == redact_secrets(self.base.redis_url) else text

    def preferences(self) -> Preferences:
        return Preferences(
            language=self.language.currentData() or "",
            task=self.task.currentData(),
            word_timestamps=self.word_timestamps.isChecked(),
            vad_filter=self.vad.isChecked(),
            watch_folder=self.watch_folder.text().strip(),
            watch_formats=",".join(f for f, box in self.watch_formats.items() if box.isChecked())
            or "txt",
            hotwords=self.hotwords.text().strip(),
        )

    def engine_changed(self) -> bool:
        new = self.settings()
        return any(getattr(new, key) != getattr(self.base, key) for key in ENGINE_KEYS)

    def done(self, result: int) -> None:
        self.downloader.cancel()
        super().done(result)

    # -- model download ------------------------------------------------------------------

    def _on_model_picked(self, index: int) -> None:
        if index >= 0:
            self.model.setEditText(self.model.itemData(index))

    def _refresh_model_state(self) -> None:
        name = self.model_name()
        self.download_bar.setVisible(self._downloading)
        self.cancel_download_button.setVisible(self._downloading)
        state, downloadable = self._model_state(name)
        self.download_button.setEnabled(downloadable and not self._downloading)
        if not self._downloading:
            self.model_state.setText(state)

    def _model_state(self, name: str) -> tuple[str, bool]:
        """What the cache holds of ``name``, and whether a download makes sense."""
        if os.path.isdir(name):
            return "A model folder on this computer.", False
        if name not in model_store.known_models() and "/" not in name:
            return "Unknown model name.", False
        try:
            model_store.resolve(name, self.base.model_cache)
        except model_store.ModelUnavailable:
            return (
                "Not downloaded yet: download it now, or the engine downloads it when it starts."
            ), True
        return "Downloaded.", False

    def _download(self) -> None:
        self._downloading = True
        self.download_bar.setRange(0, 0)
        self.downloader.start(self.model_name(), self.base.model_cache)
        self._refresh_model_state()
        self.model_state.setText(f"Downloading {self.model_name()}…")

    def _download_ended(self, message: str) -> None:
        self._downloading = False
        self._refresh_model_state()
        self.model_state.setText(message)

    def _on_progress(self, done: int, total: int) -> None:
        if total:
            self.download_bar.setRange(0, 1000)
            self.download_bar.setValue(round(1000 * done / total))
            self.download_bar.setFormat(f"{done / 1e6:.0f} of {total / 1e6:.0f} MB")

    def _on_downloaded(self, path: str) -> None:
        self._download_ended(f"Downloaded to {path}.")

    def _on_download_failed(self, message: str) -> None:
        self._download_ended(message)

    def _on_download_cancelled(self) -> None:
        self._download_ended("Download cancelled.")


class PortEdit(QLineEdit):
    """A TCP port; 0 (or empty) leaves that listener out."""

    def __init__(self, value: int) -> None:
        super().__init__(str(value))
        self.setValidator(QIntValidator(0, 65535, self))
        self.setPlaceholderText("0: not served")

    def value(self) -> int:
        return int(self.text() or 0)


def _port(value: int) -> PortEdit:
    return PortEdit(value)
