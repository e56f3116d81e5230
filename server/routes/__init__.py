"""The listeners' routes: what each HTTP listener answers, one module per API.

- :mod:`~server.routes.queue` (8000: tasks on the stack, status, cancel, results) with
  :mod:`~server.routes.websocket` (``/ws/{task_id}`` progress);
- :mod:`~server.routes.direct` (8001: the transcript in the response), running its work through
  :mod:`~server.routes.direct_lane`;
- :mod:`~server.routes.tasks` (8002: the original's separated queue API);
- :mod:`~server.routes.openai` (``/v1/audio/...``, ``/v1/models``);
- :mod:`~server.routes.common` (``/health``, ``/config`` on every listener),
  :mod:`~server.routes.stats` (the stack's counters), :mod:`~server.routes.risk` (501).

May import :mod:`engine` (its front door only), :mod:`server.context`, :mod:`server.config`
and :mod:`server.http`; never :mod:`server.live`, :mod:`server.app` or the runner.
"""
