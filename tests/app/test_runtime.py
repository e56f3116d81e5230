"""A Runtime that fails to start leaves nothing running behind it."""

from __future__ import annotations

import multiprocessing
import threading

import pytest

from harness.waits import until


def test_a_failed_start_stops_what_had_started(make_settings, monkeypatch) -> None:
    from app import runtime as runtime_mod

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("test: the service could not be built")

    threads_before = {t.ident for t in threading.enumerate()}
    monkeypatch.setattr(runtime_mod, "TaskService", broken)
    with pytest.raises(RuntimeError, match="could not be built"):
        runtime_mod.Runtime(make_settings())
    # the stack host's process
    until(lambda: not multiprocessing.active_children(), 10, "the stack host to end")
    left = [t for t in threading.enumerate() if t.ident not in threads_before and t.is_alive()]
    assert left == [], left  # the log listener, the supervisor
