"""The HTTP faces of the task service: a queue listener and a direct listener.

The contract existing clients speak is ``../shared/API.md``; additions are documented in
the README. Nothing here imports Qt; the GUI hosts :class:`server.runner.ServerRunner`.
"""
