"""``python -m app transcribe``: files in, transcripts out, through the engine and the stack."""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import queue
import signal
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.settings import Settings
from engine import formats, media, subtitles, writer
from engine.errors import StackscribeError
from engine.stack.protocol import StackEvent
from engine.status import EngineState, EngineStatus
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
    name: str = ""  # NAME of the NAME.EXT written, unique among this run's inputs


def output_formats(spec: str) -> list[str]:
    try:
        return writer.file_formats(spec)
    except StackscribeError as exc:
        raise SystemExit(f"stackscribe: {exc}") from exc


class DownloadBar:
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


def requested(
    args: argparse.Namespace,
) -> tuple[subtitles.SubtitleLayout | None, TranscribeOptions]:
    """The subtitle layout and the options the transcription flags ask for (raises
    StackscribeError on a bad value)."""
    layout = subtitles.from_values({n: getattr(args, n) for n in subtitles.NAMES})
    options = TranscribeOptions(
        language=args.language,
        task=args.task,
        word_timestamps=not args.no_word_timestamps,
        vad_filter=not args.no_vad,
        initial_prompt=args.initial_prompt,
        hotwords=args.hotwords,
    )
    return layout, options


def run(args: argparse.Namespace, settings: Settings) -> int:
    from app.runtime import Runtime

    fmts = output_formats(args.format)
    try:
        layout, options = requested(args)
    except StackscribeError as exc:  # a bad --language or --hotwords: said, not a traceback
        print(f"stackscribe: {exc}", file=sys.stderr)
        return 2
    problem = check_output_dir(args.output_dir)
    if problem:
        print(f"stackscribe: {problem}", file=sys.stderr)
        return 2
    if args.log_level is None:
        logging.getLogger().setLevel(logging.WARNING)  # the bars say what INFO would
    jobs = _jobs(args.files)
    try:
        runtime = Runtime(settings, on_engine_change=DownloadBar())
    except KeyboardInterrupt:
        print("stackscribe: interrupted", file=sys.stderr)
        return 130
    try:
        return _transcribe(runtime, jobs, options, fmts, args.output_dir, layout)
    except KeyboardInterrupt:
        # A second Ctrl-C from here on kills the engine: nothing is waited for any more.
        signal.signal(signal.SIGINT, lambda *_: runtime.supervisor.kill())
        for job in jobs:
            if job.task_id and job.status is None:
                with contextlib.suppress(StackscribeError):
                    runtime.service.cancel(job.task_id)
        print("stackscribe: interrupted (Ctrl-C again to stop at once)", file=sys.stderr)
        return 130
    finally:
        runtime.close()


def _transcribe(
    runtime: Any,
    jobs: list[_Job],
    options: TranscribeOptions,
    fmts: list[str],
    output_dir: str,
    layout: subtitles.SubtitleLayout | None = None,
) -> int:
    """Run every job; each transcript is written as soon as its file has finished."""
    from tqdm import tqdm

    status = runtime.supervisor.wait_settled(timeout=None)
    if status.state != EngineState.READY:
        print(f"stackscribe: {status.error or 'the engine did not start'}", file=sys.stderr)
        return 2
    print(f"Model: {status.model} ({status.model_reason})", file=sys.stderr)
    width = max(len(Path(j.path).name) for j in jobs)
    for i, job in enumerate(jobs):
        job.bar = tqdm(
            total=100,
            desc=Path(job.path).name.ljust(width),
            position=i,
            file=sys.stderr,
            bar_format="{desc} {percentage:3.0f}%|{bar}|{postfix}",
        )
        if job.error:
            job.bar.set_postfix_str(f"failed: {job.error}")
    finished: queue.Queue[_Job] = queue.Queue()
    unsubscribe = runtime.service.subscribe(lambda e: _on_event(e, jobs, finished))
    try:
        # The stack serves the highest priority first: falling priorities keep the files in
        # the order given (equal priorities would run newest first).
        for i, job in enumerate(jobs):
            if job.status is None:
                _submit(runtime, job, options, priority=-i)
        waiting = {j.task_id for j in jobs if j.task_id}
        while waiting:
            job = finished.get()
            if job.task_id in waiting:
                waiting.discard(job.task_id)
                if job.status == TaskStatus.COMPLETED:
                    _write(runtime, job, fmts, output_dir, layout)
    finally:
        unsubscribe()
        for job in jobs:
            job.bar.close()
    return _summary(jobs)


