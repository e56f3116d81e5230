"""Watching a folder: each new audio or video file is transcribed once, when it stops growing.

A :class:`FolderWatcher` looks at the folder (and the folders inside it) every
``poll_seconds``. A media file is queued once its size and modification time have not
changed for ``settle_seconds`` (a copy or a recording still being written is left alone);
hidden files and folders (``.name``), temporary names (``~name``, ``name~``) and anything
that is not audio or video (partial downloads such as ``talk.mp3.part``, the transcripts
written here) are never taken. Transcripts go next to the file, or into ``output_dir``
(mirroring the folders below the watched one), as ``NAME.EXT``; when two media files of
one folder share a stem (``talk.mp3``, ``talk.wav``), ``talk.mp3.txt``.

What has been done is kept in a small SQLite file (``DATA_DIR/watched.sqlite3``), keyed by
path, size and modification time: a restart neither re-does a finished file nor forgets
one that was queued, and a file that failed is reported once and not tried again, until it
changes (a new size or time: a replaced file is a new file). A file whose transcripts
already exist, newer than it, counts as done and is never overwritten.
"""

from __future__ import annotations

import logging
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from engine import media, writer
from engine.errors import NotFound, StackscribeError, Unavailable
from engine.service.tasks import TaskService
from engine.stack.protocol import StackEvent
from engine.subtitles import SubtitleLayout
from engine.task import TaskEvent, TaskStatus, TranscribeOptions

log = logging.getLogger(__name__)

STATE_FILE = "watched.sqlite3"
QUEUED, DONE, FAILED, CANCELLED = "queued", "done", "failed", "cancelled"

#: ``report(path, what, detail)``: what is queued, done (detail: the files written), failed
#: (detail: why), cancelled or waiting (the engine cannot take it now; it is tried again).
Report = Callable[[str, str, str], None]


@dataclass(frozen=True)
class WatchConfig:
    folder: Path
    poll_seconds: float  # WATCH_POLL_SECONDS and WATCH_SETTLE_SECONDS, from the app's settings
    settle_seconds: float
    output_dir: Path | None = None  # None: next to each file
    formats: tuple[str, ...] = ("txt",)
    options: TranscribeOptions = field(default_factory=TranscribeOptions)
    layout: SubtitleLayout | None = None  # of srt and vtt


@dataclass(frozen=True)
class Entry:
    path: str
    size: int
    mtime_ns: int
    status: str
    task_id: str | None
    detail: str


def temporary(name: str) -> bool:
    """Names that editors, downloads and copies use while a file is not finished."""
    return name.startswith((".", "~")) or name.endswith("~")


