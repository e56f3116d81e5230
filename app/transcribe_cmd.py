"""``python -m app transcribe``: files in, transcripts out, through the engine and the stack."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.cli import FORMAT_CHOICES
from app.settings import Settings
from engine import formats
from engine.errors import StackscribeError
from engine.stack import StackEvent
from engine.supervisor import EngineState, EngineStatus
from engine.task import TaskEvent, TaskStatus, TranscribeOptions

log = logging.getLogger(__name__)


@dataclass
class _Job:
    path: str
    task_id: str | None = None
    bar: Any = None
    status: TaskStatus | None = None
    error: str | None = None
    outputs: list[str] = field(default_factory=list)


def _formats(spec: str) -> list[str]:
    names = (
        list(FORMAT_CHOICES) if spec == "all" else [s.strip() for s in spec.split(",") if s.strip()]
    )
    unknown = [n for n in names if n not in FORMAT_CHOICES]
    if unknown or not names:
        raise SystemExit(
            f"stackscribe: unknown format {', '.join(unknown) or spec!r}; "
            f"use {', '.join(FORMAT_CHOICES)} or all"
        )
    return names


class _DownloadBar:
    """A progress bar for the model download, fed from the supervisor's status changes."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __call__(self, status: EngineStatus) -> None:
        if status.state != EngineState.DOWNLOADING:
            if self.bar is not None:
                self.bar.close()
                self.bar = None
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(
                total=status.download_total or None,
                unit="B",
                unit_scale=True,
                desc=f"Downloading {status.model}",
                file=sys.stderr,
            )
        self.bar.n = status.download_done
        self.bar.refresh()


def run(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from app.runtime import Runtime

    fmts = _formats(args.format)
    if args.log_level is None:
        logging.getLogger().setLevel(logging.WARNING)  # the bars say what INFO would
    options = TranscribeOptions(
        language=args.language,
        task=args.task,
        word_timestamps=not args.no_word_timestamps,
        vad_filter=not args.no_vad,
        initial_prompt=args.initial_prompt,
    )
    jobs = [_Job(path) for path in args.files]
    runtime = Runtime(settings, on_engine_change=_DownloadBar())
    try:
        status = runtime.supervisor.wait_settled(timeout=None)  # type: ignore[arg-type]
        if status.state != EngineState.READY:
            print(f"stackscribe: {status.error or 'the engine did not start'}", file=sys.stderr)
            return 2
        done = threading.Event()
        width = max(len(Path(j.path).name) for j in jobs)
        for i, job in enumerate(jobs):
            job.bar = tqdm(
                total=100,
                desc=Path(job.path).name.ljust(width),
                position=i,
                file=sys.stderr,
                bar_format="{desc} {percentage:3.0f}%|{bar}|{postfix}",
            )
        unsubscribe = runtime.service.subscribe(lambda e: _on_event(e, jobs, done))
        # The stack serves the highest priority first: falling priorities keep the files in
        # the order given (equal priorities would run newest first).
        for i, job in enumerate(jobs):
            _submit(runtime, job, options, priority=-i)
        _on_event(None, jobs, done)
        done.wait()
        unsubscribe()
        for job in jobs:
            job.bar.close()
            if job.status == TaskStatus.COMPLETED:
                _write(runtime, job, fmts, args.output_dir)
    except KeyboardInterrupt:
        for job in jobs:
            if job.task_id and job.status is None:
                runtime.service.cancel(job.task_id)
        print("stackscribe: interrupted", file=sys.stderr)
        return 130
    finally:
        runtime.close()
    return _summary(jobs)


def _submit(runtime: Any, job: _Job, options: TranscribeOptions, priority: int) -> None:
    if not os.path.isfile(job.path):
        job.status, job.error = TaskStatus.FAILED, "no such file"
        job.bar.set_postfix_str("failed: no such file")
        return
    try:
        task, _ = runtime.service.submit(
            os.path.abspath(job.path), Path(job.path).name, options, priority=priority
        )
    except StackscribeError as exc:
        job.status, job.error = TaskStatus.FAILED, str(exc)
        job.bar.set_postfix_str("failed")
        return
    job.task_id = task.id


def _on_event(event: StackEvent | None, jobs: list[_Job], done: threading.Event) -> None:
    if isinstance(event, TaskEvent):
        for job in jobs:
            if job.task_id != event.task_id:
                continue
            job.bar.n = round(event.progress * 100)
            job.bar.set_postfix_str(event.message, refresh=False)
            job.bar.refresh()
            if event.status.is_final:
                job.status, job.error = event.status, event.error
    if all(j.status is not None for j in jobs):
        done.set()


def _write(runtime: Any, job: _Job, fmts: list[str], output_dir: str) -> None:
    result = runtime.service.get(job.task_id).result
    for fmt in fmts:
        text = formats.render(result, fmt)
        if output_dir == "-":
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
            continue
        os.makedirs(output_dir, exist_ok=True)
        target = Path(output_dir) / f"{Path(job.path).stem}.{formats.EXTENSIONS[fmt]}"
        if fmt == "verbose_json":
            target = target.with_suffix(".verbose.json")
        target.write_text(text, encoding="utf-8")
        job.outputs.append(str(target))


def _summary(jobs: list[_Job]) -> int:
    failed = 0
    for job in jobs:
        if job.status == TaskStatus.COMPLETED:
            print(f"{job.path}: {', '.join(job.outputs) or 'done'}", file=sys.stderr)
        else:
            failed += 1
            reason = job.error or (job.status.value if job.status else "not run")
            print(f"{job.path}: FAILED: {reason}", file=sys.stderr)
    return 1 if failed else 0
