"""``python -m app watch DIR``: transcribe each new audio or video file dropped into DIR.

The engine and stack are those of ``transcribe``; :class:`engine.service.watch.FolderWatcher` finds
the files, queues them once they stop growing and writes their transcripts; what it has
done is kept in ``DATA_DIR/watched.sqlite3``, so a restart goes on where it stopped. Each
file's outcome is a line on stderr. SIGINT or SIGTERM stops it cleanly (exit status 0); a
file still being transcribed then is taken again at the next start.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from app.settings import Settings

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _problem(args: argparse.Namespace) -> str | None:
    """Why the watch cannot start, found before the engine does."""
    from app.transcribe_cmd import check_output_dir

    if not Path(args.folder).is_dir():
        return f"{args.folder} is not a folder"
    if args.output_dir == "-":
        return "--output-dir - (print) does not go with watch: name a folder"
    return check_output_dir(args.output_dir) if args.output_dir else None


def run(args: argparse.Namespace, settings: Settings) -> int:
    from app import configs
    from app.runtime import Runtime
    from app.transcribe_cmd import DownloadBar, output_formats, requested
    from engine.errors import StackscribeError
    from engine.service.watch import STATE_FILE, FolderWatcher, WatchState
    from engine.status import EngineState

    fmts = output_formats(args.format)
    problem = _problem(args)
    try:
        layout, options = requested(args)
    except StackscribeError as exc:
        problem = str(exc)
    if problem:
        print(f"stackscribe: {problem}", file=sys.stderr)
        return 2
    stop = threading.Event()
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in STOP_SIGNALS}
    runtime: Any = None
    state = WatchState(settings.data_path / STATE_FILE)
    try:
        runtime = Runtime(settings, on_engine_change=DownloadBar())
        status = _settled(runtime, stop)
        if status is None:
            return 0
        if status.state != EngineState.READY:
            print(f"stackscribe: {status.error or 'the engine did not start'}", file=sys.stderr)
            return 2
        config = configs.watch_config(
            settings,
            Path(args.folder),
            Path(args.output_dir) if args.output_dir else None,
            tuple(fmts),
            options,
            layout,
        )
        watcher = FolderWatcher(runtime.service, config, state, report=_print_report)
        print(f"Model: {status.model} ({status.model_reason})", file=sys.stderr)
        print(f"Watching {watcher.folder} (Ctrl-C to stop)", file=sys.stderr, flush=True)
        watcher.start()
        while not stop.wait(0.5) and watcher.running:
            pass
        watcher.stop()
        print("stackscribe: stopped watching", file=sys.stderr)
        return 0 if stop.is_set() else 1
    finally:
        if runtime is not None:
            runtime.close()
        state.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _settled(runtime: Any, stop: threading.Event) -> Any:
    """The engine's status once it is ready or cannot be; None when stopped first."""
    from engine.status import EngineState

    settled = (EngineState.READY, EngineState.UNAVAILABLE, EngineState.STOPPED)
    while not stop.is_set():
        status = runtime.supervisor.wait_settled(timeout=0.5)
        if status.state in settled:
            return status
    return None


def _print_report(path: str, what: str, detail: str) -> None:
    lines = {
        "queued": f"{path}: queued",
        "done": f"{path}: {detail}",
        "failed": f"{path}: FAILED: {detail}",
        "cancelled": f"{path}: cancelled",
        "waiting": f"{path}: waiting ({detail})",
    }
    print(lines.get(what, f"{path}: {what} {detail}"), file=sys.stderr, flush=True)
