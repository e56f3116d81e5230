"""Completion callbacks: a queued task's final state POSTed to the ``callback_url`` it came with.

Deliveries run in a small thread pool of their own, never in the event loop or the engine: the
stack's listener only hands the task id over. Each delivery tries ``attempts`` times, waiting
1, 2, 4, ... seconds between tries (a connection error, a timeout, a 5xx, 408 or 429 is tried
again; another answer is final), then logs that it gave up. One deadline covers each attempt
(a receiver dribbling a byte at a time is cut at :data:`REQUEST_TIMEOUT`), waits between
tries hold no thread, and closing cuts every POST under way. Only hosts of the allow-list are
called, redirects are not followed (they could lead elsewhere), and no proxy is used. With a
secret, the body is signed: ``X-Stackscribe-Signature: sha256=<hex HMAC-SHA256 of the body>``.

The callback is sent by the server that accepted the task, when it sees the task end: its own
engine or any worker sharing its Redis stack (their events reach it). A task still pending when
that server stops (or restarts) gets no callback; pending tasks are also looked at every
:data:`RECHECK_SECONDS`, so an end whose event was missed (Redis away) is still noticed.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import json
import logging
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from engine import (
    InvalidParameter,
    StackEvent,
    StackscribeError,
    TaskEvent,
    TaskService,
    redact_secrets,
)

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Stackscribe-Signature"
TASK_HEADER = "X-Stackscribe-Task-Id"
#: How often tasks waiting for their callback are looked up, in case an event was missed.
RECHECK_SECONDS = 10.0
#: Seconds one POST may take, from connecting to the end of the answer.
REQUEST_TIMEOUT = 10.0
_RETRIED = frozenset({408, 429})
MAX_URL_LENGTH = 2000

Body = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class _Pending:
    url: str
    body: Body


_LATE = f"no answer within {REQUEST_TIMEOUT:g} s"
_STOPPING = "cut short: the server is shutting down"


class _Attempt:
    """One POST on its own connection, which :meth:`cut` ends from any thread.

    http.client follows no redirect (a 3xx is an answer like any other, not a new target)
    and uses no proxy.
    """

    def __init__(self, conn: http.client.HTTPConnection) -> None:
        self.conn = conn
        self.reason: str | None = None  # why it was cut
        self._lock = threading.Lock()

    def cut(self, reason: str) -> None:
        with self._lock:
            self.reason = self.reason or reason
            sock = self.conn.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # a blocked connect, send or read returns

    def post(self, target: str, body: bytes, headers: dict[str, str]) -> tuple[str | None, bool]:
        """(None, _) when delivered; else what went wrong and whether to try again."""
        problem: str | None
        try:
            status = self._send(target, body, headers)
        except (OSError, http.client.HTTPException) as exc:
            problem, again = str(exc) or type(exc).__name__, True
        except ValueError as exc:  # a URL http.client cannot send (refused at submission)
            problem, again = f"the URL cannot be sent: {exc}", False
        else:
            problem = None if 200 <= status < 300 else f"HTTP {status}"
            again = status >= 500 or status in _RETRIED
        if self.reason is not None:  # cut: whatever came back was cut short
            return self.reason, self.reason == _LATE
        return problem, again

    def _send(self, target: str, body: bytes, headers: dict[str, str]) -> int:
        self.conn.connect()
        with self._lock:
            if self.reason is not None:  # cut while connecting, before there was a socket
                raise TimeoutError(self.reason)
        self.conn.request("POST", target, body=body, headers=headers)
        with self.conn.getresponse() as answer:
            answer.read(65536)
            return answer.status


def signature(secret: str, body: bytes) -> str:
    """The value of :data:`SIGNATURE_HEADER` for ``body``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class CallbackSender:
    """Sends each registered task's final state once, off every thread that matters."""

    def __init__(
        self,
        service: TaskService,
        hosts: tuple[str, ...],
        secret: str,
        attempts: int,
        backoff: float = 1.0,
    ) -> None:
        self.service = service
        self.hosts = frozenset(h.strip().lower().strip("[]") for h in hosts if h.strip())
        self.secret = secret
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="callback")
        self._timers: set[threading.Timer] = set()  # retries waiting for their time
        self._active: set[_Attempt] = set()  # POSTs under way
        self._unsubscribe = service.subscribe(self._on_event)
        self._rechecker = threading.Thread(
            target=self._recheck, name="callback-recheck", daemon=True
        )
        self._rechecker.start()

    # -- accepting ---------------------------------------------------------------------

    def check(self, url: str | None) -> str | None:
        """``url`` if it may be called back (None for none); 422 with the reason otherwise."""
        if url is None or not url.strip():
            return None
        url = url.strip()
        if len(url) > MAX_URL_LENGTH:
            raise InvalidParameter(f"callback_url is limited to {MAX_URL_LENGTH} characters")
        if any(not " " < c < "\x7f" for c in url):
            # http.client refuses these when it sends, long after the submission was answered
            raise InvalidParameter(
                "callback_url may hold only printable ASCII without spaces: percent-encode "
                "anything else (%20 for a space)"
            )
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 -- an invalid port raises here
        except ValueError as exc:
            raise InvalidParameter(f"callback_url is not a valid URL: {exc}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidParameter("callback_url must be an http:// or https:// URL with a host")
        if parts.hostname.lower() not in self.hosts:
            allowed = ", ".join(sorted(self.hosts)) or "none"
            raise InvalidParameter(
                f"callback_url host {parts.hostname!r} is not allowed: the server calls back "
                f"only {allowed} (setting CALLBACK_HOSTS)"
            )
        return url

    def register(self, task_id: str, url: str, body: Body) -> None:
        """Call ``url`` back with ``body(task_id)`` once the task has ended."""
        with self._lock:
            self._pending[task_id] = _Pending(url, body)
        self._deliver_if_final(task_id)  # it may have ended before it was registered

    # -- noticing the end ----------------------------------------------------------------

    def _on_event(self, event: StackEvent) -> None:
        """A stack listener: runs in the stack's thread, so it only hands the work over."""
        if isinstance(event, TaskEvent) and event.status.is_final:
            self._start(event.task_id)

    def _start(self, task_id: str) -> None:
        with self._lock:  # close() takes it too: nothing is submitted to a closed pool
            pending = self._pending.pop(task_id, None)
            if pending is not None and not self._stop.is_set():
                self._pool.submit(self._deliver, task_id, pending)

    def _deliver_if_final(self, task_id: str) -> None:
        try:
            final = self.service.get(task_id).status.is_final
        except StackscribeError as exc:  # gone, or Redis away: looked at again later
            log.debug("Callback of task %s: task not read (%s)", task_id, exc)
            return
        if final:
            self._start(task_id)

    def _recheck(self) -> None:
        while not self._stop.wait(RECHECK_SECONDS):
            with self._lock:
                waiting = list(self._pending)
            for task_id in waiting:
                self._deliver_if_final(task_id)

    # -- delivering ----------------------------------------------------------------------

    def _deliver(
        self, task_id: str, pending: _Pending, attempt: int = 1, body: bytes = b""
    ) -> None:
        """A pool thread's boundary: whatever goes wrong is logged, never lost with the future."""
        try:
            self._attempt(task_id, pending, attempt, body)
        except Exception:
            log.exception("Callback of task %s to %s failed", task_id, redact_secrets(pending.url))

    def _attempt(self, task_id: str, pending: _Pending, attempt: int, body: bytes) -> None:
        if not body:
            try:
                body = json.dumps(pending.body(task_id), ensure_ascii=False).encode()
            except StackscribeError as exc:
                log.warning(
                    "Callback of task %s not sent: the task cannot be read (%s)", task_id, exc
                )
                return
        where = redact_secrets(pending.url)
        problem, again = self._post(pending.url, task_id, body)
        if problem is None:
            log.info("Callback of task %s delivered to %s", task_id, where)
            return
        if not again or attempt >= self.attempts:
            log.warning(
                "Callback of task %s to %s failed after %d attempt(s): %s; giving up",
                task_id, where, attempt, problem,
            )  # fmt: skip
            return
        delay = self.backoff * 2 ** (attempt - 1)
        log.info(
            "Callback of task %s to %s failed (%s); attempt %d in %.1f s",
            task_id, where, problem, attempt + 1, delay,
        )  # fmt: skip
        # The wait is a timer, not a pool thread asleep: a receiver that keeps failing never
        # holds a thread that other callbacks need.
        with self._lock:
            if self._stop.is_set():
                log.warning("Callback of task %s to %s abandoned: shutting down", task_id, where)
                return
            timer = threading.Timer(delay, self._retry, (task_id, pending, attempt + 1, body))
            timer.daemon = True
            self._timers.add(timer)
            timer.start()

    def _retry(self, task_id: str, pending: _Pending, attempt: int, body: bytes) -> None:
        with self._lock:
            self._timers.discard(threading.current_thread())  # the timer itself
            if not self._stop.is_set():
                self._pool.submit(self._deliver, task_id, pending, attempt, body)

    def _post(self, url: str, task_id: str, body: bytes) -> tuple[str | None, bool]:
        """(None, _) when delivered; else what went wrong and whether to try again.

        One deadline covers the whole attempt (connect, send, answer): at
        :data:`REQUEST_TIMEOUT` the connection is cut, however slowly the receiver dribbles.
        """
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "stackscribe-callback",
            TASK_HEADER: task_id,
        }
        if self.secret:
            headers[SIGNATURE_HEADER] = signature(self.secret, body)
        parts = urlsplit(url)
        kind = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        attempt = _Attempt(kind(parts.hostname or "", parts.port, timeout=REQUEST_TIMEOUT))
        with self._lock:
            if self._stop.is_set():
                return "shutting down", False
            self._active.add(attempt)
        deadline = threading.Timer(REQUEST_TIMEOUT, attempt.cut, (_LATE,))
        deadline.daemon = True
        deadline.start()
        try:
            target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
            return attempt.post(target, body, headers)
        finally:
            deadline.cancel()
            attempt.conn.close()
            with self._lock:
                self._active.discard(attempt)

    def close(self) -> None:
        """Stop noticing ends; retries waiting are dropped and POSTs under way cut at once."""
        self._unsubscribe()
        with self._lock:
            self._stop.set()
            left = len(self._pending) + len(self._timers)
            self._pending.clear()
            timers, self._timers = self._timers, set()
            active = list(self._active)
        for timer in timers:
            timer.cancel()
        for attempt in active:
            attempt.cut(_STOPPING)
        if left or active:
            log.info(
                "%d callback(s) will not be sent, %d cut short: shutting down", left, len(active)
            )
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._rechecker.join(timeout=2)
