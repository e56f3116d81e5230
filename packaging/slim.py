"""What the bundle leaves out, and the ELF surgery that keeps it lean (used by the spec).

Three cuts, each measured by ``bench/packaging.py``:

- **Modules** (:data:`EXCLUDES`): optional imports of our dependencies that no mode runs
  (torch for model conversion, IPython for notebook progress bars, Qt Quick/QML, ...).
- **Qt plugins and translations** (:data:`DROPPED`): platforms for embedded devices, and
  the GTK theme plugin, which would drag in half a GTK stack that fights the desktop's own;
  the libraries only they needed go with them (:func:`drop`).
- **Debug information** (:func:`without_debug_info`): some wheels ship DWARF
  (ctranslate2's 68 MB extension is 66 MB of it); ``strip -S`` removes only that.
"""

from __future__ import annotations

import fnmatch
import functools
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path, PurePath

Toc = list[tuple[str, str, str]]

EXCLUDES = [
    # Optional imports of our dependencies that no mode runs.
    *("tkinter", "_tkinter", "turtle", "idlelib", "lib2to3", "pydoc_data"),
    *("IPython", "ipykernel", "ipywidgets", "jupyter_client", "notebook"),
    *("matplotlib", "pandas", "scipy", "sympy", "PIL"),
    *("torch", "torchaudio", "tensorflow", "jax", "transformers", "onnx"),
    "ctranslate2.converters",  # model conversion, with torch and transformers
    "ctranslate2.specs",
    *("onnxruntime.tools", "onnxruntime.transformers", "onnxruntime.quantization"),
    *("onnxruntime.datasets", "onnxruntime.backend"),
    *("pytest", "_pytest", "pytestqt", "tests", "mypy", "setuptools", "pip", "pkg_resources"),
    # Qt modules a widgets GUI does not use; each brings tens of MB of libraries.
    *("PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuickControls2", "PySide6.QtQuickWidgets"),
    *("PySide6.QtQuickTest", "PySide6.QtQmlFeatures", "PySide6.QtLabsStyleKit"),
    *("PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets", "PySide6.QtWebEngineQuick"),
    *("PySide6.QtWebChannel", "PySide6.QtWebSockets", "PySide6.QtPdf", "PySide6.QtPdfWidgets"),
    *("PySide6.QtDesigner", "PySide6.QtHelp", "PySide6.QtUiTools", "PySide6.QtTest"),
    *("PySide6.QtSql", "PySide6.Qt3DCore", "PySide6.QtCharts", "PySide6.QtDataVisualization"),
]

#: Collected files (bundle paths, ``/``-separated) left out of the bundle.
DROPPED = [
    # Embedded and remote platforms; the desktop needs xcb, wayland (and offscreen, minimal).
    *("*/plugins/platforms/*qeglfs*", "*/plugins/platforms/*qminimalegl*"),
    *("*/plugins/platforms/*qlinuxfb*", "*/plugins/platforms/*qvnc*"),
    *("*/plugins/platforms/*qvkkhrdisplay*", "*/plugins/egldeviceintegrations/*"),
    "*/plugins/generic/*",  # evdev and TUIO input, for devices without a window system
    "*/plugins/platformthemes/*qgtk3*",  # half a GTK stack; Qt's own style is used instead
    "*/Qt/translations/*",  # the window is in English; Qt's dialogs follow it
]


def dropped(dest: str) -> bool:
    path = PurePath(dest).as_posix()
    return any(fnmatch.fnmatch(path, pattern) for pattern in DROPPED)


@functools.cache
def _readelf(path: str) -> str:
    return subprocess.run(
        ["readelf", "-S", "-d", "--wide", path], capture_output=True, text=True, check=False
    ).stdout


def _needed(path: str) -> set[str]:
    return {
        line.rsplit("[", 1)[1].rstrip("]")
        for line in _readelf(path).splitlines()
        if "(NEEDED)" in line
    }


def elf_tools() -> bool:
    """Whether the ELF steps can run (Linux with binutils, which PyInstaller needs anyway)."""
    return sys.platform.startswith("linux") and all(map(shutil.which, ("readelf", "strip")))


def drop(binaries: Toc, datas: Toc) -> tuple[Toc, Toc]:
    """Leave out :data:`DROPPED`, then every library that only those files needed."""
    gone = {dest for dest, _, _ in (*binaries, *datas) if dropped(dest)}
    if elf_tools():
        gone |= _orphans(binaries, gone)
    names = {PurePath(dest).name for dest in gone}
    # A symlink's source is the path it points to inside the bundle.
    datas = [
        entry
        for entry in datas
        if entry[0] not in gone and not (entry[2] == "SYMLINK" and PurePath(entry[1]).name in names)
    ]
    return [entry for entry in binaries if entry[0] not in gone], datas


def _orphans(binaries: Toc, gone: set[str]) -> set[str]:
    """Libraries reachable from the files in ``gone`` and needed by nothing left."""
    by_name = {PurePath(dest).name: (dest, src) for dest, src, _ in binaries}
    reachable: set[str] = set()
    todo = [src for dest, src, _ in binaries if dest in gone]
    while todo:
        for name in _needed(todo.pop()) - reachable:
            if name in by_name:
                reachable.add(name)
                todo.append(by_name[name][1])
    orphans: set[str] = set()
    while True:
        left = [src for dest, src, _ in binaries if dest not in gone | orphans]
        still_needed = set().union(*map(_needed, left))
        newly = {by_name[n][0] for n in reachable - still_needed} - orphans
        if not newly:
            return orphans
        orphans |= newly


def without_debug_info(binaries: Toc, cache: Path) -> Toc:
    """Swap each binary carrying DWARF for a cached copy stripped of it (``strip -S``).

    Only debug sections go: symbols, and everything the dynamic loader reads, stay.
    """
    if not elf_tools():
        return binaries
    return [(dest, _stripped(src, cache / dest), kind) for dest, src, kind in binaries]


def _stripped(src: str, target: Path) -> str:
    if ".debug_info" not in _readelf(src):
        return src
    if not target.exists() or target.stat().st_mtime < Path(src).stat().st_mtime:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
        subprocess.run(["strip", "-S", str(target)], check=True)
    return str(target)


def sizes(entries: Iterable[tuple[str, str, str]]) -> int:
    return sum(Path(src).stat().st_size for _, src, kind in entries if kind != "SYMLINK")
