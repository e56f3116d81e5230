"""Write a transcript to a file in one of the export formats (off the GUI thread)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from engine import SubtitleLayout, formats, writer
from gui.media import EXPORT_FORMATS, FORMAT_LABELS

log = logging.getLogger(__name__)


def name_filter(first: str) -> str:
    """The save dialog's filters, ``first`` format on top."""
    order = [first, *(f for f in EXPORT_FORMATS if f != first)]
    return ";;".join(f"{FORMAT_LABELS[f]} (*.{formats.EXTENSIONS[f]})" for f in order)


def format_of(path: str, chosen_filter: str, default: str) -> str:
    """The format the person meant: the file's extension, else the chosen filter."""
    ext = Path(path).suffix.lower().lstrip(".")
    if ext in EXPORT_FORMATS:
        return ext
    for fmt in EXPORT_FORMATS:
        if chosen_filter.startswith(FORMAT_LABELS[fmt]):
            return fmt
    return default


def suggested_path(folder: str, filename: str, fmt: str) -> str:
    stem = Path(filename).stem or "transcript"
    return str(writer.targets(Path(folder), stem, [fmt])[0])


def export(
    result: dict[str, Any], fmt: str, path: str, layout: SubtitleLayout | None = None
) -> str:
    """Render ``result`` as ``fmt`` and write it to ``path`` (adding the extension);
    ``layout`` shapes srt and vtt cues."""
    target = Path(path)
    if not target.suffix:
        target = target.with_suffix("." + writer.extension(fmt))
    writer.write(result, fmt, target, layout)
    log.info("Exported %s", target)
    return str(target)
