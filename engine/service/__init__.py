"""The engine's service: what the faces (and the command line) talk to.

- :mod:`engine.service.tasks`: :class:`~engine.service.tasks.TaskService`, submit, get,
  cancel and subscribe over the stacks, the supervised engine process and live streams;
- :mod:`engine.service.watch`: :class:`~engine.service.watch.FolderWatcher`, a folder's new
  audio and video files queued through the service, their transcripts written beside them.

May import every other part of :mod:`engine` (it puts them together, with
:mod:`engine.process`); nothing from the server, the GUI or the app. The faces reach it
through the front door (``from engine import TaskService, FolderWatcher, ...``).
"""
