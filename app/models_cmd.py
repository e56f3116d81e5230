"""``python -m app models``: what is cached, download with progress, remove."""

from __future__ import annotations

import argparse
import sys

from app.settings import Settings
from engine.errors import StackscribeError
from engine.models import store as model_store


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def run(args: argparse.Namespace, settings: Settings) -> int:
    cache = settings.model_cache
    try:
        if args.action == "list":
            return _list(cache)
        if args.action == "download":
            return _download(args.name, cache)
        model_store.remove(args.name, cache)
        print(f"Removed {args.name} from {cache}")
        return 0
    except StackscribeError as exc:
        print(f"stackscribe: {exc}", file=sys.stderr)
        return 2


def _list(cache: str) -> int:
    cached = model_store.list_cached(cache)
    print(f"Model cache: {cache}")
    if cached:
        width = max(len(m.name) for m in cached)
        for m in cached:
            print(f"  {m.name.ljust(width)}  {_size(m.size_bytes):>9}  {m.path}")
    else:
        print("  (no models downloaded yet)")
    names = ", ".join(model_store.known_models())
    print(f"Known names (download with `python -m app models download NAME`): {names}")
    return 0


def _download(name: str, cache: str) -> int:
    from tqdm import tqdm

    bars: list[tqdm] = []  # created on the first progress report, after the hub answered

    def progress(done: int, total: int) -> None:
        if not bars:
            bars.append(
                tqdm(
                    total=total or None,
                    unit="B",
                    unit_scale=True,
                    desc=f"Downloading {name}",
                    file=sys.stderr,
                )
            )
        bars[0].n = done
        bars[0].refresh()

    try:
        path = model_store.download(name, cache, progress)
    finally:
        for bar in bars:
            bar.close()
    print(f"{name}: {path}")
    return 0
