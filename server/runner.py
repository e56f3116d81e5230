"""Serve the listeners from one event loop: in the foreground (``serve``) or a thread (GUI)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import signal
import socket
import threading
from collections.abc import Iterator
from typing import Any

import uvicorn

from engine import TaskService
from server import app as apps
from server.callbacks import CallbackSender
from server.config import ServerConfig
from server.context import ServerContext
from server.events import EventBridge
from server.http.limits import LimitedHttpToolsProtocol

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signals to the runner (the servers share one loop)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _loop_factory() -> Any:
    """uvloop where it is installed (not on Windows): it serves about twice the requests."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def _run(coroutine: Any) -> None:
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(coroutine)


def _bind(host: str, port: int, what: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, reuse_port=False)
    except OSError as exc:
        raise OSError(
            f"Cannot listen on {host}:{port} for the {what} API ({exc.strerror}); "
            f"choose another port with --{what}-port"
        ) from exc


class ServerRunner:
    """The listeners of ``config.listeners`` (queue, direct, tasks) over one task service."""

    def __init__(self, service: TaskService, config: ServerConfig, log_level: str = "warning"):
        self.service = service
        self.config = config
        self.log_level = log_level
        self._sockets: dict[str, socket.socket] = {}
        self._servers: list[_Server] = []
        self._context: ServerContext | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._failure: BaseException | None = None

    # -- addresses ---------------------------------------------------------------------

    def bind(self) -> None:
        """Open every socket now, so a busy port is reported before anything starts."""
        self.config.uploads_dir.mkdir(parents=True, exist_ok=True)
        try:
            for name in self.config.listeners:
                self._sockets[name] = _bind(self.config.host, self.config.port(name), name)
        except OSError:
            for sock in self._sockets.values():
                sock.close()
            self._sockets.clear()
            raise

    def port(self, which: str) -> int:
        return self._sockets[which].getsockname()[1]

    def urls(self) -> dict[str, str]:
        """Base URL of each served listener, by name."""
        return {name: self.url(name) for name in self.config.listeners}

    def url(self, which: str) -> str:
        host = self.config.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port(which)}"

    # -- serving -----------------------------------------------------------------------

    def _uvicorn(self, app: Any) -> _Server:
        return _Server(
            uvicorn.Config(
                app,
                log_level=self.log_level,
                access_log=self.log_level == "debug",
                lifespan="off",
                http=LimitedHttpToolsProtocol,  # bounded request heads (431, 414)
                timeout_graceful_shutdown=3,
                ws_ping_interval=20,
            )
        )

    async def serve(self) -> None:
        if not self._sockets:
            self.bind()
        self._loop = asyncio.get_running_loop()
        bridge = EventBridge(self.service, self._loop)
        ports: dict[str, Any] = {f"{n}_port": self.port(n) for n in self.config.listeners}
        config = dataclasses.replace(self.config, **ports)
        callbacks = self._callbacks()
        ctx = ServerContext(self.service, config, bridge, callbacks=callbacks)
        self._context = ctx
        names = self.config.listeners
        self._servers = [self._uvicorn(apps.APPS[name](ctx)) for name in names]
        watcher = asyncio.ensure_future(self._announce())
        try:
            await asyncio.gather(
                *(
                    server.serve(sockets=[self._sockets[name]])
                    for name, server in zip(names, self._servers, strict=True)
                )
            )
        finally:
            watcher.cancel()
            bridge.close()
            if callbacks is not None:
                await asyncio.to_thread(callbacks.close)  # a POST under way may take seconds

    def _callbacks(self) -> CallbackSender | None:
        """The completion callbacks of queued tasks, where a listener takes submissions."""
        if not {"queue", "tasks"} & set(self.config.listeners):
            return None
        c = self.config
        return CallbackSender(
            self.service, c.callback_hosts, c.callback_secret, attempts=c.callback_attempts
        )

    async def _announce(self) -> None:
        while not all(s.started for s in self._servers):
            await asyncio.sleep(0.01)
        self._started.set()

    def request_stop(self) -> None:
        if self._context is not None:
            self._context.stopping = True
        for server in self._servers:
            server.should_exit = True

    # -- in a thread (GUI, tests) ------------------------------------------------------

    def start(self, timeout: float = 15.0) -> None:
        self.bind()

        def run() -> None:
            try:
                _run(self.serve())
            except BaseException as exc:  # reported to the thread that called start()
                self._failure = exc
                self._started.set()

        self._thread = threading.Thread(target=run, name="http-server", daemon=True)
        self._thread.start()
        if not self._started.wait(timeout) or self._failure is not None:
            raise RuntimeError(f"The HTTP server did not start: {self._failure}")

    def stop(self, timeout: float = 10.0) -> None:
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self.request_stop)
        if self._thread is not None:
            self._thread.join(timeout)

    # -- in the foreground (python -m app serve) ---------------------------------------

    def run_forever(self) -> None:
        """Serve until SIGINT or SIGTERM, then stop accepting and let requests finish."""

        async def main() -> None:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C still works
                    loop.add_signal_handler(sig, self._on_signal, sig)
            await self.serve()

        _run(main())

    def _on_signal(self, sig: int) -> None:
        log.info("Received %s: stopping", signal.Signals(sig).name)
        self.request_stop()
