"""The task table: status pills, progress bars and a row of action buttons per task."""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QModelIndex, QPoint, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence, QMouseEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolTip,
    QWidget,
)

from gui import icons
from gui.style import ACCENT, MUTED, STATUS_COLORS, TEXT, TRACK
from gui.tasks.model import (
    ACTIONS,
    ACTIONS_ROLE,
    PROGRESS_ROLE,
    STATUS_ROLE,
    TASK_ID_ROLE,
    Column,
    Index,
    TaskModel,
)

log = logging.getLogger(__name__)

LABELS = {
    "cancel": "Cancel",
    "retry": "Retry",
    "open": "Open transcript",
    "export": "Export…",
    "remove": "Remove from list",
}
_BUTTON = 24  # px, one action button
_GAP = 2


class StatusDelegate(QStyledItemDelegate):
    """A coloured pill with the status name."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        self.initStyleOption(option, index)
        option.text = ""
        option.widget.style().drawControl(
            option.widget.style().ControlElement.CE_ItemViewItem, option, painter, option.widget
        )
        status = index.data(STATUS_ROLE)
        color = QColor(STATUS_COLORS.get(status, "#64748b"))
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        width = option.fontMetrics.horizontalAdvance(text) + 20
        rect = QRectF(0, 0, width, 22)
        rect.moveCenter(QRectF(option.rect).center())
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fill = QColor(color)
        fill.setAlpha(30)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 11, 11)
        painter.setPen(color.darker(115))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


class ProgressDelegate(QStyledItemDelegate):
    """A slim bar in the status colour, with the percentage beside it."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        self.initStyleOption(option, index)
        option.widget.style().drawControl(
            option.widget.style().ControlElement.CE_ItemViewItem, option, painter, option.widget
        )
        progress = float(index.data(PROGRESS_ROLE) or 0.0)
        status = index.data(STATUS_ROLE)
        rect = QRectF(option.rect).adjusted(10, 0, -48, 0)
        bar = QRectF(rect.left(), rect.center().y() - 3, max(rect.width(), 10), 6)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(TRACK))
        painter.drawRoundedRect(bar, 3, 3)
        if progress > 0:
            done = QRectF(bar.left(), bar.top(), max(6.0, bar.width() * progress), bar.height())
            painter.setBrush(QColor(STATUS_COLORS.get(status, ACCENT)))
            painter.drawRoundedRect(done, 3, 3)
        painter.setPen(QColor(TEXT))
        label = QRectF(bar.right() + 6, option.rect.top(), 40, option.rect.height())
        alignment = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        painter.drawText(label, alignment, f"{progress:.0%}")
        painter.restore()


