"""The HTTP faces of the task service: the queue, direct and tasks listeners, OpenAI routes.

The contract existing clients speak is ``../shared/API.md``; additions are documented in
the README. :mod:`server.app` builds one FastAPI application per listener from the
``routes_*`` modules; :mod:`server.runner` serves them from one event loop, in the
foreground (``serve``) or in a thread of the GUI.

May import :mod:`engine` and libraries; never Qt, the GUI or the app (the app hands in a
:class:`server.config.ServerConfig`; ``tests/test_layers.py`` checks it).
"""
