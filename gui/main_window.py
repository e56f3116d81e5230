"""The Stackscribe window: drop files, watch the stack, read, export, play and record."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QSplitter, QTabWidget, QToolBar, QVBoxLayout, QWidget

from engine import EngineState, EngineStatus, Task
from gui import dialogs, icons, media
from gui.collector import GuiThreadCollector
from gui.drop_zone import DropZone
from gui.folder_watch import FolderWatch
from gui.jobs import Jobs
from gui.recording import audio_devices
from gui.recording.audio_devices import AudioDevices
from gui.recording.panel import RecordPanel
from gui.session import Backend, BackendFactory, Session
from gui.settings.dialog import SettingsDialog
from gui.settings.preferences import PreferenceStore
from gui.settings.window import WindowSettings
from gui.status_bar import StatusBar
from gui.task_actions import TaskActions
from gui.tasks.edits import TaskEdits
from gui.tasks.model import TaskModel
from gui.tasks.table import TaskTable
from gui.transcript.playback import Player
from gui.transcript.view import TranscriptView

log = logging.getLogger(__name__)

SETTLED = (EngineState.READY, EngineState.UNAVAILABLE, EngineState.STOPPED)
RECORDING_GRACE_MS = 15_000  # closing waits this long at most for a recording to save


class MainWindow(QMainWindow):
    """The main window; it hosts the engine and the HTTP server through ``factory``.

    ``quit_after`` (seconds): close by itself that long after the engine is ready or has
    failed (``STACKSCRIBE_QUIT_AFTER``, see :mod:`gui`).

    Signals:
        closed(): the server and the engine are stopped and the window is closed.
    """

    closed = Signal()

    def __init__(
        self,
        settings: WindowSettings,
        factory: BackendFactory,
        store: PreferenceStore | None = None,
        probe_audio: Callable[[], AudioDevices] = audio_devices.probe,
        quit_after: float | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle("Stackscribe")
        # Listener and engine threads share this process: cycles are collected here only.
        self.collector = GuiThreadCollector(self)
        self.collector.start()
        self.store = store or PreferenceStore.for_settings(settings)
        self.settings = self.store.engine_settings(settings)
        self.preferences = self.store.preferences()
        self.quit_after = quit_after
        self._quit_scheduled = False
        self._state = "open"  # open -> closing -> closed
        self._force_close = False
        self._backend_stopping = False
        self.session = Session(factory, self)
        self.jobs = Jobs("window", workers=2, parent=self)
        self.model = TaskModel(self)
        self.player = Player(parent=self)
        self.task_actions = TaskActions(self, self.model, self.session, self.store, self.player)
        self.task_edits = TaskEdits(self.model, self.session, self)
        self.folder_watch = FolderWatch(self.settings.data_path, self)
        self._build()
        self._connect()
        self._restore_layout()
        self.session.start(self.settings)
        self.jobs.run(probe_audio, on_done=self._on_devices)
        self._ticker = QTimer(self, interval=1000)
        self._ticker.timeout.connect(self.model.tick)
        self._ticker.start()

    # -- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        self.drop_zone = DropZone()
        self.drop_zone.last_folder = self.store.value("paths/last_folder")
        self.table = TaskTable(self.model)
        self.transcript = TranscriptView()
        folder = Path(self.settings.data_path) / "recordings"
        self.record_panel = RecordPanel(folder)
        self.record_panel.options = self.preferences.options()
        self.splitter = QSplitter()
        self.splitter.addWidget(self._tasks_pane())
        self.splitter.addWidget(self._side_pane())
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([780, 500])
        self.setCentralWidget(self.splitter)
        self.status = StatusBar()
        self.setStatusBar(self.status)
        self._build_toolbar()
        self.setAcceptDrops(True)
        self.resize(1280, 780)

    def _tasks_pane(self) -> QWidget:
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(12, 12, 6, 12)
        column.setSpacing(10)
        column.addWidget(self.drop_zone)
        column.addWidget(self.table, 1)
        return left

    def _side_pane(self) -> QWidget:
        self.tabs = QTabWidget()
        self.tabs.addTab(self.transcript, icons.icon("open"), "Transcript")
        self.tabs.addTab(self.record_panel, icons.icon("mic"), "Live recording")
        right = QWidget()
        side = QVBoxLayout(right)
        side.setContentsMargins(6, 12, 12, 12)
        side.addWidget(self.tabs)
        return right

    def _build_toolbar(self) -> None:
        bar = QToolBar("Main")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.setIconSize(QSize(18, 18))
        bar.setObjectName("main-toolbar")
        self.addToolBar(bar)
        add_files = QAction(icons.icon("add"), "Add files…", self)
        add_files.setShortcut(QKeySequence.StandardKey.Open)
        add_files.triggered.connect(self.drop_zone.choose_files)
        add_folder = QAction(icons.icon("folder"), "Add folder…", self)
        add_folder.triggered.connect(self.drop_zone.choose_folder)
        self.settings_action = QAction(icons.icon("settings"), "Settings…", self)
        self.settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        self.settings_action.triggered.connect(self.open_settings)
        find = QAction(self, shortcut=QKeySequence(QKeySequence.StandardKey.Find))
        find.triggered.connect(self._focus_search)
        quit_action = QAction(self, shortcut=QKeySequence(QKeySequence.StandardKey.Quit))
        quit_action.triggered.connect(self.close)
        self.addActions([find, quit_action])
        for action in (add_files, add_folder, self.settings_action):
            bar.addAction(action)

    def _focus_search(self) -> None:
        self.tabs.setCurrentWidget(self.transcript)
        self.transcript.search.setFocus()

    def _connect(self) -> None:
        s = self.session
        s.started.connect(self._on_started)
        s.start_failed.connect(self._on_start_failed)
        s.stopped.connect(self._on_stopped)
        s.engine_changed.connect(self._on_engine)
        s.task_event.connect(self.model.apply)
        s.positions_changed.connect(self.model.set_positions)
        s.tasks_listed.connect(self.model.add_tasks)
        s.task_fetched.connect(self.model.add_task)
        s.submitted.connect(self.model.add_task)
        s.rejected.connect(self._on_rejected)
        s.requeued.connect(self._on_requeued)
        s.error.connect(self.status.notify)
        self.model.unknown_task.connect(s.fetch)
        self._connect_widgets()

    def _connect_widgets(self) -> None:
        self.model.task_changed.connect(self._on_task_changed)
        self.model.segment_added.connect(self.transcript.add_segment)
        self.drop_zone.paths_dropped.connect(self.add_paths)
        self.table.action_requested.connect(self.task_actions.run)
        self.task_actions.opened.connect(self.open_task)
        self.task_actions.message.connect(self.status.notify)
        self.table.current_changed.connect(self._show_task)
        self.transcript.export_requested.connect(self.task_actions.export)
        self.transcript.layout_requested.connect(self.task_actions.edit_layout)
        self.transcript.play_requested.connect(self.task_actions.play)
        self.transcript.stop_requested.connect(self.player.stop)
        self.transcript.copied.connect(lambda n: self.status.notify(f"Copied {n} segment(s)"))
        self.transcript.editor.edit_requested.connect(self.task_edits.apply)
        self.transcript.editor.undo_requested.connect(self.task_edits.undo)
        self.transcript.editor.refused.connect(self.status.notify)
        self.task_edits.undo_changed.connect(self.transcript.editor.set_can_undo)
        self.player.started.connect(self._on_playing)
        self.player.finished.connect(self._on_played)
        self.player.failed.connect(self.status.notify)
        self.record_panel.queue_file.connect(lambda path: self._submit_files([path]))
        self.record_panel.message.connect(self.status.notify)
        self.folder_watch.reported.connect(self._on_watched)
        self.record_panel.recording_changed.connect(
            lambda on: self.settings_action.setEnabled(not on)
        )

    # -- backend -------------------------------------------------------------------------

    def _on_started(self, backend: Backend) -> None:
        self.settings = backend.settings
        self.status.show_backend("", backend.urls(), backend.server_error)
        self.jobs.run(  # a Redis stack answers over the network
            backend.service.backend,
            on_done=lambda health: self.status.show_backend(
                health.get("backend", ""), backend.urls(), backend.server_error
            ),
        )
        if backend.server_error:
            self.status.notify(f"The HTTP server is not running: {backend.server_error}", 20)
        self.record_panel.set_service(backend.service)
        self.settings_action.setEnabled(not self.record_panel.recording)
        self.folder_watch.follow(backend.service, self.preferences, self.settings)

    def _on_start_failed(self, message: str) -> None:
        self.status.show_engine(EngineStatus(state=EngineState.UNAVAILABLE, error=message))
        self.status.notify(f"The engine could not start: {message}", 30)
        self.settings_action.setEnabled(True)
        self._schedule_quit()

    def _on_engine(self, status: EngineStatus) -> None:
        self.status.show_engine(status)
        if status.state == EngineState.UNAVAILABLE and status.error:
            self.status.notify(status.error, 30)
        if status.state in SETTLED:
            self._schedule_quit()

    def _on_devices(self, devices: AudioDevices) -> None:
        self.record_panel.set_devices(devices)
        self.player.device = devices.output
        self.transcript.set_playback(devices.can_play, devices.output_problem)

    # -- files ---------------------------------------------------------------------------

    def add_paths(self, paths: list[str]) -> None:
        """Queue dropped or picked files; folders are searched off the GUI thread."""
        self.store.set_value("paths/last_folder", self.drop_zone.last_folder)
        self.jobs.run(media.expand_media, paths, on_done=self._submit_files)

    def _submit_files(self, files: list[str]) -> None:
        if not files:
            self.status.notify("No audio or video files were found there")
            return
        self.status.notify(f"Adding {len(files)} file(s)…", 3)
        self.session.submit(files, self.preferences.options())

    def _on_watched(self, path: str, what: str, detail: str) -> None:
        name = os.path.basename(path)
        if what == "failed":
            self.status.notify(f"{name} (watched folder) failed: {detail}", 15)
        elif what == "done":
            self.status.notify(f"{name} (watched folder): wrote {detail}", 10)

    def _on_rejected(self, path: str, reason: str) -> None:
        self.status.notify(f"{os.path.basename(path)} was not added: {reason}", 15)

    def _on_requeued(self, pairs: list[tuple[str, Task]]) -> None:
        for old_id, task in pairs:
            self.model.replace(old_id, task)

    # -- tasks -------------------------------------------------------------------------

    def open_task(self, task_id: str) -> None:
        self.table.select_task(task_id)
        self._show_task(task_id)
        self.tabs.setCurrentWidget(self.transcript)

    def _show_task(self, task_id: str) -> None:
        self.transcript.show_task(self.model.row(task_id) if task_id else None)
        self.transcript.editor.set_can_undo(task_id, self.task_edits.can_undo(task_id))

    def _on_task_changed(self, task_id: str) -> None:
        row = self.model.row(task_id)
        if row is not None:
            self.transcript.refresh(row)

    def _on_playing(self, _task_id: str) -> None:
        self.transcript.set_playing(True)

    def _on_played(self, _task_id: str) -> None:
        self.transcript.set_playing(False)

    # -- settings ------------------------------------------------------------------------

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.settings, self.preferences, self)
        dialog.accepted.connect(lambda: self.apply_settings(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def apply_settings(self, dialog: SettingsDialog) -> None:
        self.preferences = dialog.preferences()
        self.store.save_preferences(self.preferences)
        self.record_panel.options = self.preferences.options()
        service = self.session.backend.service if self.session.backend else None
        self.folder_watch.follow(service, self.preferences, self.settings)
        if not dialog.engine_changed():
            return
        question = (
            "The engine and the server restart with the new settings. Queued tasks "
            "are queued again; a running task starts over."
        )
        if not dialogs.confirm(self, "Restart the engine?", question, "Restart"):
            return
        new = dialog.settings()
        self.store.save_engine(new)
        self.settings = new
        self.status.show_engine(None)
        self.status.show_backend("", {}, None)
        self.record_panel.set_service(None)
        self.folder_watch.stop()  # it follows the new engine once that has started
        self.settings_action.setEnabled(False)
        self.session.restart(new)

    # -- closing -------------------------------------------------------------------------

    def _schedule_quit(self) -> None:
        if self.quit_after is None or self._quit_scheduled:
            return
        self._quit_scheduled = True
        log.info("Closing in %.1f s (STACKSCRIBE_QUIT_AFTER)", self.quit_after)
        QTimer.singleShot(round(self.quit_after * 1000), lambda: self.request_close(force=True))

    @property
    def lifecycle(self) -> str:
        """open, closing (stopping the engine) or closed."""
        return self._state

    def request_close(self, force: bool = False) -> None:
        """Close as the window's close button does; ``force`` skips the question."""
        self._force_close = self._force_close or force
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._state == "closed":
            event.accept()
            return
        event.ignore()
        if self._state == "closing" or not (self._force_close or self._may_close()):
            return
        self._state = "closing"
        self._save_layout()
        self.task_actions.close()
        self.folder_watch.stop()
        self._ticker.stop()
        self.splitter.setEnabled(False)
        if not self.record_panel.recording:
            self._stop_backend()
            return
        # Let the recording save its last words first (but never wait forever).
        self.status.notify("Saving the recording…", 60)
        self.record_panel.recording_changed.connect(self._stop_backend)
        QTimer.singleShot(RECORDING_GRACE_MS, self._stop_backend)
        self.record_panel.stop()

    def _stop_backend(self, *_args: object) -> None:
        if self._backend_stopping:
            return
        self._backend_stopping = True
        self.status.notify("Stopping the engine…", 60)
        self.session.close()

    def _may_close(self) -> bool:
        active = len(self.model.active())
        if not active and not self.record_panel.recording:
            return True
        parts = [f"{active} task(s) are still queued or running"] if active else []
        if self.record_panel.recording:
            parts.append("a recording is in progress")
        text = " and ".join(parts).capitalize() + ". Quit anyway? Unfinished work is lost."
        return dialogs.confirm(self, "Quit Stackscribe?", text, "Quit")

    def _on_stopped(self) -> None:
        self._state = "closed"
        self.jobs.close()
        self.close()
        self.collector.stop()
        self.closed.emit()

    def _save_layout(self) -> None:
        self.store.save_window_state(
            geometry=self.saveGeometry(), splitter=self.splitter.saveState()
        )

    def _restore_layout(self) -> None:
        saved = self.store.window_state()
        if "geometry" in saved:
            self.restoreGeometry(saved["geometry"])
        if "splitter" in saved:
            self.splitter.restoreState(saved["splitter"])

    # -- drops anywhere on the window ----------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        self.drop_zone.dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        self.drop_zone.dragMoveEvent(event)

    def dragLeaveEvent(self, event) -> None:
        self.drop_zone.dragLeaveEvent(event)

    def dropEvent(self, event) -> None:
        self.drop_zone.dropEvent(event)