def check_output_dir(output_dir: str) -> str | None:
    """Why transcripts could not be written to ``output_dir``, found before any work."""
    if output_dir == "-":
        return None
    try:
        os.makedirs(output_dir, exist_ok=True)
    except OSError as exc:
        return f"--output-dir {output_dir} cannot be created: {exc.strerror}"
    if not os.access(output_dir, os.W_OK | os.X_OK):
        return f"--output-dir {output_dir} is not writable"
    return None


def _jobs(arguments: list[str]) -> list[_Job]:
    """A job per file; a folder stands for the audio and video files inside it."""
    jobs: list[_Job] = []
    for argument in arguments:
        if not os.path.isdir(argument):
            jobs.append(_Job(argument))
            continue
        found = media.in_folder(Path(argument))
        if not found:
            why = "a folder with no audio or video files in it"
            jobs.append(_Job(argument, status=TaskStatus.FAILED, error=why))
        jobs += [_Job(str(path)) for path in found]
    # One input's transcript never overwrites another's (talk.flac.txt beside talk.mp3.txt).
    for job, name in zip(jobs, writer.names([j.path for j in jobs]), strict=True):
        job.name = name
    return jobs


#: What a path is when it is not a regular file, by ``stat`` type test.
_NOT_FILES = (
    (stat.S_ISFIFO, "a named pipe (FIFO), not a file"),
    (stat.S_ISCHR, "a character device, not a file"),
    (stat.S_ISBLK, "a block device, not a file"),
    (stat.S_ISSOCK, "a socket, not a file"),
    (stat.S_ISDIR, "a folder"),
)


def _not_a_file(path: str) -> str | None:
    """Why ``path`` cannot be transcribed as a file (None when it is one), as it really is."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a loop of symbolic links"
        if exc.errno == errno.ENOENT and os.path.islink(path):
            return f"a symbolic link to {os.readlink(path)}, which does not exist"
        if exc.errno == errno.ENOENT:
            return "no such file"
        return f"cannot be read: {exc.strerror}"
    for test, what in _NOT_FILES:
        if test(mode):
            return what
    return None


def _submit(runtime: Any, job: _Job, options: TranscribeOptions, priority: int) -> None:
    why = _not_a_file(job.path)
    if why is not None:
        job.status, job.error = TaskStatus.FAILED, why
        job.bar.set_postfix_str(f"failed: {why}")
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


def _on_event(event: StackEvent, jobs: list[_Job], finished: queue.Queue[_Job]) -> None:
    if not isinstance(event, TaskEvent):
        return
    for job in jobs:
        if job.task_id != event.task_id or job.status is not None:
            continue
        job.bar.n = round(event.progress * 100)
        job.bar.set_postfix_str(event.message, refresh=False)
        job.bar.refresh()
        if event.status.is_final:
            job.status, job.error = event.status, event.error
            finished.put(job)


def _write(
    runtime: Any,
    job: _Job,
    fmts: list[str],
    output_dir: str,
    layout: subtitles.SubtitleLayout | None = None,
) -> None:
    result = runtime.service.get(job.task_id).result
    if output_dir == "-":
        for fmt in fmts:
            text = formats.render(result, fmt, layout)
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    for fmt, target in zip(fmts, writer.targets(Path(output_dir), job.name, fmts), strict=True):
        try:
            writer.write(result, fmt, target, layout)
        except OSError as exc:
            job.status, job.error = TaskStatus.FAILED, f"cannot write {target}: {exc.strerror}"
            return
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
