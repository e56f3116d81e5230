"""The real window over a real backend (runtime, engine process, HTTP listeners)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from engine.status import EngineState
from engine.task import TaskStatus
from harness.redis_server import free_port

if TYPE_CHECKING:
    from app.settings import Settings
    from gui.main_window import MainWindow
    from gui.session import BackendFactory

# The offscreen platform says this of every top-level window it shows.
OFFSCREEN_NOISE = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
STARTUP_MS = 60_000
TASK_MS = 60_000


@pytest.fixture(autouse=True)
def window_style(qapp: QApplication) -> None:
    from gui import style

    style.apply(qapp)


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    return tmp_path / "gui" / "gui.ini"


@pytest.fixture
def make_window(
    qtbot, make_settings: Callable[..., Settings], settings_file: Path, monkeypatch
) -> Iterator[Callable[..., MainWindow]]:
    """Open a MainWindow hosting a real backend; closed (engine stopped) at teardown.

    Its listeners bind port 0 and are read back (``backend.urls()``): a port picked free and
    bound later can be taken meanwhile. The settings keep ports of their own (0 there would
    leave the listener out)."""
    import dataclasses

    from app import configs
    from app.gui_cmd import HostedBackend
    from gui.main_window import MainWindow
    from gui.settings.preferences import PreferenceStore

    configured = configs.server_config

    def ephemeral(settings):  # as tests/server/conftest.py's make_server does
        config = configured(settings)
        ports: dict[str, Any] = {f"{n}_port": 0 for n in config.listeners}
        return dataclasses.replace(config, **ports)

    monkeypatch.setattr(configs, "server_config", ephemeral)
    opened: list[MainWindow] = []

    def make(
        wait: bool = True, factory: BackendFactory | None = None, **overrides: object
    ) -> MainWindow:
        ports = {f"{name}_port": free_port() for name in ("queue", "direct", "tasks")}
        values = {"host": "127.0.0.1", **ports, **overrides}
        settings = make_settings(**values)
        window = MainWindow(
            settings, factory or HostedBackend, store=PreferenceStore(settings_file)
        )
        opened.append(window)
        window.show()
        if wait:
            wait_ready(qtbot, window)
        return window

    yield make
    for window in opened:
        close(qtbot, window)
        window.deleteLater()


def wait_ready(qtbot, window) -> None:
    def ready() -> None:
        status = window.session.engine_status
        assert status is not None and status.state == EngineState.READY, status
        assert window.session.backend is not None

    qtbot.wait_until(ready, timeout=STARTUP_MS)


def close(qtbot, window) -> None:
    """Close as a person would, without the question; wait until the engine has stopped."""
    if window.lifecycle == "closed":
        return
    with qtbot.wait_signal(window.closed, timeout=30_000):
        window.request_close(force=True)


def drop(widget: QWidget, paths: Sequence[str | Path]) -> None:
    """Drag local files onto ``widget`` and drop them, as a file manager does."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    center = widget.rect().center()
    enter = QDragEnterEvent(
        QPointF(center),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted(), "the drop zone refused the drag"
    event = QDropEvent(
        QPointF(center),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)
    assert event.isAccepted(), "the drop zone refused the drop"


def row_named(window, filename: str):
    rows = [r for r in window.model.rows() if r.filename == filename]
    assert len(rows) == 1, [r.filename for r in window.model.rows()]
    return rows[0]


def wait_status(qtbot, window, filename: str, status: TaskStatus, timeout: int = TASK_MS):
    def reached() -> None:
        assert row_named(window, filename).status == status

    qtbot.wait_until(reached, timeout=timeout)
    return row_named(window, filename)
