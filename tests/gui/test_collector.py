"""Cycles are collected on the GUI thread while a window is open, never in another thread."""

from __future__ import annotations

import gc
import threading

from gui.collector import GuiThreadCollector


class _Cycle:
    """A reference cycle that notes the thread it is collected in."""

    collected_in: list[str] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _Cycle.collected_in.append(threading.current_thread().name)


def _allocate_in_a_thread(kept: list) -> None:
    """What a listener thread does: allocate (and keep) enough to pass every threshold."""

    def work() -> None:
        kept.extend([] for _ in range(100_000))

    thread = threading.Thread(target=work, name="listener")
    thread.start()
    thread.join()


def test_cycles_are_collected_on_the_gui_thread(qtbot) -> None:
    _Cycle.collected_in = []
    collector = GuiThreadCollector()
    collector.start()
    try:
        assert not gc.isenabled()
        _Cycle()
        kept: list = []
        _allocate_in_a_thread(kept)
        assert _Cycle.collected_in == []  # the listener thread collected nothing
        qtbot.waitUntil(lambda: _Cycle.collected_in != [], timeout=5000)
        assert _Cycle.collected_in == [threading.main_thread().name]
    finally:
        collector.stop()
    assert gc.isenabled()


def test_collection_comes_back_only_when_the_last_window_closes(qtbot) -> None:
    first, second = GuiThreadCollector(), GuiThreadCollector()
    first.start()
    second.start()
    first.stop()
    assert not gc.isenabled()
    second.stop()
    assert gc.isenabled()
