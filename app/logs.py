"""Logging handlers: configured here only, for the host and for the engine processes."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from typing import Any

from engine.redact import redact

_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def configure(level: str | int, stream: Any = None) -> None:
    """Send every log record of this process to stderr (or ``stream``) at ``level``."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_stackscribe", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(_Redacting(_FORMAT, datefmt="%H:%M:%S"))
    handler._stackscribe = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    # Third-party chatter that says nothing a user can act on.
    for name in ("faster_whisper", "httpx", "httpx2", "huggingface_hub", "multipart"):
        logging.getLogger(name).setLevel(max(root.level, logging.WARNING))


class _Redacting(logging.Formatter):
    """Masks the password of every URL in a record, whoever logged it (FFmpeg, redis, us)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class ForwardedLogs:
    """Receives log records from engine processes and hands them to this process's handlers."""

    def __init__(self, context: Any) -> None:
        self.queue = context.Queue()
        self._listener = logging.handlers.QueueListener(
            self.queue, _Reemit(), respect_handler_level=False
        )

    def start(self) -> None:
        self._listener.start()

    def stop(self) -> None:
        self._listener.stop()
        self.queue.close()  # and its feeder thread, which the listener's last record started
        self.queue.join_thread()


class _Reemit(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        logger = logging.getLogger(record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)


def configure_child(queue: Any, level: int) -> None:
    """In an engine process: send every record to the host through ``queue``."""
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(queue)]
    root.setLevel(level)
    logging.getLogger("faster_whisper").setLevel(max(level, logging.WARNING))
