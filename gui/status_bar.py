"""The status bar: engine state, model, device, stack backend and the server's addresses."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from engine import EngineState, EngineStatus

STATE_TEXT = {
    EngineState.STARTING: "Starting",
    EngineState.DOWNLOADING: "Downloading model",
    EngineState.LOADING: "Loading model",
    EngineState.READY: "Ready",
    EngineState.UNAVAILABLE: "Unavailable",
    EngineState.RESTARTING: "Restarting",
    EngineState.STOPPED: "Stopped",
}
LISTENER_NAMES = {"queue": "Queue", "direct": "Direct", "tasks": "Tasks"}
STATE_COLORS = {
    EngineState.READY: "#16a34a",
    EngineState.UNAVAILABLE: "#dc2626",
    EngineState.STOPPED: "#64748b",
}


class StatusBar(QStatusBar):
    """Permanent fields on the right; passing messages on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.engine = QLabel()
        self.model = QLabel()
        self.device = QLabel()
        self.backend = QLabel()
        self.server = QLabel()
        self.server.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for label in (self.engine, self.model, self.device, self.backend, self.server):
            self.addPermanentWidget(label)
        self.show_engine(None)
        self.show_backend("", {}, None)

    def show_engine(self, status: EngineStatus | None) -> None:
        if status is None:
            self._set_engine("Starting", "#d97706", "The engine is starting")
            self.model.setText("Model: …")
            self.device.setText("Device: …")
            return
        text = STATE_TEXT.get(status.state, status.state.value)
        if status.state == EngineState.DOWNLOADING and status.download_total:
            text += f" {status.download_done / status.download_total:.0%}"
        color = STATE_COLORS.get(status.state, "#d97706")
        self._set_engine(text, color, status.error or text)
        model = os.path.basename(status.model.rstrip("/\\")) or status.model
        fallback = " (offline fallback)" if status.model_fallback else ""
        self.model.setText(f"Model: {model}{fallback}")
        reason = f": {status.model_reason}" if status.model_reason else ""
        self.model.setToolTip(f"{status.model}{reason}")
        device = status.device or "…"
        if status.compute_type:
            device += f" ({status.compute_type})"
        self.device.setText(f"Device: {device}")

    def _set_engine(self, text: str, color: str, tip: str) -> None:
        self.engine.setText(f'<span style="color:{color}">●</span> Engine: {text}')
        self.engine.setToolTip(tip)

    def show_backend(self, backend: str, urls: dict[str, str], error: str | None) -> None:
        self.backend.setText(f"Stack: {backend or '…'}")
        if urls:
            self.server.setText(
                " · ".join(f"{LISTENER_NAMES.get(n, n)} API {url}" for n, url in urls.items())
            )
            self.server.setToolTip("Tasks posted to these addresses appear in this window")
        elif error:
            self.server.setText("Server: not running")
            self.server.setToolTip(error)
        else:
            self.server.setText("Server: starting…")
            self.server.setToolTip("")

    def notify(self, message: str, seconds: float = 8.0) -> None:
        self.showMessage(message, round(seconds * 1000))
