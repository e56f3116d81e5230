"""``python -m app gui``: the desktop window (see the GUI issue)."""

from __future__ import annotations

from app.settings import Settings


def run(settings: Settings) -> int:
    from app.serve_cmd import run as serve

    return serve(settings)
