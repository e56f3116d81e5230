"""Whisper models on disk: resolve a name or path, download with progress, list the cache.

Downloads run in a child process so that a person can cancel one at any moment; progress is
read from the growing files in the cache, which works whatever the hub client version.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.errors import ModelUnavailable, StackscribeError
from engine.models import bundled as bundled_models

log = logging.getLogger(__name__)

_PATTERNS = [
    "config.json",
    "preprocessor_config.json",
    "model.bin",
    "tokenizer.json",
    "vocabulary.*",
]
_REQUIRED = ("model.bin", "config.json")
#: In a model's cache folder while a download of it has begun and not finished: the files of
#: an interrupted download can look like a model (model.bin and config.json without the
#: tokenizer), and must not be loaded as one.
_DOWNLOADING = ".stackscribe-downloading"

#: The model used when none is named: the best that a CPU runs at a pleasant speed.
DEFAULT_MODEL = "small"

#: Called with (bytes done, bytes in all) while a download runs; total may be 0 if unknown.
DownloadProgress = Callable[[int, int], None]


class DownloadCancelled(StackscribeError):
    status = 409


@dataclass(frozen=True)
class ModelChoice:
    """The model an engine runs, and why that one (shown in /health, logs, CLI and GUI)."""

    name: str
    path: str
    reason: str
    fallback: bool = False  # not the model that was asked for, or the default


@dataclass(frozen=True)
class CachedModel:
    name: str
    path: str
    size_bytes: int


def known_models() -> dict[str, str]:
    """Model names faster-whisper knows, mapped to their Hugging Face repositories."""
    from faster_whisper.utils import _MODELS

    return dict(_MODELS)


def repo_for(name: str) -> str:
    models = known_models()
    if name in models:
        return models[name]
    if "/" in name and not os.path.isabs(name):
        return name
    raise ModelUnavailable(
        f"Unknown model {name!r}. Use one of {', '.join(models)}, a Hugging Face repository "
        "id such as Systran/faster-whisper-small, or the path of a CTranslate2 model folder"
    )


def is_model_dir(path: str | os.PathLike[str]) -> bool:
    return all(os.path.isfile(os.path.join(path, f)) for f in _REQUIRED)


def _looks_like_path(name: str) -> bool:
    return os.path.isabs(name) or name.startswith(".") or (os.sep in name and os.path.exists(name))


def resolve(name: str, cache_dir: str) -> str:
    """The local folder of model ``name`` (a path, or a cached download).

    Raises :class:`ModelUnavailable` saying what is missing and how to get it.
    """
    if os.path.isdir(name) or _looks_like_path(name):
        if is_model_dir(name):
            return os.path.abspath(name)
        raise ModelUnavailable(
            f"No CTranslate2 Whisper model at {name}: the folder needs model.bin, config.json "
            "and tokenizer.json (convert a model with ct2-transformers-converter)"
        )
    repo = repo_for(name)
    cached = _cached_snapshot(repo, cache_dir)
    if cached is None:
        raise ModelUnavailable(
            f"Model {name!r} is not downloaded yet (looked in {cache_dir}). Run "
            f"`stackscribe models download {name}` (or `python -m app models download {name}`) "
            "while online, or pass --model with the path of a CTranslate2 model folder"
        )
    return cached


#: The Hugging Face cache keeps repository ``owner/name`` in the folder ``models--owner--name``.
_CACHE_PREFIX = "models--"


def _repo_folder(repo: str, cache_dir: str) -> Path:
    return Path(cache_dir) / (_CACHE_PREFIX + repo.replace("/", "--"))


def _folder_repo(folder: Path) -> str:
    """The repository a cache folder holds (the inverse of :func:`_repo_folder`)."""
    return folder.name.removeprefix(_CACHE_PREFIX).replace("--", "/")


def _cached_snapshot(repo: str, cache_dir: str) -> str | None:
    folder = _repo_folder(repo, cache_dir)
    snapshots = folder / "snapshots"
    if not snapshots.is_dir() or (folder / _DOWNLOADING).exists():
        return None
    candidates = sorted(
        (p for p in snapshots.iterdir() if is_model_dir(p)),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    return str(candidates[0]) if candidates else None


def list_cached(cache_dir: str) -> list[CachedModel]:
    """Every complete model in the cache, with its size on disk."""
    root = Path(cache_dir)
    if not root.is_dir():
        return []
    names = {repo: name for name, repo in reversed(known_models().items())}
    found = []
    for folder in sorted(root.glob(_CACHE_PREFIX + "*")):
        repo = _folder_repo(folder)
        path = _cached_snapshot(repo, cache_dir)
        if path is None:
            continue
        size = sum(f.stat().st_size for f in (folder / "blobs").glob("*") if f.is_file())
        found.append(CachedModel(names.get(repo, repo), path, size))
    return found


def remove(name: str, cache_dir: str) -> None:
    import shutil

    folder = _repo_folder(repo_for(name), cache_dir)
    if not folder.is_dir():
        raise ModelUnavailable(f"Model {name!r} is not in the cache")
    shutil.rmtree(folder)


def _download_child(repo: str, cache_dir: str, results: multiprocessing.Queue) -> None:
    """Runs in the child process: fetch the files, report the path or the reason."""
    try:
        from huggingface_hub import snapshot_download

        path = snapshot_download(repo, cache_dir=cache_dir, allow_patterns=_PATTERNS)
        results.put(("done", path))
    except Exception as exc:  # the child's only job is to report why it failed
        results.put(("error", f"{type(exc).__name__}: {exc}"))


def _total_size(repo: str) -> int:
    from huggingface_hub import HfApi
    from huggingface_hub.utils import filter_repo_objects

    info = HfApi().model_info(repo, files_metadata=True, timeout=15)
    wanted = set(
        filter_repo_objects([s.rfilename for s in info.siblings or []], allow_patterns=_PATTERNS)
    )
    return sum(s.size or 0 for s in info.siblings or [] if s.rfilename in wanted)


def _bytes_on_disk(repo: str, cache_dir: str) -> int:
    blobs = _repo_folder(repo, cache_dir) / "blobs"
    if not blobs.is_dir():
        return 0
    total = 0
    for f in blobs.iterdir():
        try:
            total += f.stat().st_size
        except FileNotFoundError:
            continue  # renamed from .incomplete between listing and stat
    return total


def _offline_error(name: str, reason: str) -> ModelUnavailable:
    reason = reason.split("\n", maxsplit=1)[0]
    if len(reason) > 160:
        reason = reason[:157] + "..."
    return ModelUnavailable(
        f"Model {name!r} is not downloaded and the Hugging Face hub cannot be reached "
        f"({reason}). Connect to the internet and run `stackscribe models download {name}` "
        f"(or `python -m app models download {name}`), "
        "or pass --model with the path of a CTranslate2 model folder"
    )


def download(
    name: str,
    cache_dir: str,
    progress: DownloadProgress | None = None,
    cancel: threading.Event | None = None,
    poll: float = 0.25,
) -> str:
    """Download model ``name`` into ``cache_dir``; returns its folder.

    Raises :class:`DownloadCancelled` when ``cancel`` is set, :class:`ModelUnavailable`
    when the hub cannot be reached.
    """
    repo = repo_for(name)
    os.makedirs(cache_dir, exist_ok=True)
    try:
        total = _total_size(repo)
    except Exception as exc:  # any hub or network failure means "cannot download now"
        raise _offline_error(name, f"{type(exc).__name__}: {exc}") from exc
    marker = _repo_folder(repo, cache_dir) / _DOWNLOADING
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue = context.Queue()
    child = context.Process(target=_download_child, args=(repo, cache_dir, results), daemon=True)
    child.start()
    try:
        while True:
            if cancel is not None and cancel.is_set():
                raise DownloadCancelled(f"Download of {name} cancelled")
            if progress is not None:
                progress(min(_bytes_on_disk(repo, cache_dir), total or 1 << 62), total)
            try:
                kind, value = results.get(timeout=poll)
            except queue.Empty:
                if not child.is_alive() and results.empty():
                    reason = f"the download process exited with {child.exitcode}"
                    raise _offline_error(name, reason) from None
                continue
            if kind == "error":
                raise _offline_error(name, value)
            marker.unlink(missing_ok=True)
            if progress is not None:
                progress(total, total)
            return value
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=5)
        _remove_partial(repo, cache_dir)


def _remove_partial(repo: str, cache_dir: str) -> None:
    blobs = _repo_folder(repo, cache_dir) / "blobs"
    for f in blobs.glob("*.incomplete") if blobs.is_dir() else []:
        f.unlink(missing_ok=True)


def ensure(
    name: str,
    cache_dir: str,
    progress: DownloadProgress | None = None,
    cancel: threading.Event | None = None,
) -> str:
    """The model's folder, downloading it first when it is a known name not yet cached."""
    try:
        return resolve(name, cache_dir)
    except ModelUnavailable:
        if os.path.isdir(name) or _looks_like_path(name):
            raise
    started = time.monotonic()
    log.info("Downloading model %s into %s", name, cache_dir)
    path = download(name, cache_dir, progress, cancel)
    log.info("Downloaded model %s in %.0f s", name, time.monotonic() - started)
    return path


