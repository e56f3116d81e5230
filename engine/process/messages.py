"""What the engine process tells its host, over the multiprocessing queue.

Frozen dataclasses rather than dicts, so the worker and the supervisor agree on every field
and a new kind of message is a type the supervisor's dispatch must handle. They are
pickled across the process boundary, so they hold plain values only.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EngineLoading:
    """The engine process started and is loading ``model``."""

    model: str


@dataclass(frozen=True)
class EngineReady:
    """The model is loaded; the workers are claiming tasks."""

    model: str
    device: str
    compute_type: str


@dataclass(frozen=True)
class EngineFailed:
    """The model would not load; restarting the engine would not help."""

    error: str


@dataclass(frozen=True)
class EngineStopped:
    """The workers stopped after the host asked them to."""


@dataclass(frozen=True)
class EngineAlive:
    """The engine's heartbeat, sent every few seconds, naming any lane whose thread died.

    Its absence for a lease (a frozen or stopped process) is how the host sees a stall.
    """

    dead_workers: tuple[str, ...] = ()


EngineMessage = EngineLoading | EngineReady | EngineFailed | EngineStopped | EngineAlive
