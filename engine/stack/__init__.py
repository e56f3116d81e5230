"""The task stack: one interface (:mod:`~engine.stack.protocol`) and its backends.

- :mod:`engine.stack.protocol`: the :class:`TaskStack` protocol, its events and its order.
- :mod:`engine.stack.memory`: the in-memory stack held by the host process.
- :mod:`engine.stack.journal`: the SQLite journal that makes the memory stack durable.
- :mod:`engine.stack.redis` and :mod:`engine.stack.redis_scripts`: one stack for many
  engines, every change one Lua script.
- :mod:`engine.stack.resilient`: Redis with the local stack as its safety net.
- :mod:`engine.stack.sharing`: the ``multiprocessing`` manager that lends the host's stacks
  to engine processes.

May import the top of :mod:`engine` (task, errors, redact); nothing from the pipeline, the
engine process, the server, the GUI or the app.
"""
