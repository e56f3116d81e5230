"""Where files and folders come in: dragged onto the window or picked in a dialog."""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui import dialogs, icons
from gui.media import dialog_filter
from gui.style import ACCENT

log = logging.getLogger(__name__)


class DropZone(QFrame):
    """Takes local files and folders by drag and drop or through "Add files…"/"Add folder…".

    Folders are expanded later, off the GUI thread (see :func:`gui.media.expand_media`).

    Signals:
        paths_dropped(list): local paths, in the order they were dropped or picked.
    """

    paths_dropped = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setAcceptDrops(True)
        self.setProperty("hovering", False)
        self.last_folder = ""
        self.add_files_button = QPushButton(icons.icon("add", ACCENT), "Add files…")
        self.add_folder_button = QPushButton(icons.icon("folder", ACCENT), "Add folder…")
        self.add_files_button.clicked.connect(self.choose_files)
        self.add_folder_button.clicked.connect(self.choose_folder)
        self._build()

    def _build(self) -> None:
        glyph = QLabel()
        glyph.setPixmap(icons.pixmap("export", ACCENT, 34))
        title = QLabel("Drop audio or video files or folders here")
        title.setObjectName("heading")
        hint = QLabel("Folders are searched recursively · the last file added is transcribed first")
        hint.setObjectName("muted")
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(title)
        text.addWidget(hint)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(14)
        layout.addWidget(glyph)
        layout.addLayout(text, 1)
        for button in (self.add_files_button, self.add_folder_button):
            button.setIconSize(QSize(18, 18))
            layout.addWidget(button)

    # -- dialogs -------------------------------------------------------------------------

    def choose_files(self) -> None:
        paths = dialogs.open_files(self, self.last_folder, dialog_filter())
        self._emit(paths)

    def choose_folder(self) -> None:
        folder = dialogs.open_folder(self, self.last_folder)
        self._emit([folder] if folder else [])

    # -- drag and drop -------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _local_paths(event):
            event.acceptProposedAction()
            self._hover(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if _local_paths(event):
            event.acceptProposedAction()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._hover(False)

    def dropEvent(self, event: QDropEvent) -> None:
        self._hover(False)
        paths = _local_paths(event)
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self._emit(paths)

    def _emit(self, paths: list[str]) -> None:
        if not paths:
            return
        self.last_folder = os.path.dirname(os.path.abspath(paths[-1]))
        log.debug("Adding %d path(s)", len(paths))
        self.paths_dropped.emit(list(paths))

    def _hover(self, on: bool) -> None:
        self.setProperty("hovering", on)
        self.style().unpolish(self)
        self.style().polish(self)


def _local_paths(event: QDropEvent | QDragEnterEvent) -> list[str]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
