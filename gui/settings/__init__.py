"""The window's settings: what the run was given, what the person saved, and the dialog.

- :mod:`~gui.settings.window`: :class:`~gui.settings.window.WindowSettings`, the run's
  settings as the window reads them, without importing ``app/``;
- :mod:`~gui.settings.preferences`: :class:`~gui.settings.preferences.PreferenceStore`, the
  choices kept in ``gui.ini``;
- :mod:`~gui.settings.dialog`: :class:`~gui.settings.dialog.SettingsDialog`;
- :mod:`~gui.settings.model_download`: a model download in a thread, with progress and
  cancel.

The lowest room: may import :mod:`engine` (its front door), Qt and the window's shell
(dialogs, media); never the other rooms, which read it.
"""
