"""Tasks: their status machine, their options and their public shape."""

from __future__ import annotations

import dataclasses
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from engine.errors import Conflict, InvalidParameter
from engine.languages import LANGUAGES, normalize_language


class TaskStatus(str, Enum):
    """Where a task stands; final states are never left."""

    QUEUED = "queued"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in _FINAL

    def can_become(self, other: TaskStatus) -> bool:
        return other in _TRANSITIONS[self]

    def check(self, other: TaskStatus) -> None:
        if not self.can_become(other):
            raise Conflict(f"Task is {self.value} and cannot become {other.value}")


_FINAL = frozenset({TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED})
_TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    # A queued task can fail without running when its audio has vanished.
    TaskStatus.QUEUED: frozenset({TaskStatus.PROCESSING, TaskStatus.CANCELLED, TaskStatus.FAILED}),
    # processing -> queued hands a task back (engine shutdown or death).
    TaskStatus.PROCESSING: frozenset(
        {TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED, TaskStatus.QUEUED}
    ),
    TaskStatus.COMPLETED: frozenset(),
    TaskStatus.FAILED: frozenset(),
    TaskStatus.CANCELLED: frozenset(),
}

TASKS = ("transcribe", "translate")
DECODE_MODES = ("auto", "batched", "sequential")
#: Hotwords share the decoder's prompt (448 tokens) with the prompt and the text decoded.
MAX_HOTWORDS = 500


@dataclass(frozen=True)
class TranscribeOptions:
    """What the caller asks of one transcription; None means the engine's default."""

    language: str | None = None
    task: str = "transcribe"
    word_timestamps: bool = True
    vad_filter: bool = True
    initial_prompt: str | None = None
    temperature: float | None = None
    beam_size: int | None = None
    decode_mode: str | None = None
    #: Words and names the decoder should expect (faster-whisper's ``hotwords``).
    hotwords: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "language", normalize_language(self.language))
        object.__setattr__(self, "hotwords", (self.hotwords or "").strip() or None)
        if self.language is not None and self.language not in LANGUAGES:
            raise InvalidParameter(
                f"Unknown language {self.language!r}: use an ISO code such as 'en' or 'th', "
                "or 'auto' to detect it"
            )
        if self.task not in TASKS:
            raise InvalidParameter(f"task must be one of {', '.join(TASKS)}, not {self.task!r}")
        if self.decode_mode is not None and self.decode_mode not in DECODE_MODES:
            raise InvalidParameter(
                f"decode_mode must be one of {', '.join(DECODE_MODES)}, not {self.decode_mode!r}"
            )
        if self.temperature is not None and not 0.0 <= self.temperature <= 1.0:
            raise InvalidParameter("temperature must be between 0 and 1")
        if self.beam_size is not None and not 1 <= self.beam_size <= 20:
            raise InvalidParameter("beam_size must be between 1 and 20")
        if self.initial_prompt is not None and len(self.initial_prompt) > 2000:
            raise InvalidParameter("initial_prompt is limited to 2000 characters")
        if self.hotwords is not None and len(self.hotwords) > MAX_HOTWORDS:
            raise InvalidParameter(f"hotwords is limited to {MAX_HOTWORDS} characters")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TranscribeOptions:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def new_task_id() -> str:
    return uuid.uuid4().hex


def iso(ts: float | None) -> str | None:
    """Epoch seconds as ISO-8601 in UTC, the API's time format."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=UTC).isoformat()


@dataclass
class Task:
    """One unit of work on the stack, with everything needed to run and to report it.

    ``filename`` is only a label from the client; ``source`` is where the engine reads the
    audio from and is never built from the client's filename.
    """

    filename: str
    source: str
    options: TranscribeOptions = field(default_factory=TranscribeOptions)
    priority: int = 0
    id: str = field(default_factory=new_task_id)
    status: TaskStatus = TaskStatus.QUEUED
    progress: float = 0.0
    message: str = "Queued"
    created_at: float = field(default_factory=time.time)
    started_at: float | None = None
    completed_at: float | None = None
    result: dict[str, Any] | None = None
    # The engine's result, kept when a person has edited ``result`` (None: never edited).
    original_result: dict[str, Any] | None = None
    error: str | None = None
    error_code: int | None = None  # the HTTP status the failure maps to (400: bad audio)
    duration: float | None = None
    attempts: int = 0
    worker: str | None = None
    lease: str | None = None
    cancel_requested: bool = False
    owns_source: bool = False
    seq: int = 0
    # Where engines on other machines find the audio (the Redis key of its chunks).
    blob: str | None = None

    def to_public(self, queue_position: int | None = None) -> dict[str, Any]:
        """The shape of ``GET /task/{id}`` in API.md."""
        return {
            "task_id": self.id,
            "status": self.status.value,
            "progress": round(self.progress, 4),
            "message": self.message,
            "created_at": iso(self.created_at),
            "started_at": iso(self.started_at),
            "completed_at": iso(self.completed_at),
            "result": self.result,
            "error_message": self.error,
            "queue_position": queue_position,
            "filename": self.filename,
            "duration": self.duration,
            "priority": self.priority,
            "attempts": self.attempts,
            "options": self.options.to_dict(),
            "edited": self.original_result is not None,
            "original_result": self.original_result,
        }

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict holding every field, for journals and Redis."""
        data = dataclasses.asdict(self)
        data["status"] = self.status.value
        data["options"] = self.options.to_dict()
        return data

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> Task:
        data = dict(data)
        data["status"] = TaskStatus(data["status"])
        data["options"] = TranscribeOptions.from_dict(data.get("options") or {})
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class TaskEvent:
    """One change to a task, as sent to subscribers (WebSocket clients, the GUI, the CLI).

    ``segment`` carries a newly decoded segment; ``result`` is set on completion.
    """

    task_id: str
    status: TaskStatus
    progress: float
    message: str
    queue_position: int | None = None
    segment: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    error: str | None = None

    def to_message(self) -> dict[str, Any]:
        """The WebSocket frame of API.md."""
        data: dict[str, Any] = {
            "status": self.status.value,
            "progress": round(self.progress, 4),
            "message": self.message,
            "queue_position": self.queue_position,
        }
        if self.segment is not None:
            data["segment"] = self.segment
        if self.result is not None:
            data["result"] = self.result
        if self.error is not None:
            data["error_message"] = self.error
        return {"type": "task_update", "task_id": self.task_id, "data": data}
