"""Download a Whisper model in a thread, with progress and cancel."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal, SignalInstance

from engine import DownloadCancelled, StackscribeError, model_store

log = logging.getLogger(__name__)


class ModelDownloader(QObject):
    """One download at a time, through :func:`engine.models.store.download`.

    Signals:
        progress(object, object): bytes done and bytes in all (0 when not known yet).
        finished(str): the model's folder.
        failed(str): why it could not be downloaded (offline, unknown name, ...).
        cancelled(): :meth:`cancel` stopped it.
    """

    progress = Signal(object, object)
    finished = Signal(str)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._active = False

    @property
    def running(self) -> bool:
        """True from :meth:`start` until the signal saying how the download ended."""
        return self._active

    def start(self, name: str, cache_dir: str) -> None:
        if self._active:
            return
        self._active = True
        self._cancel = threading.Event()
        self._thread = threading.Thread(
            target=self._run,
            args=(name, cache_dir, self._cancel),
            name="gui-model-download",
            daemon=True,
        )
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def _run(self, name: str, cache_dir: str, cancel: threading.Event) -> None:
        log.info("Downloading model %s into %s", name, cache_dir)
        try:
            path = model_store.download(name, cache_dir, self.progress.emit, cancel)
        except DownloadCancelled:
            log.info("Download of %s cancelled", name)
            self._end(self.cancelled)
        except StackscribeError as exc:
            log.warning("Download of %s failed: %s", name, exc)
            self._end(self.failed, str(exc))
        else:
            self._end(self.finished, path)
        finally:
            self._active = False

    def _end(self, signal: SignalInstance, *args: object) -> None:
        # Free before the signal: its slot may start the next download at once (a person
        # pressing Download again right after Cancel), while this thread is still returning.
        self._active = False
        signal.emit(*args)
