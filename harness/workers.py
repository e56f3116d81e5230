"""``python -m app`` processes for the tests: start them, read their logs, signal and kill them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class AppProcess:
    """One ``python -m app MODE`` in its own process group, its stderr collected."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        environment = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app", *args],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if match := re.search(pattern, line):
                    return match
            if self.proc.poll() is not None:
                raise AssertionError(f"process exited ({self.proc.returncode}):\n{self.log}")
            time.sleep(0.05)
        raise AssertionError(f"{pattern!r} not seen in:\n{self.log}")

    def signal_group(self, sig: int) -> None:
        os.killpg(self.proc.pid, sig)

    def stop(self, timeout: float = 20) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.signal_group(signal.SIGKILL)
                self.proc.wait(5)
        self._close()
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.signal_group(signal.SIGKILL)
            self.proc.wait(10)
        self._close()

    def _close(self) -> None:
        self._reader.join(5)
        if self.proc.stderr is not None:
            self.proc.stderr.close()


class TerminalCommand:
    """``python -m app COMMAND`` as a terminal runs it: a session of its own, no Redis.

    Its stderr is collected as it comes, character by character (a progress line ends in a
    carriage return, not a newline).
    """

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app", *args],
            cwd=ROOT,
            env={**os.environ, "HF_HUB_OFFLINE": "1", "REDIS_URL": ""},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.err = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        while chunk := self.proc.stderr.read(1):
            self.err += chunk

    def until(self, condition: Callable[[], object], timeout: float = 150) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert self.proc.poll() is None, f"exited early: {self.err[-2000:]}"
            assert time.monotonic() < deadline, f"timed out: {self.err[-2000:]}"
            time.sleep(0.05)

    def send(self, signum: int) -> None:
        """``signum`` to the whole process group, as a terminal or a service manager sends it."""
        os.killpg(self.proc.pid, signum)

    def ctrl_c(self) -> None:
        self.send(signal.SIGINT)

    def wait(self, timeout: float) -> int:
        code = self.proc.wait(timeout)
        self._reader.join(5)
        return code

    def stop(self, signum: int, timeout: float = 30) -> int:
        """Send ``signum``, wait for the exit and close the pipe; the exit code."""
        self.send(signum)
        code = self.wait(timeout)
        self._close()
        return code

    def group_gone(self) -> bool:
        try:
            os.killpg(self.proc.pid, 0)
        except ProcessLookupError:
            return True
        return False

    def kill(self) -> None:
        """Whatever is left of the run is killed; its pipe is closed."""
        if not self.group_gone():
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self._reader.join(5)
        self._close()

    def _close(self) -> None:
        assert self.proc.stderr is not None
        self.proc.stderr.close()


def start_worker(
    redis_url: str, prefix: str, model: str, folder: Path, lease: float = 6.0
) -> tuple[AppProcess, str]:
    """A worker on its own data folder; returns it and its engine id once it serves."""
    worker = AppProcess(
        "worker",
        "--redis-url",
        redis_url,
        "--redis-prefix",
        prefix,
        "--model",
        model,
        "--data-dir",
        str(folder),
        "--cpu-threads",
        "1",
        "--lease-seconds",
        str(lease),
        "--log-level",
        "info",
    )
    engine_id = worker.wait_for(r"Worker (engine-\w+) serving").group(1)
    return worker, engine_id
