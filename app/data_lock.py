"""One host per data folder: ``serve`` and ``gui`` hold an exclusive lock on it.

Two hosts on one folder damage each other (the second removes the first's uploads as
orphans, runs its queued tasks, and both write the journal), so the second refuses to
start, naming the folder and the process that holds it. The lock is the operating
system's (``flock``, or ``msvcrt.locking`` on Windows): it goes with the process that
held it, however that process ends, so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

LOCK_FILE = "stackscribe.lock"


class DataFolderLock:
    """An exclusive lock on ``folder``; :meth:`acquire` returns why it cannot be had."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_FILE
        self._file: IO[str] | None = None

    def acquire(self) -> str | None:
        """Take the lock (held until :meth:`release` or exit); the refusal, or None."""
        self.folder.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held while running
        try:
            _lock(handle)
        except OSError:
            holder = _holder(handle)
            handle.close()
            return (
                f"the data folder {self.folder} is in use by another Stackscribe "
                f"(process {holder}); stop it first, or give this one its own --data-dir"
            )
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        log.debug("Holding %s", self.path)
        return None

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the file lets the lock go
            self._file = None


def _holder(handle: IO[str]) -> str:
    """The pid the holder wrote (Windows may refuse to read a locked byte: "unknown")."""
    try:
        handle.seek(0)
        return handle.read().strip() or "unknown"
    except OSError as exc:
        log.debug("Cannot read who holds the data folder: %s", exc)
        return "unknown"


def _lock(handle: IO[str]) -> None:
    """Raise OSError when another process holds the lock."""
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
