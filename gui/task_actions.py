"""What a task's buttons do: cancel, retry, open, export, remove, and play from a segment."""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from gui import dialogs
from gui.jobs import Jobs, describe
from gui.session import Session
from gui.settings.preferences import PreferenceStore
from gui.tasks.model import TaskModel
from gui.transcript import export_options, exporter
from gui.transcript.playback import Player

log = logging.getLogger(__name__)


class TaskActions(QObject):
    """Runs the row actions of the table and the buttons of the transcript view.

    Cancelling goes through the session (off the GUI thread); exporting asks where, then
    writes in a job; playing hands the file to the :class:`Player` thread.

    Signals:
        opened(str): the person asked to read a task (show its transcript).
        message(str): something to tell the person (export done, audio gone, ...).
    """

    opened = Signal(str)
    message = Signal(str)

    def __init__(
        self,
        window: QWidget,
        model: TaskModel,
        session: Session,
        store: PreferenceStore,
        player: Player,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.model = model
        self.session = session
        self.store = store
        self.player = player
        self.jobs = Jobs("export", workers=1, parent=self)

    def run(self, task_id: str, action: str) -> None:
        """One of cancel, retry, open, export (as SRT first), remove."""
        handlers = {
            "cancel": self.session.cancel,
            "retry": self.retry,
            "open": self.opened.emit,
            "export": lambda t: self.export(t, "srt"),
            "remove": self.model.remove,
        }
        handlers[action](task_id)

    def retry(self, task_id: str) -> None:
        row = self.model.row(task_id)
        if row is not None:
            self.session.resubmit(task_id, row.source, row.filename, row.options, row.priority)

    def export(self, task_id: str, fmt: str) -> None:
        """Ask where, then write the transcript off the GUI thread."""
        row = self.model.row(task_id)
        if row is None or row.result is None:
            return
        folder = self.store.value("paths/export_folder", self.store.value("paths/last_folder"))
        suggested = exporter.suggested_path(folder, row.filename, fmt)
        path, chosen = dialogs.save_file(
            self.window, "Export transcript", suggested, exporter.name_filter(fmt)
        )
        if not path:
            return
        self.store.set_value("paths/export_folder", os.path.dirname(path))
        self.jobs.run(
            exporter.export,
            row.result,
            exporter.format_of(path, chosen, fmt),
            path,
            export_options.saved_layout(self.store),
            on_done=lambda written: self.message.emit(f"Exported {written}"),
            on_error=self._export_failed,
        )

    def edit_layout(self) -> None:
        """Ask for the subtitle layout every later srt and vtt export uses, and keep it."""
        chosen, layout = dialogs.subtitle_layout(
            self.window, export_options.saved_layout(self.store)
        )
        if chosen:
            export_options.save_layout(self.store, layout)
            self.message.emit("Subtitle layout saved for SRT and WebVTT exports")

    def _export_failed(self, exc: BaseException) -> None:
        log.warning("Export failed: %s", describe(exc))
        self.message.emit(f"Export failed: {describe(exc)}")

    def play(self, task_id: str, start: float) -> None:
        row = self.model.row(task_id)
        if row is None:
            return
        if not row.source or not os.path.exists(row.source):
            self.message.emit(
                "The audio of this task is no longer available (uploads are deleted once "
                "transcribed)"
            )
            return
        self.player.play(task_id, row.source, start)

    def close(self) -> None:
        self.player.stop()
        self.jobs.close()
