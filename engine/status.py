"""What the host knows of the engine process: its state and a snapshot of its status.

The faces (the window's status bar, ``/health``) read these; :mod:`engine.process.supervisor`
produces them. Only the standard library: any part may import it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum
from typing import Any


class EngineState(str, Enum):
    STARTING = "starting"
    DOWNLOADING = "downloading"
    LOADING = "loading"
    READY = "ready"
    UNAVAILABLE = "unavailable"
    RESTARTING = "restarting"
    STOPPED = "stopped"


@dataclass(frozen=True)
class EngineStatus:
    """A snapshot of the engine as the host sees it."""

    state: EngineState = EngineState.STARTING
    model: str = ""
    #: Why this model runs ("named", "the default model", or why the fallback was taken).
    model_reason: str = ""
    model_fallback: bool = False
    device: str = ""
    compute_type: str = ""
    error: str | None = None
    download_done: int = 0
    download_total: int = 0
    restarts: int = 0
    pid: int | None = None
    #: False while a ready engine has sent no heartbeat for a lease (frozen, stopped).
    responding: bool = True
    #: Lanes (``queue``, ``direct``) whose worker thread died: they take no more work.
    dead_workers: tuple[str, ...] = ()

    @property
    def alive(self) -> bool:
        return self.state == EngineState.READY

    @property
    def serving(self) -> bool:
        """Ready, answering, and every lane's worker running: work queued will be done."""
        return self.alive and self.responding and not self.dead_workers

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["state"] = self.state.value
        return data
