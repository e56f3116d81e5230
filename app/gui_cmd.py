"""``python -m app gui``: the desktop window, hosting the engine and the HTTP server.

Start-up order: refuse an exposed address without an API key (as ``serve`` does), create
the Qt application, then the window, which starts the :class:`HostedBackend` (the
:class:`~app.runtime.Runtime` and the listeners ``serve`` would serve, same options) off the
GUI thread. Closing the window stops the server, then the engine, then Qt.
``STACKSCRIBE_QUIT_AFTER`` is described in :mod:`gui`.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable

from app.data_lock import DataFolderLock
from app.runtime import check_exposure, host_runtime, server_runner
from app.settings import Settings
from engine.status import EngineStatus

log = logging.getLogger(__name__)

QUIT_AFTER_ENV = "STACKSCRIBE_QUIT_AFTER"


class HostedBackend:
    """The runtime and the HTTP listeners the window hosts (see :class:`gui.session.Backend`).

    A busy port does not stop the window: the engine runs and ``server_error`` says why
    the listeners do not.
    """

    def __init__(
        self, settings: Settings, on_engine_change: Callable[[EngineStatus], None]
    ) -> None:
        from server.runner import ServerRunner

        self.settings = settings
        # Durable even when only direct is served: the window's own tasks are kept.
        self.runtime = host_runtime(settings, durable=True, on_engine_change=on_engine_change)
        self.service = self.runtime.service
        self.server_error: str | None = None
        self._runner: ServerRunner | None = None
        if not settings.served:
            self.server_error = "No listener is served (--listeners, or every port is 0)"
            return
        self._runner = server_runner(settings, self.service)
        try:
            self._runner.start()
        except (OSError, RuntimeError) as exc:
            log.error("The HTTP server did not start: %s", exc)
            self.server_error = str(exc)
            self._runner = None
        else:
            log.info("Serving %s", ", ".join(f"{n} API {u}" for n, u in self.urls().items()))

    def urls(self) -> dict[str, str]:
        return {} if self._runner is None else self._runner.urls()

    def close(self, timeout: float = 5.0) -> None:
        """Stop accepting requests, then stop the engine (blocks; never on the GUI thread)."""
        try:
            if self._runner is not None:
                self._runner.stop(timeout)
        finally:
            self.runtime.close(timeout)


def quit_after(environ: dict[str, str] | None = None) -> float | None:
    """Seconds from ``STACKSCRIBE_QUIT_AFTER``, or None when unset."""
    raw = (os.environ if environ is None else environ).get(QUIT_AFTER_ENV, "").strip()
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        log.warning("Ignoring %s=%r: not a number of seconds", QUIT_AFTER_ENV, raw)
        return None


def run(settings: Settings) -> int:
    refusal = check_exposure(settings)
    if refusal:
        print(f"stackscribe: {refusal}", file=sys.stderr)
        return 2
    lock = DataFolderLock(settings.data_path)  # one host per data folder
    refusal = lock.acquire()
    if refusal:
        print(f"stackscribe: {refusal}", file=sys.stderr)
        return 2
    try:
        return _window(settings)
    finally:
        lock.release()


def _window(settings: Settings) -> int:
    from PySide6.QtWidgets import QApplication

    from gui import style
    from gui.main_window import MainWindow
    from gui.settings.preferences import APPLICATION, ORGANIZATION

    # Reuse a QApplication made earlier; a bare QCoreApplication makes QApplication() refuse.
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0]])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setDesktopFileName("stackscribe")  # Wayland matches the window to the menu entry
    app.setWindowIcon(style.app_icon())
    app.setQuitOnLastWindowClosed(False)  # the window quits once the engine has stopped
    style.apply(app)
    window = MainWindow(settings, HostedBackend, quit_after=quit_after())
    window.closed.connect(app.quit)
    _close_on_signals(app, window)
    window.show()
    app.exec()
    log.info("Stopped")
    return 0


def _close_on_signals(app, window) -> None:
    """Ctrl-C or SIGTERM closes the window as its close button would, without asking."""
    from PySide6.QtCore import QTimer

    def handler(signum: int, _frame) -> None:
        log.info("Received %s: closing", signal.Signals(signum).name)
        QTimer.singleShot(0, lambda: window.request_close(force=True))

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, handler)
    # Python runs signal handlers only between bytecodes: wake it up now and then.
    wakeup = QTimer(app, interval=250)
    wakeup.timeout.connect(lambda: None)
    wakeup.start()