def choose(
    requested: str,
    cache_dir: str,
    progress: DownloadProgress | None = None,
    cancel: threading.Event | None = None,
) -> ModelChoice:
    """The model to run: the one named, or else the best that can be had.

    Unnamed, that is :data:`DEFAULT_MODEL` when cached or downloadable, else the bundled
    multilingual base. A named model that can be had nowhere stays an error; a named model
    that a Python package carries (``base``, ``tiny.en``) is taken from it when offline.
    """
    if requested:
        try:
            return ModelChoice(requested, ensure(requested, cache_dir, progress, cancel), "named")
        except ModelUnavailable:
            if requested not in bundled_models.available():
                raise
        path = bundled_models.path(requested, cache_dir)
        reason = "named; taken from its Python package (the hub is out of reach)"
        return ModelChoice(requested, path, reason)
    try:
        path = ensure(DEFAULT_MODEL, cache_dir, progress, cancel)
    except ModelUnavailable as exc:
        if bundled_models.FALLBACK not in bundled_models.available():
            raise
        log.info("Falling back to the bundled model: %s", exc)
        path = bundled_models.path(bundled_models.FALLBACK, cache_dir)
        return ModelChoice(
            bundled_models.FALLBACK,
            path,
            f"the default model {DEFAULT_MODEL!r} is not downloaded and the Hugging Face hub "
            "cannot be reached, so the multilingual base model that Stackscribe installs "
            "with its Python packages is used",
            fallback=True,
        )
    return ModelChoice(DEFAULT_MODEL, path, "the default model")
