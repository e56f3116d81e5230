"""Live transcription over WebSockets: audio frames in, text out, as the engine hears it.

- :mod:`~server.live.routes`: ``/ws/live`` (API.md's live stream) and what it shares with
  the Realtime route (the socket's session, frame and idle limits);
- :mod:`~server.live.realtime`: ``/v1/realtime``, OpenAI's Realtime API for transcription.

May import :mod:`engine` (its front door only), :mod:`server.context`, :mod:`server.config`
and :mod:`server.http`; never :mod:`server.routes`, :mod:`server.app` or the runner.
"""
