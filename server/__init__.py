"""The HTTP faces of the task service: the queue, direct and tasks listeners, OpenAI routes.

The contract existing clients speak is ``../shared/API.md``; additions are documented in
the README. The rooms:

- :mod:`server.routes`: what each listener answers (queue, direct, tasks, OpenAI, health);
- :mod:`server.live`: live transcription sockets (``/ws/live``, ``/v1/realtime``);
- :mod:`server.http`: guards, request limits, uploads, parameters, responses, errors.

At the top, what puts them together: :mod:`server.app` builds one FastAPI application per
listener; :mod:`server.runner` serves them from one event loop, in the foreground
(``serve``) or in a thread of the GUI; :mod:`server.config` (what the app hands in),
:mod:`server.context` (what every route needs), :mod:`server.events` (stack events into the
event loop) and :mod:`server.callbacks` (completion callbacks).

May import :mod:`engine` (only ``from engine import ...``, its front door) and libraries;
never Qt, the GUI or the app (the app hands in a :class:`server.config.ServerConfig`;
``tests/test_layers.py`` checks it).
"""
