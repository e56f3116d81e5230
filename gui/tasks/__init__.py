"""The task list: one row per task, shown with progress, and what its buttons do.

- :mod:`~gui.tasks.model`: :class:`~gui.tasks.model.TaskModel`, one row per task, kept
  current from the service's events;
- :mod:`~gui.tasks.table`: :class:`~gui.tasks.table.TaskTable`, status pills, progress bars
  and per-row action buttons;
- :mod:`~gui.tasks.actions`: :class:`~gui.tasks.actions.TaskActions`, cancel, retry, open,
  export, remove, play;
- :mod:`~gui.tasks.edits`: :class:`~gui.tasks.edits.TaskEdits`, a person's edits of finished
  transcripts, saved with the task and undoable.

May import :mod:`engine` (its front door), Qt, the window's shell at the top of :mod:`gui`
(session, jobs, dialogs, icons, style), :mod:`gui.transcript` (exporting and playing a
task) and :mod:`gui.settings` (saved preferences); never :mod:`gui.main_window`.
"""
