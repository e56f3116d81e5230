"""Subtitle export options: the layout of srt and vtt cues, kept in ``gui.ini``.

The Export menu's **Subtitle layout…** opens :class:`SubtitleLayoutDialog`; every srt and vtt
export after it uses the saved limits (0 in a box = no limit of that kind).
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QSpinBox, QWidget

from engine import (
    LAYOUT_NAMES,
    MAX_LAYOUT_LIMIT,
    StackscribeError,
    SubtitleLayout,
    layout_from_values,
)
from gui.settings.preferences import PreferenceStore

log = logging.getLogger(__name__)

LABELS = {
    "max_line_width": "Characters per line",
    "max_line_count": "Lines per cue",
    "max_words_per_line": "Words per line",
}


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


class SubtitleLayoutDialog(QDialog):
    """Three limits for subtitle cues; read :meth:`layout` after ``accepted``."""

    def __init__(self, current: SubtitleLayout | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Subtitle layout")
        form = QFormLayout(self)
        self.boxes: dict[str, QSpinBox] = {}
        values = current.to_dict() if current is not None else {}
        for name in LAYOUT_NAMES:
            box = QSpinBox()
            box.setRange(0, MAX_LAYOUT_LIMIT)
            box.setSpecialValueText("No limit")
            box.setValue(values.get(name) or 0)
            self.boxes[name] = box
            form.addRow(LABELS[name], box)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setToolTip(
            "Applies to SRT and WebVTT exports: cues are cut from word timings, never across "
            "a pause of over a second, and lines break at punctuation where they can."
        )

    def layout_values(self) -> SubtitleLayout | None:
        return layout_from_values({name: box.value() or None for name, box in self.boxes.items()})
