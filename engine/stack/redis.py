"""The Redis backend of :class:`engine.stack.protocol.TaskStack`: one stack for many engines.

Every change is one Lua script (:mod:`engine.stack.redis_scripts`), so a claim is atomic and keeps
LIFO within a priority, and a commit carrying a stale lease is refused: a task completes
exactly once even when an engine presumed dead wakes up. Task records are hashes; finished
ones, and results, expire after ``result_ttl``. The audio travels through Redis (a list of
chunks), so workers on other machines need no shared filesystem. Progress is published on
a channel, so every API server can push every task's progress to its WebSocket clients.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import functools
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import redis

from engine.errors import BadInput, Conflict, LeaseLost, NotFound, QueueFull, StackUnavailable
from engine.redact import redact
from engine.stack import redis_scripts as scripts
from engine.stack.protocol import Listener, QueueChanged, StackEvent
from engine.task import Task, TaskEvent, TaskStatus

log = logging.getLogger(__name__)

CHUNK = 4 * 1024 * 1024  # bytes per audio chunk in Redis
#: What a lost connection looks like; callers above the backend may fall back on these.
REDIS_ERRORS = (redis.ConnectionError, redis.TimeoutError)

# How the strings of a task's hash read back (see task_to_hash): numbers, flags, None.
_FLOATS = ("progress", "created_at", "started_at", "completed_at", "duration")
_INTS = ("priority", "attempts", "seq", "error_code")
_FLAGS = ("cancel_requested", "owns_source")
_OPTIONAL = frozenset(f.name for f in dataclasses.fields(Task) if f.default is None)
#: Kept in keys of their own (``result:<id>``, ``original:<id>``), not in the hash.
_APART = ("result", "original_result")
#: A push starts every task afresh; the PUSH script sets the rest (status, progress, attempts,
#: seq, lease, worker, cancel_requested).
_FRESH = {"message": "Queued", "error": "", "error_code": "", "started_at": "", "completed_at": ""}


def guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    """Report a lost connection as :class:`StackUnavailable` (503), the same for every caller."""

    @functools.wraps(method)
    def wrapper(self: RedisStack, *args: Any, **kwargs: Any) -> Any:
        try:
            result = method(self, *args, **kwargs)
        except REDIS_ERRORS as exc:
            self.connected = False
            raise StackUnavailable(f"Redis at {redact(self.url)} cannot be reached: {exc}") from exc
        self.connected = True
        return result

    return wrapper


def connect(url: str, timeout: float = 5.0) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=min(timeout, 2.0),
        health_check_interval=15,
        decode_responses=False,
    )


def reachable(url: str, timeout: float = 1.0) -> bool:
    """Whether a Redis server answers at ``url`` now."""
    client = connect(url, timeout)
    try:
        return bool(client.ping())
    except (*REDIS_ERRORS, OSError):
        return False
    finally:
        client.close()


def _decode(raw: dict[bytes, bytes]) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in raw.items()}


def _text(value: Any) -> str:
    """One field of a task record as a hash's string (:func:`_value` reads it back)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def task_to_hash(task: Task) -> dict[str, str]:
    """:meth:`Task.to_record` as the strings of a Redis hash: None is "", a flag "1" or "0"."""
    return {k: _text(v) for k, v in task.to_record().items() if k not in _APART}


def _value(name: str, text: str) -> Any:
    """One field of a task's hash as :meth:`Task.from_record` takes it."""
    if name == "options":
        return json.loads(text or "{}")
    if name in _FLAGS:
        return text == "1"
    if text == "" and name in _OPTIONAL:
        return None
    if name in _INTS:
        return int(float(text or 0))
    return float(text or 0) if name in _FLOATS else text


def task_from_hash(fields: dict[str, str]) -> Task:
    """A task as read back: never owning a file here (its upload went at its push, and a
    hash anyone may have written must not have a host delete the path it names)."""
    task = Task.from_record({k: _value(k, v) for k, v in fields.items()})
    task.owns_source = False
    return task


@dataclass(frozen=True)
class RedisOptions:
    """How to reach and use the shared stack (picklable: engines get it at spawn).

    No defaults here: the app builds these from its settings (REDIS_URL, REDIS_PREFIX,
    MAX_QUEUE_SIZE, RESULT_TTL, LEASE_SECONDS, MAX_ATTEMPTS), where each is declared.
    """

    url: str
    prefix: str
    max_size: int  # 0: unlimited
    result_ttl: int  # seconds
    lease_seconds: float
    max_attempts: int

    def open(self) -> RedisStack:
        return RedisStack(self)


