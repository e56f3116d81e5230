"""Subtitle export options: the layout of srt and vtt cues, kept in ``gui.ini``.

The Export menu's **Subtitle layout…** asks for it (:func:`gui.dialogs.subtitle_layout`);
every srt and vtt export after it uses the saved limits (0 in a box = no limit of that kind).
"""

from __future__ import annotations

import logging

from engine import LAYOUT_NAMES, StackscribeError, SubtitleLayout, layout_from_values
from gui.settings.preferences import PreferenceStore

log = logging.getLogger(__name__)


def saved_layout(store: PreferenceStore) -> SubtitleLayout | None:
    """The saved layout; None when no limit is saved (or what is saved cannot be used)."""
    values: dict[str, int | None] = {}
    for name in LAYOUT_NAMES:
        raw = store.value(f"export/{name}", "0")
        try:
            number = int(raw)
        except ValueError:
            log.warning("Ignoring the saved subtitle %s %r", name, raw)
            number = 0
        values[name] = number or None
    try:
        return layout_from_values(values)
    except StackscribeError as exc:
        log.warning("Ignoring the saved subtitle layout (%s)", exc)
        return None


def save_layout(store: PreferenceStore, layout: SubtitleLayout | None) -> None:
    values = layout.to_dict() if layout is not None else {}
    for name in LAYOUT_NAMES:
        store.set_value(f"export/{name}", str(values.get(name) or 0))
