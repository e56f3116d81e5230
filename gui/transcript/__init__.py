"""A task's transcript: shown live, searched, edited, played and exported.

- :mod:`~gui.transcript.view`: :class:`~gui.transcript.view.TranscriptView`, segments with
  times, filled live, searchable and copyable;
- :mod:`~gui.transcript.segment_editing`:
  :class:`~gui.transcript.segment_editing.SegmentEditor`, edit, merge, split and shift
  segments of a finished transcript;
- :mod:`~gui.transcript.playback`: :class:`~gui.transcript.playback.Player`, play from a
  segment;
- :mod:`~gui.transcript.exporter` and :mod:`~gui.transcript.export_options`: writing to a
  file (through ``engine.writer``) and the saved subtitle layout every export uses.

May import :mod:`engine` (its front door), Qt, the window's shell below the rooms (icons,
style, media, dialogs), :mod:`gui.tasks` (the rows it shows), :mod:`gui.recording` (the
output device) and :mod:`gui.settings` (saved preferences); never :mod:`gui.task_actions`
or :mod:`gui.main_window`.
"""
