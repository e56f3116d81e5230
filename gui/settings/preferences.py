"""The window's saved choices: engine settings, task options and window layout.

They live in ``gui.ini`` in the data folder (``--data-dir``/``DATA_DIR``), through
QSettings in INI format, so that a test or a portable install keeps them beside its data.
A setting given for this run by a flag or an environment variable wins over a saved one.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from engine import StackscribeError, TranscribeOptions
from gui.settings.window import WindowSettings, declaration

log = logging.getLogger(__name__)

ORGANIZATION = "Stackscribe"
APPLICATION = "Stackscribe"
FILE_NAME = "gui.ini"
#: Settings edited in the window whose change needs a new engine (and server).
ENGINE_KEYS = (
    "model",
    "device",
    "compute_type",
    "queue_port",
    "direct_port",
    "tasks_port",
    "redis_url",
    "replacements",
)


@dataclass(frozen=True)
class Preferences:
    """The options every new task gets (files, recordings)."""

    language: str = ""  # empty: detect
    task: str = "transcribe"
    word_timestamps: bool = True
    vad_filter: bool = True
    watch_folder: str = ""  # new files here are queued (empty: none watched)
    watch_formats: str = "txt"  # the transcripts written next to them, comma-separated
    hotwords: str = ""  # names and terms the decoder should expect

    def options(self) -> TranscribeOptions:
        return TranscribeOptions(
            language=self.language or None,
            task=self.task,
            word_timestamps=self.word_timestamps,
            vad_filter=self.vad_filter,
            hotwords=self.hotwords or None,
        )


class PreferenceStore:
    """Reads and writes the saved choices; every write is flushed at once."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._qs = QSettings(str(self.path), QSettings.Format.IniFormat)

    @classmethod
    def for_settings(cls, settings: WindowSettings) -> PreferenceStore:
        return cls(Path(settings.data_path) / FILE_NAME)

    # -- engine settings -----------------------------------------------------------------

    def engine_settings(self, base: WindowSettings) -> WindowSettings:
        """``base`` with the saved engine settings where this run gave none (by flag or
        environment variable; a value that differs from the default counts as given)."""
        declared = declaration(base)
        changes: dict[str, Any] = {}
        for key in ENGINE_KEYS:
            stored = self._qs.value(f"engine/{key}")
            default = declared[key].default
            given = key in base.given or getattr(base, key) != default
            if stored is None or given:
                continue
            value = _typed(stored, default)
            choices = declared[key].metadata["choices"]
            if value is None or (choices and value not in choices) or not _valid(base, key, value):
                log.warning("Ignoring the saved %s %r in %s", key, stored, self.path)
                continue
            changes[key] = value
        return dataclasses.replace(base, **changes)

    def save_engine(self, settings: WindowSettings) -> None:
        for key in ENGINE_KEYS:
            self._qs.setValue(f"engine/{key}", getattr(settings, key))
        self._qs.sync()

    # -- task options --------------------------------------------------------------------

    def preferences(self) -> Preferences:
        defaults = Preferences()
        values = {}
        for f in dataclasses.fields(Preferences):
            stored = self._qs.value(f"transcription/{f.name}")
            value = None if stored is None else _typed(stored, getattr(defaults, f.name))
            values[f.name] = getattr(defaults, f.name) if value is None else value
        preferences = Preferences(**values)
        try:
            preferences.options()
        except StackscribeError as exc:
            log.warning("Ignoring the saved transcription options (%s)", exc)
            return defaults
        return preferences

    def save_preferences(self, preferences: Preferences) -> None:
        for f in dataclasses.fields(Preferences):
            self._qs.setValue(f"transcription/{f.name}", getattr(preferences, f.name))
        self._qs.sync()

    # -- window --------------------------------------------------------------------------

    def window_state(self) -> dict[str, QByteArray]:
        return {
            key: value
            for key in ("geometry", "state", "splitter")
            if isinstance(value := self._qs.value(f"window/{key}"), QByteArray)
        }

    def save_window_state(self, **states: QByteArray) -> None:
        for key, value in states.items():
            self._qs.setValue(f"window/{key}", value)
        self._qs.sync()

    def value(self, key: str, default: str = "") -> str:
        stored = self._qs.value(key)
        return default if stored is None else str(stored)

    def set_value(self, key: str, value: str) -> None:
        self._qs.setValue(key, value)
        self._qs.sync()


def _valid(base: WindowSettings, key: str, value: Any) -> bool:
    """Whether the settings accept ``value`` for ``key`` (a hand-edited table may not)."""
    try:
        type(base)(**{key: value})
    except ValueError:
        return False
    return True


def _typed(stored: Any, like: Any) -> Any:
    """INI files keep strings: read ``stored`` as the type of ``like`` (None if it is not)."""
    if isinstance(like, bool):
        text = str(stored).strip().lower()
        return {"true": True, "1": True, "false": False, "0": False}.get(text)
    if isinstance(like, int):
        try:
            return int(stored)
        except (TypeError, ValueError):
            return None
    return str(stored)
