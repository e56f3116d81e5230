"""The task list: one row per task, shown with progress, and the edits saved with a task.

- :mod:`~gui.tasks.model`: :class:`~gui.tasks.model.TaskModel`, one row
  (:class:`~gui.tasks.model.TaskRow`) per task, kept current from the service's events;
- :mod:`~gui.tasks.table`: :class:`~gui.tasks.table.TaskTable`, status pills, progress bars
  and per-row action buttons;
- :mod:`~gui.tasks.edits`: :class:`~gui.tasks.edits.TaskEdits`, a person's edits of finished
  transcripts, saved with the task and undoable.

What the buttons do is :class:`gui.task_actions.TaskActions`, in the window's shell: it
reaches into the transcript (export, play) and the settings as well as the tasks.

May import :mod:`engine` (its front door), Qt and the window's shell at the top of
:mod:`gui` below the rooms (session, jobs, dialogs, icons, style); never
:mod:`gui.transcript`, :mod:`gui.recording`, :mod:`gui.task_actions` or
:mod:`gui.main_window`, which are built on it.
"""