class ActionsDelegate(QStyledItemDelegate):
    """One small button per action; those that do not apply now are greyed out.

    Signals:
        triggered(str, str): an action button was clicked (task id, action name).
    """

    triggered = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._icons = {name: icons.icon(name) for name in ACTIONS}

    @staticmethod
    def button_rect(cell: QRect, action: str) -> QRect:
        width = len(ACTIONS) * _BUTTON + (len(ACTIONS) - 1) * _GAP
        left = cell.left() + max(4, (cell.width() - width) // 2)
        top = cell.top() + (cell.height() - _BUTTON) // 2
        return QRect(left + ACTIONS.index(action) * (_BUTTON + _GAP), top, _BUTTON, _BUTTON)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        self.initStyleOption(option, index)
        option.widget.style().drawControl(
            option.widget.style().ControlElement.CE_ItemViewItem, option, painter, option.widget
        )
        enabled = index.data(ACTIONS_ROLE) or frozenset()
        for name in ACTIONS:
            mode = icons.QIcon.Mode.Normal if name in enabled else icons.QIcon.Mode.Disabled
            rect = self.button_rect(option.rect, name).adjusted(4, 4, -4, -4)
            self._icons[name].paint(painter, rect, Qt.AlignmentFlag.AlignCenter, mode)

    def editorEvent(self, event: QEvent, model, option: QStyleOptionViewItem, index) -> bool:
        if event.type() != QEvent.Type.MouseButtonRelease or not isinstance(event, QMouseEvent):
            return False
        enabled = index.data(ACTIONS_ROLE) or frozenset()
        for name in ACTIONS:
            if self.button_rect(option.rect, name).contains(event.position().toPoint()):
                if name in enabled:
                    self.triggered.emit(index.data(TASK_ID_ROLE), name)
                return True
        return False

    def helpEvent(self, event, view, option, index) -> bool:
        for name in ACTIONS:
            if self.button_rect(option.rect, name).contains(event.pos()):
                QToolTip.showText(event.globalPos(), LABELS[name], view)
                return True
        return super().helpEvent(event, view, option, index)


class TaskTable(QTableView):
    """The tasks, newest first, with their actions (buttons, context menu, keys).

    Signals:
        action_requested(str, str): task id and one of cancel, retry, open, export, remove.
        current_changed(str): the selected task (empty when none).
    """

    action_requested = Signal(str, str)
    current_changed = Signal(str)

    def __init__(self, model: TaskModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.task_model = model
        self.actions_delegate = ActionsDelegate(self)
        self.actions_delegate.triggered.connect(self.action_requested)
        self.setItemDelegateForColumn(Column.STATUS, StatusDelegate(self))
        self.setItemDelegateForColumn(Column.PROGRESS, ProgressDelegate(self))
        self.setItemDelegateForColumn(Column.ACTIONS, self.actions_delegate)
        self._setup_view()
        self._setup_keys()
        self.selectionModel().currentRowChanged.connect(self._on_current)
        self.doubleClicked.connect(self._on_double_click)

    def _setup_view(self) -> None:
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setMouseTracking(True)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(38)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(Column.FILE, QHeaderView.ResizeMode.Stretch)
        widths = {
            Column.DURATION: 76,
            Column.STATUS: 112,
            Column.POSITION: 64,
            Column.PROGRESS: 150,
            Column.ETA: 64,
            Column.ACTIONS: len(ACTIONS) * (_BUTTON + _GAP) + 12,
        }
        for column, width in widths.items():
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            self.setColumnWidth(column, width)

    def _setup_keys(self) -> None:
        for action, keys in (
            ("remove", QKeySequence.StandardKey.Delete),
            ("open", QKeySequence(Qt.Key.Key_Return)),
        ):
            shortcut = QAction(self)
            shortcut.setShortcut(keys)
            shortcut.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.triggered.connect(lambda _=False, a=action: self._on_key(a))
            self.addAction(shortcut)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.task_model.rowCount():
            return
        painter = QPainter(self.viewport())
        painter.setPen(QColor(MUTED))
        painter.drawText(
            self.viewport().rect().adjusted(20, 20, -20, -20),
            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
            "No tasks yet.\nDrop audio or video files here, or use Add files…",
        )
        painter.end()

    def current_task(self) -> str:
        index = self.currentIndex()
        return index.data(TASK_ID_ROLE) if index.isValid() else ""

    def select_task(self, task_id: str) -> None:
        row = self.task_model.row(task_id)
        if row is not None:
            self.selectRow(self.task_model.rows().index(row))

    def trigger(self, task_id: str, action: str) -> bool:
        """Run a row action as its button would; False when it does not apply now."""
        row = self.task_model.row(task_id)
        if row is None or action not in row.actions():
            return False
        self.action_requested.emit(task_id, action)
        return True

    def action_button_center(self, task_id: str, action: str) -> QPoint:
        """Where the button of ``action`` is drawn for ``task_id`` (viewport coordinates)."""
        task = self.task_model.row(task_id)
        if task is None:
            raise ValueError(f"task {task_id} is not in the table")
        row = self.task_model.rows().index(task)
        cell = self.visualRect(self.task_model.index(row, Column.ACTIONS))
        return ActionsDelegate.button_rect(cell, action).center()

    def _on_key(self, action: str) -> None:
        task_id = self.current_task()
        if task_id:
            self.trigger(task_id, action)

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.current_changed.emit(current.data(TASK_ID_ROLE) if current.isValid() else "")

    def _on_double_click(self, index: QModelIndex) -> None:
        if index.column() != Column.ACTIONS:
            self.trigger(index.data(TASK_ID_ROLE), "open")

    def _context_menu(self, pos: QPoint) -> None:
        index = self.indexAt(pos)
        if not index.isValid():
            return
        task_id = index.data(TASK_ID_ROLE)
        enabled = index.data(ACTIONS_ROLE) or frozenset()
        menu = QMenu(self)
        for name in ACTIONS:
            action = menu.addAction(icons.icon(name), LABELS[name])
            action.setEnabled(name in enabled)
            action.triggered.connect(lambda _=False, n=name: self.action_requested.emit(task_id, n))
        menu.popup(self.viewport().mapToGlobal(pos))