class WatchState:
    """What the watchers of one data folder have done, by path, size and modification time."""

    def __init__(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, "
            "mtime_ns INTEGER, status TEXT, task_id TEXT, detail TEXT, updated REAL)"
        )
        self._lock = threading.Lock()

    def get(self, path: str) -> Entry | None:
        with self._lock:
            row = self._db.execute(
                "SELECT path, size, mtime_ns, status, task_id, detail FROM files WHERE path = ?",
                (path,),
            ).fetchone()
        return Entry(*row) if row else None

    def put(self, path: str, version: tuple[int, int], status: str, **extra: str | None) -> None:
        with self._lock:
            row = (path, *version, status, extra.get("task_id"), extra.get("detail") or "")
            self._db.execute(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?)", (*row, time.time())
            )

    def forget(self, path: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM files WHERE path = ?", (path,))

    def queued(self, under: Path) -> list[Entry]:
        prefix = str(under).rstrip(os.sep) + os.sep
        with self._lock:
            rows = self._db.execute(
                "SELECT path, size, mtime_ns, status, task_id, detail FROM files "
                "WHERE status = ? AND substr(path, 1, ?) = ?",
                (QUEUED, len(prefix), prefix),
            ).fetchall()
        return [Entry(*row) for row in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()


class FolderWatcher:
    """Queues a folder's new media files on ``service`` and writes their transcripts.

    It runs in a thread of its own (:meth:`start`, :meth:`stop`); ``report`` is called
    from that thread.
    """

    def __init__(
        self,
        service: TaskService,
        config: WatchConfig,
        state: WatchState,
        report: Report | None = None,
    ) -> None:
        self.service = service
        self.config = config
        self.folder = Path(os.path.abspath(config.folder))
        self.output_dir = Path(os.path.abspath(config.output_dir)) if config.output_dir else None
        self.state = state
        self._report = report or (lambda path, what, detail: None)
        self._growing: dict[str, tuple[tuple[int, int], float]] = {}
        self._pending: dict[str, tuple[str, tuple[int, int]]] = {}  # task id -> path, version
        self._waiting: set[str] = set()  # paths the engine could not take yet (reported once)
        self._ended: queue.Queue[str | None] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="folder-watch", daemon=True)

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop looking; tasks already queued run on (a restart picks their results up)."""
        self._stop.set()
        self._ended.put(None)
        if timeout != 0 and self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        unsubscribe = self.service.subscribe(self._on_event)
        try:
            self._recover()
            while not self._stop.is_set():
                self.scan()
                self._collect(self.config.poll_seconds)
        finally:
            unsubscribe()

    def _on_event(self, event: StackEvent) -> None:
        if isinstance(event, TaskEvent) and event.status.is_final:
            self._ended.put(event.task_id)  # sorted out in the watcher's thread

    # -- finding files -------------------------------------------------------------------

    def candidates(self) -> Iterator[Path]:
        """The media files under the folder that may be taken (see the module's rules)."""
        for root, dirs, files in os.walk(self.folder):
            here = Path(root)
            dirs[:] = sorted(
                d
                for d in dirs
                if not temporary(d) and (self.output_dir is None or here / d != self.output_dir)
            )
            for name in sorted(files):
                if not temporary(name) and media.is_media(name):
                    yield here / name

    def scan(self) -> None:
        """Queue every file that has settled and is not done yet."""
        now = time.monotonic()
        seen: set[str] = set()
        busy = {path for path, _ in self._pending.values()}
        for path in self.candidates():
            key = str(path)
            seen.add(key)
            try:
                st = path.stat()
            except OSError:  # gone between the listing and now
                continue
            version = (st.st_size, st.st_mtime_ns)
            if key in busy or st.st_size == 0 or self._known(key, version):
                continue
            before = self._growing.get(key)
            if before is None or before[0] != version:
                self._growing[key] = (version, now)
            elif now - before[1] >= self.config.settle_seconds:
                self._take(path, version)
        for gone in set(self._growing) - seen:
            del self._growing[gone]

    def _known(self, path: str, version: tuple[int, int]) -> bool:
        entry = self.state.get(path)
        return entry is not None and (entry.size, entry.mtime_ns) == version

    def _take(self, path: Path, version: tuple[int, int]) -> None:
        key = str(path)
        self._growing.pop(key, None)
        if self._written_already(path):
            why = "its transcripts were already there"
            self.state.put(key, version, DONE, detail=why)
            self._report(key, DONE, why)
            return
        try:
            task, _ = self.service.submit(key, path.name, self.config.options)
        except Unavailable as exc:  # the engine is starting, restarting or full: later
            if key not in self._waiting:
                self._waiting.add(key)
                self._report(key, "waiting", str(exc))
            return
        except StackscribeError as exc:
            self._failed(key, version, str(exc))
            return
        self._waiting.discard(key)
        self.state.put(key, version, QUEUED, task_id=task.id)
        self._pending[task.id] = (key, version)
        self._report(key, QUEUED, task.id)

    # -- results -------------------------------------------------------------------------

    def _recover(self) -> None:
        """Files queued before a restart: their tasks are followed, or queued again."""
        for entry in self.state.queued(self.folder):
            version = (entry.size, entry.mtime_ns)
            try:
                task = self.service.get(entry.task_id or "")
            except NotFound:  # the stack did not outlive the restart: the file goes again
                self.state.forget(entry.path)
                continue
            self._pending[task.id] = (entry.path, version)
            if task.status.is_final:
                self._ended.put(task.id)

    def _collect(self, timeout: float) -> None:
        """Handle the tasks that ended, waiting up to ``timeout`` for the first."""
        try:
            task_id = self._ended.get(timeout=timeout)
        except queue.Empty:
            return
        while task_id is not None or not self._ended.empty():
            if task_id is not None and task_id in self._pending:
                self._ended_task(task_id)
            try:
                task_id = self._ended.get_nowait()
            except queue.Empty:
                return

    def _ended_task(self, task_id: str) -> None:
        path, version = self._pending.pop(task_id)
        try:
            task = self.service.get(task_id)
        except NotFound:
            self.state.forget(path)  # gone from the stack: taken again at the next scan
            return
        if task.status == TaskStatus.COMPLETED and task.result is not None:
            try:
                written = self._write(Path(path), task.result)
            except OSError as exc:
                self._failed(path, version, f"cannot write its transcript: {exc}")
                return
            detail = ", ".join(written)
            self.state.put(path, version, DONE, task_id=task_id, detail=detail)
            self._report(path, DONE, detail)
        elif task.status == TaskStatus.CANCELLED:
            self.state.put(path, version, CANCELLED, task_id=task_id)
            self._report(path, CANCELLED, "")
        else:
            self._failed(path, version, task.error or task.status.value, task_id)

    def _failed(self, path: str, version: tuple[int, int], why: str, task_id: str = "") -> None:
        self.state.put(path, version, FAILED, task_id=task_id or None, detail=why)
        log.warning("%s failed: %s", path, why)
        self._report(path, FAILED, why)

    # -- writing -------------------------------------------------------------------------

    def targets(self, path: Path) -> list[Path]:
        """Where ``path``'s transcripts go, one per format."""
        folder = path.parent
        if self.output_dir is not None:
            folder = self.output_dir / path.parent.relative_to(self.folder)
        twins = [p for p in path.parent.glob(f"{path.stem}.*") if p != path and media.is_media(p)]
        return writer.targets(folder, writer.names([path, *twins])[0], self.config.formats)

    def _written_already(self, path: Path) -> bool:
        try:
            mtime = path.stat().st_mtime
        except OSError:  # gone: the submission says so
            return False
        return all(t.exists() and t.stat().st_mtime >= mtime for t in self.targets(path))

    def _write(self, path: Path, result: dict) -> list[str]:
        written = []
        for fmt, target in zip(self.config.formats, self.targets(path), strict=True):
            target.parent.mkdir(parents=True, exist_ok=True)
            writer.write(result, fmt, target, self.config.layout)
            written.append(str(target))
        return written
