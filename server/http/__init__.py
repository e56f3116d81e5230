"""HTTP plumbing every listener shares: what is checked, read and answered around a route.

- :mod:`~server.http.guards`: Origin and Host checks, the key on ``/docs``;
- :mod:`~server.http.limits`: bounds on a request's head before it reaches a route;
- :mod:`~server.http.uploads`: multipart uploads streamed to disk with a size limit;
- :mod:`~server.http.params`: transcription parameters from form fields or the query string;
- :mod:`~server.http.responses`: tasks and transcripts as responses;
- :mod:`~server.http.errors`: one ``{"detail": ...}`` shape for every error.

May import :mod:`engine` (its front door only), :mod:`server.context` and
:mod:`server.config`; never :mod:`server.routes`, :mod:`server.live`, :mod:`server.app` or
the runner (routes are built on it, not the other way round).
"""
