"""Run blocking calls off the GUI thread and hand their outcome back to it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from engine import StackscribeError

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class _Relay(QObject):
    """Carries one job's outcome from its thread to the GUI thread, where it lives.

    Signals:
        done(object): the job's return value.
        failed(object): the exception it raised.
    """

    done = Signal(object)
    failed = Signal(object)

    def __init__(self, owner: Jobs, on_done: Done | None, on_error: Failed | None) -> None:
        super().__init__()
        self._owner = owner
        self._on_done = on_done
        self._on_error = on_error
        self.done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self.failed.connect(self._report, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _deliver(self, value: Any) -> None:
        self._owner.forget(self)
        if self._on_done is not None:
            self._on_done(value)

    @Slot(object)
    def _report(self, exc: BaseException) -> None:
        self._owner.forget(self)
        if self._on_error is not None:
            self._on_error(exc)
        else:
            log.error("Background job failed: %s", describe(exc), exc_info=exc)


class Jobs(QObject):
    """A small thread pool whose callbacks run on the GUI thread.

    ``workers=1`` makes a serial lane: jobs run one after another in submission order
    (files dropped together are queued in the order they were dropped).
    """

    def __init__(self, name: str, workers: int = 4, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"gui-{name}")
        self._relays: set[_Relay] = set()
        self._closed = False

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Done | None = None,
        on_error: Failed | None = None,
    ) -> Future | None:
        """Call ``fn(*args)`` in a worker thread; ``on_done``/``on_error`` on the GUI thread.

        Without ``on_error`` a failure is logged with its traceback (never dropped).
        """
        if self._closed:
            log.info("Job %s dropped: the window is closing", getattr(fn, "__name__", fn))
            return None
        return self._pool.submit(self._job(fn, args, on_done, on_error))

    def run_detached(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Done | None = None,
        on_error: Failed | None = None,
    ) -> None:
        """Like :meth:`run`, in a daemon thread of its own that exiting never waits for.

        For a call that may hang (stopping a wedged engine): the process can still quit.
        """
        name = f"gui-{getattr(fn, '__name__', 'job')}"
        job = self._job(fn, args, on_done, on_error)
        threading.Thread(target=job, name=name, daemon=True).start()

    def _job(
        self, fn: Callable[..., Any], args: tuple, on_done: Done | None, on_error: Failed | None
    ) -> Callable[[], None]:
        relay = _Relay(self, on_done, on_error)
        self._relays.add(relay)

        def job() -> None:
            try:
                value = fn(*args)
            except BaseException as exc:  # handed to the GUI thread, which reports it
                relay.failed.emit(exc)
            else:
                relay.done.emit(value)

        return job

    def forget(self, relay: _Relay) -> None:
        self._relays.discard(relay)

    def close(self) -> None:
        """Drop jobs not yet started; the running ones finish in their threads."""
        self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)


def describe(exc: BaseException) -> str:
    """The message a person reads: ours as written, anything else with its type."""
    if isinstance(exc, StackscribeError):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    return f"{type(exc).__name__}: {exc}"
