"""Which files the window takes: audio and video (see :mod:`engine.media`), and its filter."""

from __future__ import annotations

from engine import MEDIA_EXTENSIONS, expand_media, is_media

__all__ = ["MEDIA_EXTENSIONS", "dialog_filter", "expand_media", "is_media"]


def dialog_filter() -> str:
    """The name filter of the "Add files…" dialog."""
    patterns = " ".join(f"*.{ext}" for ext in sorted(MEDIA_EXTENSIONS))
    return f"Audio and video ({patterns});;All files (*)"
