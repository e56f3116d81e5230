"""Which files the window takes: audio and video, found in folders by extension."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

AUDIO_EXTENSIONS = frozenset(
    {
        "wav",
        "mp3",
        "flac",
        "ogg",
        "oga",
        "opus",
        "m4a",
        "aac",
        "wma",
        "aif",
        "aiff",
        "amr",
        "alac",
        "ape",
        "wv",
        "mka",
        "caf",
    }
)
VIDEO_EXTENSIONS = frozenset(
    {
        "mp4",
        "mkv",
        "mov",
        "avi",
        "webm",
        "wmv",
        "m4v",
        "mpeg",
        "mpg",
        "ts",
        "mts",
        "3gp",
        "flv",
        "ogv",
    }
)
MEDIA_EXTENSIONS = AUDIO_EXTENSIONS | VIDEO_EXTENSIONS


def is_media(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower().lstrip(".") in MEDIA_EXTENSIONS


def expand(paths: Iterable[str]) -> list[str]:
    """Files as given, and the media files inside folders (recursively, sorted by path).

    A file named explicitly is kept whatever its extension: the service probes it and
    says why it cannot be used, which is more help than silently skipping it.
    """
    found: list[str] = []
    seen: set[str] = set()
    for path in paths:
        for item in _walk(Path(path)):
            key = os.path.abspath(item)
            if key not in seen:
                seen.add(key)
                found.append(key)
    return found


def _walk(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(
            (p for p in path.rglob("*") if p.is_file() and is_media(p)),
            key=lambda p: str(p).lower(),
        )
    return [path] if path.exists() else []


def dialog_filter() -> str:
    """The name filter of the "Add files…" dialog."""
    patterns = " ".join(f"*.{ext}" for ext in sorted(MEDIA_EXTENSIONS))
    return f"Audio and video ({patterns});;All files (*)"
