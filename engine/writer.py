"""Writing transcripts to files: the one set of rules the command line, the watcher and the
window share.

- a format's file extension (``verbose_json`` is ``NAME.verbose.json``, beside ``NAME.json``);
- the ``NAME`` of ``NAME.EXT`` for media files that may share a stem: the stem, else the whole
  file name (``talk.flac.txt``), else a number, so one transcript never overwrites another's;
- a file is written whole or not at all: the text goes to a hidden part file beside the
  target (``.NAME.EXT.part``: never taken for media by a watcher), then is renamed over it.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from engine import formats
from engine.errors import InvalidParameter
from engine.result import Transcript
from engine.subtitles import SubtitleLayout


def file_formats(spec: str) -> list[str]:
    """The formats ``spec`` names (comma-separated, or ``all``); raises InvalidParameter."""
    names = (
        list(formats.FILE_FORMATS)
        if spec == "all"
        else [s.strip() for s in spec.split(",") if s.strip()]
    )
    unknown = [n for n in names if n not in formats.FILE_FORMATS]
    if unknown or not names:
        raise InvalidParameter(
            f"unknown format {', '.join(unknown) or spec!r}; "
            f"use {', '.join(formats.FILE_FORMATS)} or all"
        )
    return names


def extension(fmt: str) -> str:
    """The extension of a transcript file in ``fmt``."""
    return "verbose.json" if fmt == "verbose_json" else formats.EXTENSIONS[fmt]


def targets(folder: Path, name: str, fmts: Iterable[str]) -> list[Path]:
    """``folder/NAME.EXT``, one per format."""
    return [folder / f"{name}.{extension(fmt)}" for fmt in fmts]


def names(paths: Sequence[str | Path]) -> list[str]:
    """``NAME`` of each path's ``NAME.EXT``: its stem, unless another of ``paths`` shares it.

    Then the whole file name (``talk.flac``), and a number if even that is taken, so no two
    get the same name (case-insensitively, as on macOS).
    """
    stems = Counter(Path(p).stem.lower() for p in paths)
    taken: set[str] = set()
    out = []
    for p in map(Path, paths):
        base = p.stem if stems[p.stem.lower()] == 1 else p.name
        name, n = base, 2
        while name.lower() in taken:
            name, n = f"{base}-{n}", n + 1
        taken.add(name.lower())
        out.append(name)
    return out


def write(
    result: Transcript | dict[str, Any],
    fmt: str,
    target: Path,
    layout: SubtitleLayout | None = None,
) -> None:
    """Render ``result`` as ``fmt`` into ``target``, whole or not at all (raises OSError).

    ``layout`` shapes srt and vtt cues.
    """
    text = formats.render(result, fmt, layout)
    tmp = target.with_name(f".{target.name}.part")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError:
        tmp.unlink(missing_ok=True)  # a full disk or a folder in the way: no half file left
        raise
