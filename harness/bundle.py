"""The PyInstaller bundle for tests and benchmarks: built by packaging/build.sh, then reused.

A build takes a minute or more, so it is skipped when nothing it is made of changed since the
last one: our sources, packaging/, pyproject.toml and the installed distributions. Builds are
serialised by a file lock, so pytest-xdist workers share one. ``STACKSCRIBE_REBUILD=1``
forces a build.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD_SH = ROOT / "packaging" / "build.sh"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
STAMP = WORK / "inputs.sha256"  # build.sh deletes it: a bundle it made is not vouched for
SLIM_REPORT = WORK / "stackscribe" / "slim.json"
SOURCES = ("app", "engine", "server", "gui", "packaging")


@dataclass(frozen=True)
class Bundle:
    folder: Path
    tarball: Path | None
    build_seconds: float | None  # None: an earlier build was reused

    @property
    def exe(self) -> Path:
        return self.folder / ("stackscribe.exe" if sys.platform == "win32" else "stackscribe")

    @property
    def internal(self) -> Path:
        """PyInstaller's contents folder: libraries, data files, Qt plugins."""
        return self.folder / "_internal"


def inputs_digest() -> str:
    """A hash of everything the bundle is made of."""
    digest = hashlib.sha256()
    files = [ROOT / "pyproject.toml"]
    for source in SOURCES:
        found = (ROOT / source).rglob("*")
        files += [
            p for p in found if p.is_file() and p.suffix != ".md" and "__pycache__" not in p.parts
        ]
    for path in sorted(files):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    installed = sorted(
        f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions()
    )
    digest.update("\n".join([sys.version, *installed]).encode())
    return digest.hexdigest()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _current() -> Bundle:
    tarballs = sorted(DIST.glob("stackscribe-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return Bundle(DIST / "stackscribe", tarballs[-1] if tarballs else None, None)


def ensure_built(rebuild: bool = False) -> Bundle:
    """The bundle of the current sources: the last build's when still current, else a new one.

    Within one pytest-xdist run (``PYTEST_XDIST_TESTRUNUID``) the first worker's build serves
    them all, even if a source changes meanwhile: rebuilding would pull the bundle from under
    the tests another worker is running.
    """
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")
    with _locked(ROOT / "build" / "pyinstaller.lock"):
        digest = inputs_digest()
        current = _current()
        built_digest, built_run = _stamp()
        rebuild = rebuild or os.environ.get("STACKSCRIBE_REBUILD") == "1"
        same_run = bool(run) and built_run == run
        if current.exe.exists() and (same_run or (not rebuild and built_digest == digest)):
            return current
        started = time.perf_counter()
        proc = subprocess.run(
            ["bash", str(BUILD_SH)],
            check=False,
            env={**os.environ, "PYTHON": sys.executable},
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            log = (proc.stdout + proc.stderr)[-4000:]
            raise RuntimeError(f"packaging/build.sh failed ({proc.returncode}):\n{log}")
        STAMP.write_text(f"{digest}\n{run}\n")
        elapsed = time.perf_counter() - started
        current = _current()
        return Bundle(current.folder, current.tarball, elapsed)


def _stamp() -> tuple[str, str]:
    """The digest of the sources the bundle was built from, and the test run that built it."""
    digest, run, *_ = [*(STAMP.read_text().splitlines() if STAMP.exists() else []), "", ""]
    return digest, run
