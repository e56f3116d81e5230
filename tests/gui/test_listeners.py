"""The window hosts the listeners ``serve`` would serve, and its status bar lists them."""

from __future__ import annotations

import httpx

from engine.task import TaskStatus
from tests.conftest import PHRASE
from tests.gui.conftest import OFFSCREEN_NOISE, wait_status

pytestmark = OFFSCREEN_NOISE


def test_a_task_posted_to_the_tasks_listener_appears_in_the_table(qtbot, make_window, jfk):
    window = make_window()
    urls = window.session.backend.urls()
    assert list(urls) == ["queue", "direct", "tasks"]
    shown = window.status.server.text()
    for name, url in (
        ("Queue", urls["queue"]),
        ("Direct", urls["direct"]),
        ("Tasks", urls["tasks"]),
    ):
        assert f"{name} API {url}" in shown
    with open(jfk, "rb") as fh:
        response = httpx.post(
            f"{urls['tasks']}/tasks/transcription",
            files={"file": ("from-8002.flac", fh)},
            data={"language": "en", "priority": "0"},
            timeout=30,
        )
    assert response.status_code == 200, response.text
    row = wait_status(qtbot, window, "from-8002.flac", TaskStatus.COMPLETED)
    assert row.id == response.json()["task_id"]
    assert row.result["text"] == PHRASE


def test_the_status_bar_lists_only_what_is_served(qtbot, make_window):
    window = make_window(listeners="tasks")
    urls = window.session.backend.urls()
    assert list(urls) == ["tasks"]
    shown = window.status.server.text()
    assert shown == f"Tasks API {urls['tasks']}"
    assert httpx.get(f"{urls['tasks']}/health").json()["service_type"] == "tasks"
