"""Completion callbacks: a queued task's final state POSTed to the ``callback_url`` it came with.

Deliveries run in a small thread pool of their own, never in the event loop or the engine: the
stack's listener only hands the task id over. Each delivery tries ``attempts`` times, waiting
1, 2, 4, ... seconds between tries (a connection error, a timeout, a 5xx, 408 or 429 is tried
again; another answer is final), then logs that it gave up. Only hosts of the allow-list are
called, redirects are not followed (they could lead elsewhere), and no proxy is used. With a
secret, the body is signed: ``X-Stackscribe-Signature: sha256=<hex HMAC-SHA256 of the body>``.

The callback is sent by the server that accepted the task, when it sees the task end: its own
engine or any worker sharing its Redis stack (their events reach it). A task still pending when
that server stops (or restarts) gets no callback; pending tasks are also looked at every
:data:`RECHECK_SECONDS`, so an end whose event was missed (Redis away) is still noticed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from engine.errors import InvalidParameter, StackscribeError
from engine.redact import redact
from engine.service import TaskService
from engine.stack.protocol import StackEvent
from engine.task import TaskEvent

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Stackscribe-Signature"
TASK_HEADER = "X-Stackscribe-Task-Id"
#: How often tasks waiting for their callback are looked up, in case an event was missed.
RECHECK_SECONDS = 10.0
#: Seconds one POST may take.
REQUEST_TIMEOUT = 10.0
_RETRIED = frozenset({408, 429})
MAX_URL_LENGTH = 2000

Body = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class _Pending:
    url: str
    body: Body


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is an answer like any other, not a new target


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
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="callback")
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())
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

    def _deliver(self, task_id: str, pending: _Pending) -> None:
        try:
            body = json.dumps(pending.body(task_id), ensure_ascii=False).encode()
        except StackscribeError as exc:
            log.warning("Callback of task %s not sent: the task cannot be read (%s)", task_id, exc)
            return
        where = redact(pending.url)
        for attempt in range(1, self.attempts + 1):
            problem, again = self._post(pending.url, task_id, body)
            if problem is None:
                log.info("Callback of task %s delivered to %s", task_id, where)
                return
            if not again or attempt == self.attempts:
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
            if self._stop.wait(delay):
                log.warning("Callback of task %s to %s abandoned: shutting down", task_id, where)
                return

    def _post(self, url: str, task_id: str, body: bytes) -> tuple[str | None, bool]:
        """(None, _) when delivered; else what went wrong and whether to try again."""
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "stackscribe-callback",
            TASK_HEADER: task_id,
        }
        if self.secret:
            headers[SIGNATURE_HEADER] = signature(self.secret, body)
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=REQUEST_TIMEOUT) as answer:
                answer.read(65536)
                return None, False
        except urllib.error.HTTPError as exc:
            exc.close()
            return f"HTTP {exc.code}", exc.code >= 500 or exc.code in _RETRIED
        except (urllib.error.URLError, OSError) as exc:
            return str(getattr(exc, "reason", exc)), True

    def close(self) -> None:
        """Stop noticing ends; waits between retries end, a POST under way finishes."""
        self._unsubscribe()
        with self._lock:
            self._stop.set()
            left = len(self._pending)
            self._pending.clear()
        if left:
            log.info("%d task(s) still waiting for their callback will not get one", left)
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._rechecker.join(timeout=2)
