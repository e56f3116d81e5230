"""The engine process: the one process that owns the model, and the host side that keeps it.

- :mod:`engine.process.main`: the process's entry point (spawned by the host).
- :mod:`engine.process.worker`: a worker per lane, tasks claimed from the stacks.
- :mod:`engine.process.supervisor`: in the host, download, spawn, watchdog and restart.
- :mod:`engine.process.messages`: what the engine process reports to the supervisor.

May import every other part of :mod:`engine`; nothing from the server, the GUI or the app.
"""
