"""Which files count as audio or video, found in folders by extension (the GUI and the CLI).

A file named explicitly is always tried, whatever its extension: the engine probes it and
says why it cannot be used, which helps more than skipping it. Inside a folder, only files
with a media extension are taken.
"""

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


def in_folder(folder: Path) -> list[Path]:
    """The media files under ``folder``, recursively, sorted by path."""
    return sorted(
        (p for p in folder.rglob("*") if p.is_file() and is_media(p)),
        key=lambda p: str(p).lower(),
    )


def expand(paths: Iterable[str]) -> list[str]:
    """Files as given, and the media files inside folders; absolute, each once."""
    found: list[str] = []
    seen: set[str] = set()
    for path in paths:
        item = Path(path)
        for file in in_folder(item) if item.is_dir() else [item] if item.exists() else []:
            key = os.path.abspath(file)
            if key not in seen:
                seen.add(key)
                found.append(key)
    return found
