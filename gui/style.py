"""The window's look: one palette, status colours and a style sheet, applied once."""

from __future__ import annotations

from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from engine import TaskStatus

ACCENT = "#2563eb"
TEXT = "#0f172a"
MUTED = "#64748b"
BORDER = "#d7dde5"
SURFACE = "#ffffff"
BACKGROUND = "#f3f5f8"
TRACK = "#e2e8f0"

STATUS_COLORS: dict[TaskStatus, str] = {
    TaskStatus.QUEUED: "#64748b",
    TaskStatus.PROCESSING: "#2563eb",
    TaskStatus.COMPLETED: "#16a34a",
    TaskStatus.FAILED: "#dc2626",
    TaskStatus.CANCELLED: "#d97706",
}

STYLE_SHEET = f"""
QMainWindow, QDialog {{ background: {BACKGROUND}; }}
QToolBar {{ background: {SURFACE}; border: none; border-bottom: 1px solid {BORDER};
    padding: 4px 8px; spacing: 6px; }}
QToolBar QToolButton {{ padding: 5px 10px; border-radius: 6px; color: {TEXT}; }}
QToolBar QToolButton:hover {{ background: #eef2ff; }}
QTableView, QListView, QPlainTextEdit, QTextEdit {{ background: {SURFACE};
    border: 1px solid {BORDER}; border-radius: 8px; color: {TEXT};
    selection-background-color: #dbeafe; selection-color: {TEXT};
    alternate-background-color: #f8fafc; gridline-color: transparent; }}
QHeaderView::section {{ background: {SURFACE}; color: {MUTED}; border: none;
    border-bottom: 1px solid {BORDER}; padding: 6px 8px; font-weight: 600; }}
QTabWidget::pane {{ border: none; }}
QTabBar::tab {{ background: transparent; color: {MUTED}; padding: 7px 14px;
    border-bottom: 2px solid transparent; font-weight: 600; }}
QTabBar::tab:selected {{ color: {ACCENT}; border-bottom: 2px solid {ACCENT}; }}
QPushButton {{ background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 6px;
    padding: 5px 12px; color: {TEXT}; }}
QPushButton:hover {{ border-color: {ACCENT}; }}
QPushButton:disabled {{ color: #a0aec0; }}
QPushButton#primary {{ background: {ACCENT}; border-color: {ACCENT}; color: white;
    font-weight: 600; }}
QPushButton#record {{ background: #dc2626; border-color: #dc2626; color: white;
    font-weight: 600; }}
QPushButton#record:disabled, QPushButton#primary:disabled {{ background: #cbd5e1;
    border-color: #cbd5e1; }}
QLineEdit {{ background: {SURFACE}; border: 1px solid {BORDER};
    border-radius: 6px; padding: 4px 8px; color: {TEXT}; }}
QLineEdit:focus {{ border-color: {ACCENT}; }}
QGroupBox {{ border: 1px solid {BORDER}; border-radius: 8px; margin-top: 14px;
    padding: 10px 8px 8px 8px; background: {SURFACE}; font-weight: 600; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; color: {MUTED}; }}
QProgressBar {{ background: {TRACK}; border: none; border-radius: 4px; height: 8px;
    text-align: center; color: {TEXT}; }}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 4px; }}
QProgressBar#level::chunk {{ background: qlineargradient(x1:0, y1:0, x2:1, y2:0,
    stop:0 #22c55e, stop:0.7 #eab308, stop:1 #dc2626); }}
QStatusBar {{ background: {SURFACE}; border-top: 1px solid {BORDER}; color: {MUTED}; }}
QStatusBar QLabel {{ padding: 0 8px; color: {MUTED}; }}
QLabel#heading {{ font-size: 15px; font-weight: 600; color: {TEXT}; }}
QLabel#muted {{ color: {MUTED}; }}
QLabel#notice {{ background: #fff7ed; border: 1px solid #fed7aa; border-radius: 8px;
    padding: 10px; color: #9a3412; }}
QFrame#dropZone {{ background: {SURFACE}; border: 2px dashed #a5b4c8; border-radius: 12px; }}
QFrame#dropZone[hovering="true"] {{ background: #eff6ff; border-color: {ACCENT}; }}
QSplitter::handle {{ background: transparent; }}
"""


def apply(app: QApplication) -> None:
    """Fusion with a light palette, so the window looks the same on every desktop."""
    app.setStyle("Fusion")
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: BACKGROUND,
        QPalette.ColorRole.Base: SURFACE,
        QPalette.ColorRole.AlternateBase: "#f8fafc",
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.Button: SURFACE,
        QPalette.ColorRole.Highlight: "#dbeafe",
        QPalette.ColorRole.HighlightedText: TEXT,
        QPalette.ColorRole.ToolTipBase: SURFACE,
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.PlaceholderText: MUTED,
    }
    for role, color in roles.items():
        palette.setColor(role, QColor(color))
    app.setPalette(palette)
    app.setStyleSheet(STYLE_SHEET)


def app_icon() -> QIcon:
    """The application's icon (the one the packaging renders for menus and installers)."""
    from pathlib import Path

    return QIcon(str(Path(__file__).with_name("assets") / "stackscribe.svg"))
