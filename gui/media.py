"""Which files the window takes (audio and video, see :mod:`engine.media`) and writes."""

from __future__ import annotations

from engine import MEDIA_EXTENSIONS, expand_media, is_media

__all__ = [
    "EXPORT_FORMATS",
    "FORMAT_LABELS",
    "MEDIA_EXTENSIONS",
    "dialog_filter",
    "expand_media",
    "is_media",
]

#: What a transcript can be exported or saved as from the window, in the order shown.
EXPORT_FORMATS = ("txt", "srt", "vtt", "json", "tsv")
FORMAT_LABELS = {
    "txt": "Plain text (.txt)",
    "srt": "SubRip subtitles (.srt)",
    "vtt": "WebVTT subtitles (.vtt)",
    "json": "JSON with words (.json)",
    "tsv": "Tab-separated (.tsv)",
}


def dialog_filter() -> str:
    """The name filter of the "Add files…" dialog."""
    patterns = " ".join(f"*.{ext}" for ext in sorted(MEDIA_EXTENSIONS))
    return f"Audio and video ({patterns});;All files (*)"
