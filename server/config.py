"""The server's own settings, derived from the app's settings once at start."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The listeners one server can serve, in the order they are started and listed.
LISTENERS = ("queue", "direct", "tasks")


@dataclass(frozen=True)
class ServerConfig:
    """Ports of 0 bind any free port; a listener left out of ``listeners`` is not served.

    No defaults: the app builds it from its settings, where each is declared.
    """

    host: str
    queue_port: int
    direct_port: int
    tasks_port: int
    listeners: tuple[str, ...]
    max_upload_bytes: int
    api_key: str
    cors_origins: tuple[str, ...]
    allowed_hosts: tuple[str, ...]  # Host names accepted without an API key, beside loopback
    uploads_dir: Path
    model: str
    public_settings: dict[str, Any]
    max_retries: int  # shown as max_retries on the tasks listener
    callback_hosts: tuple[str, ...]
    callback_secret: str
    callback_attempts: int
    version: str  # Stackscribe's, shown in the OpenAPI documents

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
