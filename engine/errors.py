"""The project's one exception hierarchy.

Every error a person can act on derives from :class:`StackscribeError` and carries the HTTP
status it maps to, so the server has a single handler and the CLI and GUI show the same text.
"""

from __future__ import annotations


class StackscribeError(Exception):
    """Base of every expected error; ``str(error)`` is the message shown to people."""

    status: int = 500

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status

    @property
    def message(self) -> str:
        return str(self)


class BadInput(StackscribeError):
    """The request or file cannot be used as given."""

    status = 400


class AudioDecodeError(BadInput):
    """The file is not audio that FFmpeg can decode (empty, corrupt, no audio stream)."""


class InvalidParameter(StackscribeError):
    """A parameter has a value outside its allowed set or range."""

    status = 422


class NotFound(StackscribeError):
    status = 404


class Conflict(StackscribeError):
    """The task is in a state that does not allow the operation."""

    status = 409


class TooLarge(StackscribeError):
    status = 413


class Unavailable(StackscribeError):
    """The service cannot take the work now; clients should retry after ``retry_after``."""

    status = 503

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QueueFull(Unavailable):
    pass


class ModelUnavailable(Unavailable):
    pass


class TaskCancelled(StackscribeError):
    """Raised inside the engine to unwind a task whose cancel was requested."""

    status = 409


class TaskTimeout(StackscribeError):
    """Raised inside the engine when a task runs past ``WORKER_TIMEOUT``."""

    status = 504


class LeaseLost(Conflict):
    """A worker tried to update a task it no longer owns (its lease expired or was taken)."""


class EngineStopping(StackscribeError):
    """Raised inside the engine to hand a running task back to the stack on shutdown."""

    status = 503


class StackUnavailable(Unavailable):
    """The shared stack (Redis) cannot be reached right now."""


class NotStored(StackscribeError):
    """Task state could not be written to disk (full, read-only, damaged): nothing changed."""

    status = 507
