"""The window's watched folder (Settings > Watched folder): new files in it are queued.

A :class:`engine.service.watch.FolderWatcher` runs on the hosted task service in a thread of its
own, so its tasks appear in the table like dropped files; their transcripts are written
next to them in the formats chosen. What it did is kept in the data folder
(``watched.sqlite3``, shared with ``python -m app watch``): reopening the window does not
queue a finished file again.
"""

from __future__ import annotations

import logging
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Signal

from engine import WATCH_STATE_FILE, FolderWatcher, TaskService, WatchConfig, WatchState
from gui.settings.preferences import Preferences
from gui.settings.window import WindowSettings

log = logging.getLogger(__name__)


class FolderWatch(QObject):
    """Starts, moves and stops the watcher as the settings and the backend change.

    Signals:
        reported(str, str, str): a file's path, what happened (queued, done, failed,
            cancelled, waiting) and the detail (files written, or why).
    """

    reported = Signal(str, str, str)

    def __init__(self, data_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state_path = Path(data_path) / WATCH_STATE_FILE
        self._state: WatchState | None = None
        self.watcher: FolderWatcher | None = None
        self._config: WatchConfig | None = None
        self._service: TaskService | None = None

    @property
    def folder(self) -> Path | None:
        return self.watcher.folder if self.watcher is not None else None

    def follow(
        self, service: TaskService | None, preferences: Preferences, settings: WindowSettings
    ) -> None:
        """Watch what ``preferences`` name on ``service`` (None: stop watching)."""
        config = _config(preferences, settings)
        if service is self._service and config == self._config:
            return
        self.stop()
        if service is None or config is None:
            return
        if not config.folder.is_dir():
            self.reported.emit(str(config.folder), "failed", "the watched folder does not exist")
            return
        if self._state is None:
            self._state = WatchState(self._state_path)
        self._service, self._config = service, config
        self.watcher = FolderWatcher(service, config, self._state, report=self._relay)
        self.watcher.start()
        log.info("Watching %s", config.folder)

    def stop(self) -> None:
        """Stop looking (without waiting: the watcher's thread ends after its current step)."""
        if self.watcher is not None:
            self.watcher.stop(timeout=0)
        self.watcher = self._service = self._config = None

    def _relay(self, path: str, what: str, detail: str) -> None:
        if shiboken6.isValid(self):  # the window may be gone while the thread ends
            self.reported.emit(path, what, detail)


def _config(preferences: Preferences, settings: WindowSettings) -> WatchConfig | None:
    if not preferences.watch_folder.strip():
        return None
    names = tuple(f for f in preferences.watch_formats.split(",") if f.strip()) or ("txt",)
    return WatchConfig(
        folder=Path(preferences.watch_folder.strip()).expanduser(),
        formats=names,
        options=preferences.options(),
        poll_seconds=settings.watch_poll_seconds,
        settle_seconds=settings.watch_settle_seconds,
    )
