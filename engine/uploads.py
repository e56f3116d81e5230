"""Where uploaded audio may live: nothing outside the uploads folder is opened or deleted.

A task that owns its source (an upload) names a file in the uploads folder. Its record comes
back from places other people can write (the SQLite journal, a shared Redis), so a record
is trusted only when its path, resolved (links and ``..`` followed), lies inside the folder.
The journal keeps an upload's path relative to the folder, so the data folder can be moved.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


def inside(path: str | os.PathLike[str], folder: str | os.PathLike[str]) -> bool:
    """Whether ``path`` resolves to something strictly inside ``folder`` (also resolved)."""
    try:
        resolved, root = Path(path).resolve(), Path(folder).resolve()
    except (OSError, RuntimeError) as exc:  # a link loop, an unreadable parent
        log.warning("Cannot resolve %s against %s: %s", path, folder, exc)
        return False
    return resolved != root and resolved.is_relative_to(root)


def refusal(path: str) -> str:
    """The reason a record naming ``path`` as its upload is failed."""
    return (
        f"Refused: this task's record names {path!r} as its upload, which is outside the "
        "uploads folder; nothing was opened or deleted"
    )


def to_record(source: str, folder: str | os.PathLike[str]) -> str:
    """An upload's path as the journal keeps it: relative to the uploads folder when inside."""
    if inside(source, folder):
        return os.path.relpath(Path(source).resolve(), Path(folder).resolve())
    return source


def from_record(source: str, folder: str | os.PathLike[str]) -> str:
    """The path a journal row names: a relative one is in the uploads folder, as it is now."""
    return source if os.path.isabs(source) else str(Path(folder) / source)


def remove(path: str, folder: str | os.PathLike[str]) -> None:
    """Delete the upload ``path``, only when it lies inside ``folder``."""
    if not inside(path, folder):
        log.error("Not deleting %s: it is outside the uploads folder %s", path, folder)
        return
    try:
        os.unlink(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        log.warning("Could not delete %s: %s", path, exc)
