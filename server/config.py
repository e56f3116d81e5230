"""The server's own settings, derived from the app's settings once at start."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    queue_port: int = 8000
    direct_port: int = 8001
    max_upload_bytes: int = 2048 * 1024 * 1024
    api_key: str = ""
    cors_origins: tuple[str, ...] = ("http://localhost:3000", "http://127.0.0.1:3000")
    uploads_dir: Path = Path("uploads")
    model: str = ""
    public_settings: dict[str, Any] = field(default_factory=dict)


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
