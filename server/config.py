"""The server's own settings, derived from the app's settings once at start."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The listeners one server can serve, in the order they are started and listed.
LISTENERS = ("queue", "direct", "tasks")


@dataclass(frozen=True)
class ServerConfig:
    """Ports of 0 bind any free port; a listener left out of ``listeners`` is not served."""

    host: str = "127.0.0.1"
    queue_port: int = 8000
    direct_port: int = 8001
    tasks_port: int = 8002
    listeners: tuple[str, ...] = LISTENERS
    max_upload_bytes: int = 2048 * 1024 * 1024
    api_key: str = ""
    cors_origins: tuple[str, ...] = ("http://localhost:3000", "http://127.0.0.1:3000")
    uploads_dir: Path = Path("uploads")
    model: str = ""
    public_settings: dict[str, Any] = field(default_factory=dict)
    max_retries: int = 2  # shown as max_retries on the tasks listener
    callback_hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")
    callback_secret: str = ""
    callback_attempts: int = 4

    def port(self, listener: str) -> int:
        return getattr(self, f"{listener}_port")

    def _base(self, listener: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port(listener)}"

    def url(self, listener: str) -> str | None:
        """Base URL of a served listener, None for one not served."""
        return self._base(listener) if listener in self.listeners else None

    def urls(self) -> dict[str, str]:
        return {name: self._base(name) for name in self.listeners}


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
