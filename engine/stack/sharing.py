"""Sharing the host's stacks with engine processes through a ``multiprocessing`` manager.

A manager server running in a thread of the host process lets engine processes call the
host's objects (the stacks, the live hub) through proxies, so no broker is needed.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import secrets
import threading
from collections.abc import Callable
from multiprocessing.managers import BaseManager
from typing import Any

log = logging.getLogger(__name__)


class _HostManager(BaseManager):
    """Serves the host's stacks to engine processes."""


class _ClientManager(BaseManager):
    """Connects an engine process to a host's stacks."""


@dataclasses.dataclass(frozen=True)
class StackAddress:
    """How an engine process reaches a host's stacks (picklable, passed at spawn)."""

    address: Any
    authkey: bytes


class StackHost:
    """Serves ``stacks`` to engine processes from daemon threads of this process.

    It runs its own accept loop rather than ``Server.serve_forever``, which resets
    ``sys.stdout`` and cannot be stopped without leaving its accept thread spinning.
    """

    def __init__(self, stacks: dict[str, object]) -> None:
        manager_cls: type[BaseManager] = type("_BoundHostManager", (_HostManager,), {})
        for name, stack in stacks.items():
            manager_cls.register(name, callable=_constant(stack))
        self._authkey = secrets.token_bytes(32)
        server: Any = manager_cls(address=None, authkey=self._authkey).get_server()
        self._stopping = threading.Event()
        # Server.serve_client loops until this is set.
        server.stop_event = self._stopping
        self._server = server
        self._thread = threading.Thread(target=self._accept, name="stack-host", daemon=True)

    @property
    def address(self) -> StackAddress:
        return StackAddress(self._server.address, self._authkey)

    def start(self) -> StackAddress:
        self._thread.start()
        return self.address

    def _accept(self) -> None:
        listener = self._server.listener
        while not self._stopping.is_set():
            try:
                conn = listener.accept()
            except (OSError, EOFError) as exc:
                if self._stopping.is_set():
                    return
                log.warning("Refused a connection to the stack: %s", exc)
                continue
            if self._stopping.is_set():
                conn.close()
                return
            threading.Thread(
                target=self._server.handle_request,
                args=(conn,),
                daemon=True,
                name="stack-client",
            ).start()

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        if self._thread.is_alive():
            from multiprocessing.connection import Client

            # Wake the blocking accept() so that the thread sees the stop flag; the
            # handshake may be cut short by the closing side, which is what we want.
            try:
                Client(self._server.address, authkey=self._authkey).close()
            except (OSError, EOFError) as exc:
                log.debug("Stack host wake-up connection ended early: %s", exc)
            self._thread.join(timeout=5)
        self._server.listener.close()
        address = self._server.address
        if isinstance(address, str) and os.path.exists(address):
            os.unlink(address)


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


def connect(address: StackAddress, name: str = "stack") -> Any:
    """A proxy to the host's stack ``name``; call it from the engine process."""
    if not hasattr(_ClientManager, name):  # registered on first use, not at import
        _ClientManager.register(name)
    manager = _ClientManager(address=address.address, authkey=address.authkey)
    manager.connect()
    return getattr(manager, name)()