class RedisStack:
    """A :class:`TaskStack` in Redis, shared by every host and engine that points at it."""

    backend = "redis"

    def __init__(self, options: RedisOptions) -> None:
        self.url = options.url
        self.prefix = options.prefix
        self.max_size = options.max_size
        self.result_ttl = options.result_ttl
        self.lease_ms = int(options.lease_seconds * 1000)
        self.max_attempts = options.max_attempts
        self.client: Any = connect(self.url)
        self._scripts = {
            name: self.client.register_script(getattr(scripts, name))
            for name in (
                "PUSH",
                "CLAIM",
                "REPORT",
                "FINISH",
                "REQUEUE",
                "RELEASE",
                "REAP",
                "HEARTBEAT",
                "CANCEL",
                "COUNTS",
            )
        }
        self._listeners: dict[int, Listener] = {}
        self._next = 0
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._subscribed = threading.Event()
        self._threads: list[threading.Thread] = []
        self.connected = True

    # -- keys and scripts --------------------------------------------------------------

    def _key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def _run(self, name: str, *args: Any) -> Any:
        return self._scripts[name](keys=[self.prefix], args=list(args))

    # -- audio -------------------------------------------------------------------------

    def _store_audio(self, task: Task) -> str:
        """Copy the audio into Redis in chunks, a few round trips however large it is."""
        key = self._key("audio", task.id)
        pipe = self.client.pipeline(transaction=False)
        pipe.delete(key)
        pending = 0
        with open(task.source, "rb") as fh:
            while chunk := fh.read(CHUNK):
                pipe.rpush(key, chunk)
                pending += len(chunk)
                if pending >= 4 * CHUNK:
                    pipe.execute()
                    pending = 0
        pipe.execute()
        return key

    @contextlib.contextmanager
    def fetch(self, task: Task, folder: str) -> Iterator[str]:
        with self._fetched(task, folder) as path:
            yield path

    @contextlib.contextmanager
    def _fetched(self, task: Task, folder: str) -> Iterator[str]:
        """The task's audio as a local file for as long as the block runs.

        The audio of a task here is always in Redis, under the key its push chose: a record
        naming a local path or another key (written into Redis by someone else) is refused.
        """
        if task.blob != self._key("audio", task.id):
            raise BadInput(
                f"Refused: this task's record in Redis names no audio of its own "
                f"(source {task.source!r}, audio key {task.blob!r}); nothing was opened"
            )
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{task.id}{os.path.splitext(task.filename)[1][:9]}")
        try:
            try:
                with open(path, "wb") as out:
                    for index in range(self.client.llen(task.blob)):
                        out.write(self.client.lindex(task.blob, index) or b"")
            except REDIS_ERRORS as exc:
                raise StackUnavailable(
                    f"Redis at {redact(self.url)} cannot be reached: {exc}"
                ) from exc
            yield path
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    # -- TaskStack ---------------------------------------------------------------------

    @guarded
    def push(self, task: Task) -> int:
        blob = self._store_audio(task)
        fields = {**task_to_hash(task), **_FRESH, "blob": blob}
        flat = [str(v) for pair in fields.items() for v in pair]
        position = int(self._run("PUSH", task.id, self.max_size, *flat))
        if position < 0:
            self.client.delete(blob)
            raise QueueFull(
                f"The queue is full ({self.max_size} tasks waiting, MAX_QUEUE_SIZE); "
                "try again when some have finished"
            )
        if task.owns_source:
            # The audio now lives in Redis, where every engine reads it: an upload is deleted
            # here and now, not on a final event this host might miss while reconnecting.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(task.source)
        return position

    @guarded
    def claim(self, worker_id: str, timeout: float) -> Task | None:
        deadline = time.monotonic() + max(0.0, timeout)
        lease = uuid.uuid4().hex
        while True:
            claimed = self._run("CLAIM", worker_id, lease, self.lease_ms)
            if claimed:
                task = self.get(claimed.decode())
                return task
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            # Wait for a push to wake us (a token in the wake list), or for the timeout.
            self.client.blpop([self._key("wake")], timeout=max(0.05, min(remaining, 1.0)))

    @guarded
    def report(
        self,
        task_id: str,
        lease: str,
        progress: float,
        message: str,
        segment: dict[str, Any] | None = None,
    ) -> bool:
        code = self._run(
            "REPORT",
            task_id,
            lease,
            progress,
            message,
            json.dumps(segment) if segment is not None else "",
        )
        if code == -1:
            raise LeaseLost(f"Task {task_id} is no longer held by this worker")
        return code == 1

    @guarded
    def finish(
        self,
        task_id: str,
        lease: str,
        status: TaskStatus,
        result: dict[str, Any] | None = None,
        error: str | None = None,
        error_code: int | None = None,
    ) -> Task:
        TaskStatus.PROCESSING.check(status)
        code = self._run(
            "FINISH",
            task_id,
            lease,
            status.value,
            error or "",
            "" if error_code is None or error is None else error_code,
            json.dumps(result, ensure_ascii=False) if result is not None else "",
            self.result_ttl,
        )
        if code == -1:
            raise LeaseLost(f"Task {task_id} is no longer held by this worker")
        return self._require(task_id)

    @guarded
    def requeue(self, task_id: str, lease: str, reason: str) -> Task:
        if self._run("REQUEUE", task_id, lease, reason, self.result_ttl) == -1:
            raise LeaseLost(f"Task {task_id} is no longer held by this worker")
        return self._require(task_id)

    @guarded
    def release_lost(self, task_id: str, reason: str, max_attempts: int) -> Task | None:
        if not self._run("RELEASE", task_id, reason, max_attempts, self.result_ttl):
            return None
        return self.get(task_id)

    @guarded
    def heartbeat(self, held: dict[str, str]) -> int:
        """Extend the leases of ``held`` (task id -> lease); returns how many are still ours."""
        if not held:
            return 0
        flat = [v for pair in held.items() for v in pair]
        return int(self._run("HEARTBEAT", self.lease_ms, *flat))

    @guarded
    def reap(self) -> int:
        """Release every task whose lease has run out (its engine died or hung)."""
        reason = "The engine holding this task stopped answering (its lease expired)"
        return int(self._run("REAP", reason, self.max_attempts, self.result_ttl))

    @guarded
    def cancel(self, task_id: str) -> Task:
        before = self._run("CANCEL", task_id, self.result_ttl).decode()
        if before == "missing":
            raise NotFound(f"Task {task_id} not found")
        if before in ("completed", "failed", "cancelled"):
            raise Conflict(f"Task {task_id} is already {before}")
        return self._require(task_id)

    def _require(self, task_id: str) -> Task:
        task = self.get(task_id)
        if task is None:
            raise NotFound(f"Task {task_id} not found")
        return task

    @guarded
    def get(self, task_id: str) -> Task | None:
        raw = self.client.hgetall(self._key("task", task_id))
        if not raw:
            return None
        task = task_from_hash(_decode(raw))
        if task.status == TaskStatus.COMPLETED:
            result, original = self.client.mget(
                self._key("result", task_id), self._key("original", task_id)
            )
            task.result = json.loads(result) if result else None
            task.original_result = json.loads(original) if original else None
        return task

    @guarded
    def edit_result(self, task_id: str, result: dict[str, Any]) -> Task:
        task = self._require(task_id)
        if task.status != TaskStatus.COMPLETED:
            raise Conflict(f"Task {task_id} is {task.status.value}: only results can be edited")
        original = task.original_result if task.original_result is not None else task.result
        ttl = self.client.ttl(self._key("result", task_id))
        ttl = ttl if ttl > 0 else self.result_ttl  # the edit lives as long as the result
        pipe = self.client.pipeline(transaction=True)
        pipe.set(self._key("result", task_id), json.dumps(result, ensure_ascii=False), ex=ttl)
        if result == original:
            pipe.delete(self._key("original", task_id))
        else:
            text = json.dumps(original, ensure_ascii=False)
            pipe.set(self._key("original", task_id), text, ex=ttl)
        pipe.execute()
        return self._require(task_id)

    @guarded
    def position(self, task_id: str) -> int | None:
        rank = self.client.zrank(self._key("queue"), task_id)
        return None if rank is None else rank + 1

    @guarded
    def positions(self) -> dict[str, int]:
        ids = self.client.zrange(self._key("queue"), 0, -1)
        return {task_id.decode(): i + 1 for i, task_id in enumerate(ids)}

    def _hashes(self, ids: list[bytes]) -> Iterator[tuple[str, dict[str, str]]]:
        pipe = self.client.pipeline(transaction=False)
        for task_id in ids:
            pipe.hgetall(self._key("task", task_id.decode()))
        gone = []
        for task_id, raw in zip(ids, pipe.execute(), strict=True):
            if raw:
                yield task_id.decode(), _decode(raw)
            else:
                gone.append(task_id)
        if gone:  # expired records: forget them in the index too
            self.client.zrem(self._key("tasks"), *gone)

    @guarded
    def list(self, status: TaskStatus | None = None, limit: int = 100) -> list[Task]:
        found: builtins.list[Task] = []
        start, page = 0, max(limit, 200)
        while len(found) < limit:
            ids = self.client.zrevrange(self._key("tasks"), start, start + page - 1)
            if not ids:
                break
            for _, fields in self._hashes(ids):
                if status is None or fields.get("status") == status.value:
                    found.append(task_from_hash(fields))
            start += page
        return found[:limit]

    @guarded
    def processing(self) -> builtins.list[Task]:
        ids = self.client.zrange(self._key("processing"), 0, -1)
        return [task_from_hash(fields) for _, fields in self._hashes(ids)]

    @guarded
    def counts(self) -> dict[str, int]:
        """One script, whatever the number of tasks kept (``/health`` asks on every probe)."""
        queued, processing, completed, failed, cancelled = self._run("COUNTS", self.result_ttl)
        return {
            TaskStatus.QUEUED.value: int(queued),
            TaskStatus.PROCESSING.value: int(processing),
            TaskStatus.COMPLETED.value: int(completed),
            TaskStatus.FAILED.value: int(failed),
            TaskStatus.CANCELLED.value: int(cancelled),
            "queue_size": int(queued),
        }

    def health(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "redis_connected": self.connected,
            "degraded": False,
            "last_backup": self.last_save(),
        }

    def last_save(self) -> float | None:
        """When Redis last saved its data to disk, as INFO persistence reports it.

        ``rdb_last_save_time`` is the last RDB save, or when Redis started and loaded its
        files (Redis gives no time for AOF rewrites; with AOF on, every write is appended).
        """
        try:
            info = self.client.info("persistence")
        except REDIS_ERRORS:
            return None
        saved = info.get("rdb_last_save_time")
        return float(saved) if saved else None

    # -- events ------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            key = self._next
            self._next += 1
            self._listeners[key] = listener
            if not any(t.name == "redis-events" for t in self._threads):
                self._start("redis-events", self._listen)
        # Events published after subscribe() returns must reach the listener.
        self._subscribed.wait(timeout=2)

        def unsubscribe() -> None:
            with self._lock:
                self._listeners.pop(key, None)

        return unsubscribe

    def _start(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _listen(self) -> None:
        """Relay published events to local listeners; reconnect with backoff if Redis goes."""
        backoff = 0.5
        while not self._closed.is_set():
            pubsub = self.client.pubsub(ignore_subscribe_messages=False)
            try:
                pubsub.subscribe(self._key("events"))
                pubsub.get_message(timeout=1)  # the subscription's confirmation
                self._subscribed.set()
                backoff = 0.5
                while not self._closed.is_set():
                    message = pubsub.get_message(timeout=0.5)
                    if message is not None and message["type"] == "message":
                        self._dispatch(json.loads(message["data"]))
            except REDIS_ERRORS as exc:
                log.warning("Lost the Redis event channel (%s); retrying in %.1f s", exc, backoff)
                self._closed.wait(backoff)
                backoff = min(backoff * 2, 10.0)
            finally:
                with contextlib.suppress(*REDIS_ERRORS):
                    pubsub.close()

    def _dispatch(self, data: dict[str, Any]) -> None:
        if data.get("type") == "queue":
            event: StackEvent = QueueChanged(int(data["queue_size"]))
        else:
            result = None
            if data.get("has_result"):
                raw = self.client.get(self._key("result", data["task_id"]))
                result = json.loads(raw) if raw else None
            event = TaskEvent(
                task_id=data["task_id"],
                status=TaskStatus(data["status"]),
                progress=float(data["progress"]),
                message=data.get("message", ""),
                queue_position=data.get("queue_position"),
                segment=data.get("segment"),
                result=result,
                error=data.get("error"),
            )
        with self._lock:
            listeners = list(self._listeners.values())
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                # A broken subscriber must not stop the relay or the other subscribers.
                log.exception("Stack listener failed on %r", event)

    # -- maintenance -------------------------------------------------------------------

    def start_reaper(self, interval: float = 1.0) -> None:
        """Release expired leases every ``interval`` s (any number of hosts may run one)."""

        def run() -> None:
            while not self._closed.wait(interval):
                try:
                    if released := self.reap():
                        log.warning(
                            "Queued again %d task(s) whose engine stopped answering", released
                        )
                except StackUnavailable as exc:
                    log.debug("Reaper could not reach Redis: %s", exc)

        self._start("redis-reaper", run)

    def close(self) -> None:
        self._closed.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self.client.close()
