"""Stackscribe's version, read from the installed package's metadata (pyproject.toml's).

Looked up when first asked for, not at import (``--help`` stays instant); the PyInstaller
bundle carries the metadata (packaging/stackscribe.spec).
"""

from __future__ import annotations

import functools
import importlib.metadata


@functools.cache
def version() -> str:
    return importlib.metadata.version("stackscribe")
