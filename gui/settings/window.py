"""The run's settings as the window reads them, without importing ``app/``.

``app/`` builds :class:`app.settings.Settings` and hands it to the window; layers point one
way, so this package names here what it reads instead of importing it. Each setting's
default and choices are read off the dataclass that came in (:func:`declaration`), so a
setting is still declared once, in ``app/settings.py``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, ClassVar, Protocol


class WindowSettings(Protocol):
    """A frozen settings dataclass with the fields the window reads; each field's
    metadata holds its ``choices`` (``app.settings.Settings`` is one)."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    @property
    def model(self) -> str: ...
    @property
    def device(self) -> str: ...
    @property
    def compute_type(self) -> str: ...
    @property
    def queue_port(self) -> int: ...
    @property
    def direct_port(self) -> int: ...
    @property
    def tasks_port(self) -> int: ...
    @property
    def redis_url(self) -> str: ...
    @property
    def replacements(self) -> str: ...
    @property
    def watch_poll_seconds(self) -> float: ...
    @property
    def watch_settle_seconds(self) -> float: ...
    @property
    def given(self) -> frozenset[str]: ...
    @property
    def data_path(self) -> Path: ...
    @property
    def model_cache(self) -> str: ...


def declaration(settings: WindowSettings) -> dict[str, dataclasses.Field[Any]]:
    """Each setting's declaration (default, choices), by name, as ``app/`` declared it."""
    return {f.name: f for f in dataclasses.fields(settings)}
