"""``python -m app worker``: an engine alone, on a shared Redis stack (see the Redis issue)."""

from __future__ import annotations

import sys

from app.settings import Settings


def run(settings: Settings) -> int:
    print(
        "stackscribe: worker mode needs the Redis backend, which this build does not have yet",
        file=sys.stderr,
    )
    return 2
