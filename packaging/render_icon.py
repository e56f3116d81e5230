"""Render gui/assets/stackscribe.svg to the icons a bundle needs, with Qt alone (offscreen).

``python packaging/render_icon.py OUT_DIR`` writes ``stackscribe.png`` (256 px, for Linux
desktops and the window), ``stackscribe.ico`` (Windows) and ``stackscribe.icns`` (macOS),
so the build needs no image library beyond the PySide6 the app already depends on.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

SVG = Path(__file__).resolve().parents[1] / "gui" / "assets" / "stackscribe.svg"
SIZE = 256
FORMATS = ("png", "ico", "icns")


def render(svg: Path, out_dir: Path, size: int = SIZE) -> list[Path]:
    """Write ``stackscribe.<format>`` for each format Qt can write; returns the files."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"render_icon: {svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    writable = {bytes(f.data()).decode() for f in QImageWriter.supportedImageFormats()}
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in FORMATS:
        if fmt not in writable:
            sys.stderr.write(f"render_icon: this Qt cannot write .{fmt}; skipped\n")
            continue
        target = out_dir / f"stackscribe.{fmt}"
        # PySide6's stubs say the format is bytes; at run time it takes only str (6.12).
        if not image.save(str(target), fmt.upper()):  # type: ignore[call-overload]
            raise SystemExit(f"render_icon: could not write {target}")
        written.append(target)
    del app
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--size", type=int, default=SIZE)
    args = parser.parse_args()
    render(SVG, args.out_dir, args.size)


if __name__ == "__main__":
    main()
