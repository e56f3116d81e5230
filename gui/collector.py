"""Python's cycle collector, run on the GUI thread only while a window is open.

The window shares its process with the HTTP listeners' threads, the host's engine threads
and its own job threads. Python collects reference cycles in whichever thread allocates when
a threshold is passed; a cycle that holds a Qt object, collected off the GUI thread, deletes
that object there, and Qt crashes the process (seen in the test suite: a segfault while a
listener thread built its routes). So while a window is open, automatic collection is off
and a timer on the GUI thread collects instead, each generation when its threshold is
passed, as automatic collection would (pyqtgraph's GarbageCollector does the same).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    """Holds automatic collection off from :meth:`start` to :meth:`stop`; create it on the
    GUI thread (its timer runs there)."""

    _holding: set[int] = set()  # the collectors holding automatic collection off now

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect)
        self._started = False

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        GuiThreadCollector._holding.add(id(self))
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        """Automatic collection comes back once no window holds it off; what is garbage now
        is collected here, on the GUI thread."""
        if not self._started:
            return
        self._started = False
        self._timer.stop()
        GuiThreadCollector._holding.discard(id(self))
        gc.collect()
        if not GuiThreadCollector._holding:
            gc.enable()

    def collect(self) -> None:
        counts, thresholds = gc.get_count(), gc.get_threshold()
        due = [g for g in range(3) if counts[g] > thresholds[g]]
        if due:
            gc.collect(max(due))
