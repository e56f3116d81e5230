"""A task's transcript: segments with times, filled live, searchable, copyable, playable."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QStackedLayout,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine import TaskStatus
from gui import icons
from gui.media import EXPORT_FORMATS, FORMAT_LABELS
from gui.style import ACCENT, MUTED
from gui.tasks.model import TaskRow, clock
from gui.transcript.segment_editing import SegmentEditor

log = logging.getLogger(__name__)

START_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


class SegmentModel(QAbstractTableModel):
    """Segments as rows: start time and text; the text is editable while ``editable``.

    Signals:
        text_edited(int, str): the person typed new text for segment ``row``.
    """

    text_edited = Signal(int, str)

    def __init__(self) -> None:
        super().__init__()
        self.segments: list[dict[str, Any]] = []
        self.editable = False

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if self.editable and index.isValid() and index.column() == 1:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not (self.editable and index.isValid() and role == Qt.ItemDataRole.EditRole):
            return False
        text = str(value).strip()
        if text != self.segments[index.row()]["text"].strip():
            self.text_edited.emit(index.row(), text)  # queued: the edit comes back as a reset
        return True

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.segments)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 2

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return ("Time", "Text")[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        segment = self.segments[index.row()]
        if role == START_ROLE:
            return float(segment["start"])
        if index.column() == 1:
            shown = role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole)
            return segment["text"].strip() if shown else None
        values = {
            Qt.ItemDataRole.DisplayRole: lambda: clock_ms(segment["start"]),
            Qt.ItemDataRole.ToolTipRole: lambda: (
                f"{clock_ms(segment['start'])} → {clock_ms(segment['end'])}"
            ),
            Qt.ItemDataRole.ForegroundRole: lambda: QGuiApplication.palette().placeholderText(),
        }
        value = values.get(Qt.ItemDataRole(role))
        return value() if value else None

    def reset(self, segments: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.segments = list(segments)
        self.endResetModel()

    def append(self, segment: dict[str, Any]) -> None:
        row = len(self.segments)
        self.beginInsertRows(QModelIndex(), row, row)
        self.segments.append(segment)
        self.endInsertRows()


def clock_ms(seconds: float) -> str:
    """``m:ss.s`` (or ``h:mm:ss.s``), as players show a position."""
    tenths = round(float(seconds) * 10)
    whole, tenth = divmod(tenths, 10)
    return f"{clock(whole)}.{tenth}"


class TranscriptView(QWidget):
    """The transcript of the selected task.

    Signals:
        export_requested(str, str): task id and format (txt, srt, vtt, json, tsv).
        layout_requested(): the person wants to set the subtitle layout of exports.
        play_requested(str, float): task id and the second to play from.
        stop_requested(): stop playing.
        copied(int): this many segments were copied to the clipboard.
    """

    export_requested = Signal(str, str)
    layout_requested = Signal()
    play_requested = Signal(str, float)
    stop_requested = Signal()
    copied = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.task_id = ""
        self.status: TaskStatus | None = None
        self.segments = SegmentModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.segments)
        self.proxy.setFilterKeyColumn(1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._playing = False
        self._can_play = False
        self._play_reason = "No audio output device"
        self._build()
        self.show_task(None)

    # -- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        self.title = QLabel()
        self.title.setObjectName("heading")
        self.title.setMinimumWidth(60)
        self.meta = QLabel()
        self.meta.setObjectName("muted")
        self.search = QLineEdit(placeholderText="Search the transcript")
        self.search.addAction(icons.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.matches = QLabel()
        self.matches.setObjectName("muted")
        self.copy_button = _button("copy", "Copy", "Copy the selected segments, or all of them")
        self.copy_button.clicked.connect(self.copy)
        self.export_button = self._export_button()
        self.play_button = _button("play", "Play", "Play from the selected segment")
        self.play_button.clicked.connect(self._toggle_play)
        self.table = self._segment_table()
        self.editor = SegmentEditor(self.table, self.proxy)
        self.segments.text_edited.connect(
            self.editor.text_edited, Qt.ConnectionType.QueuedConnection
        )
        self.placeholder = QLabel(
            "Select a task to read its transcript.\nDouble-click a segment to play from it."
        )
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet(f"color: {MUTED};")
        self._lay_out()

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        header = QHBoxLayout()
        heading = QVBoxLayout()
        heading.setSpacing(2)
        heading.addWidget(self.title)
        heading.addWidget(self.meta)
        header.addLayout(heading, 1)
        for button in (self.copy_button, self.export_button, self.play_button):
            header.addWidget(button)
        layout.addLayout(header)
        search = QHBoxLayout()
        search.addWidget(self.search, 1)
        search.addWidget(self.matches)
        self.matches.hide()
        layout.addLayout(search)
        layout.addWidget(self.editor)
        self._stack = QStackedLayout()
        self._stack.addWidget(self.placeholder)
        self._stack.addWidget(self.table)
        layout.addLayout(self._stack, 1)

    def _segment_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.proxy)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setShowGrid(False)
        table.setWordWrap(True)
        table.verticalHeader().hide()
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.setColumnWidth(0, 78)
        table.setAlternatingRowColors(True)
        table.doubleClicked.connect(lambda index: self.play_from(index.data(START_ROLE)))
        return table

    def _export_button(self) -> QToolButton:
        button = QToolButton()
        button.setText("Export")
        button.setIcon(icons.icon("export", ACCENT))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        for fmt in EXPORT_FORMATS:
            action = menu.addAction(FORMAT_LABELS[fmt])
            action.triggered.connect(lambda _=False, f=fmt: self._export(f))
        menu.addSeparator()
        self.layout_action = menu.addAction("Subtitle layout…")
        self.layout_action.triggered.connect(self.layout_requested.emit)
        button.setMenu(menu)
        return button

    def _export(self, fmt: str) -> None:
        if self.task_id:
            self.export_requested.emit(self.task_id, fmt)

    # -- content -------------------------------------------------------------------------

    def show_task(self, row: TaskRow | None) -> None:
        """Show ``row``'s transcript (its live segments while it runs), or the placeholder."""
        self.task_id = row.id if row else ""
        self.status = row.status if row else None
        self.segments.reset(row.segments if row else [])
        self._stack.setCurrentIndex(1 if row else 0)
        self.title.setText(row.filename if row else "Transcript")
        self._update_meta(row)
        self._update_buttons()
        self._filter(self.search.text())
        self._update_editor(row)

    def refresh(self, row: TaskRow) -> None:
        """The shown task changed status (or got its result)."""
        if row.id != self.task_id:
            return
        done = row.status == TaskStatus.COMPLETED and row.segments != self.segments.segments
        if done or len(row.segments) < len(self.segments.segments):
            self.segments.reset(row.segments)  # (an unchanged one keeps an open editor)
        self.status = row.status
        self._update_meta(row)
        self._update_buttons()
        self._filter(self.search.text())
        self._update_editor(row)

    def _update_editor(self, row: TaskRow | None) -> None:
        done = row is not None and row.status == TaskStatus.COMPLETED and row.result is not None
        self.segments.editable = done
        self.editor.set_task(row.id if row else "", row.result if done and row else None)

    def add_segment(self, task_id: str, segment: dict[str, Any]) -> None:
        if task_id == self.task_id:
            self.segments.append(segment)
            self._filter(self.search.text())
            if not self.search.text():
                self.table.scrollToBottom()

    def _update_meta(self, row: TaskRow | None) -> None:
        if row is None:
            self.meta.setText("")
            return
        parts = [row.status.value.capitalize()]
        if row.duration:
            parts.append(clock(row.duration))
        language = (row.result or {}).get("language") or row.options.language
        if language:
            parts.append(language)
        if row.error:
            parts.append(row.error)
        if row.edited:
            parts.append("edited")
        self.meta.setText(" · ".join(parts))

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        total = self.segments.rowCount()
        shown = self.proxy.rowCount()
        self.matches.setText(f"{shown} of {total}" if text else "")
        self.matches.setVisible(bool(text))

    def visible_text(self) -> list[str]:
        return [self.proxy.index(r, 1).data() for r in range(self.proxy.rowCount())]

    # -- actions -------------------------------------------------------------------------

    def copy(self) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        if not rows:
            rows = list(range(self.proxy.rowCount()))
        lines = [self.proxy.index(r, 1).data() for r in rows]
        QGuiApplication.clipboard().setText("\n".join(lines) + ("\n" if lines else ""))
        self.copied.emit(len(lines))

    def play_from(self, start: float | None) -> None:
        if self.task_id and self._can_play and start is not None:
            self.play_requested.emit(self.task_id, float(start))

    def _toggle_play(self) -> None:
        if self._playing:
            self.stop_requested.emit()
            return
        index = self.table.currentIndex()
        start = index.data(START_ROLE) if index.isValid() else 0.0
        self.play_from(start)

    def set_playback(self, available: bool, reason: str = "") -> None:
        self._can_play = available
        self._play_reason = reason
        self._update_buttons()

    def set_playing(self, playing: bool) -> None:
        self._playing = playing
        self.play_button.setText("Stop" if playing else "Play")
        self.play_button.setIcon(icons.icon("stop" if playing else "play", ACCENT))
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_text = bool(self.segments.segments)
        self.copy_button.setEnabled(has_text)
        self.export_button.setEnabled(self.status == TaskStatus.COMPLETED)
        self.play_button.setEnabled(self._playing or (self._can_play and bool(self.task_id)))
        self.play_button.setToolTip(
            "Play from the selected segment" if self._can_play else self._play_reason
        )


def _button(icon_name: str, text: str, tip: str) -> QPushButton:
    button = QPushButton(icons.icon(icon_name, ACCENT), text)
    button.setToolTip(tip)
    button.setIconSize(QSize(16, 16))
    return button
