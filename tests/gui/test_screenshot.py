"""A picture of the window with tasks in every state, saved for people to look at."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

from PySide6.QtGui import QImage

from engine.task import TaskStatus
from tests.conftest import PHRASE
from tests.gui.conftest import OFFSCREEN_NOISE, drop, row_named, wait_status

pytestmark = OFFSCREEN_NOISE

ARTIFACTS = Path(__file__).parent / "artifacts"


def screenshot_path() -> Path:
    """``tests/gui/artifacts/main_window.png`` (STACKSCRIBE_SCREENSHOT_DIR overrides)."""
    folder = Path(os.environ.get("STACKSCRIBE_SCREENSHOT_DIR") or ARTIFACTS)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "main_window.png"


def test_main_window_with_tasks_in_every_state(
    qtbot, make_window, jfk, long_audio, shared_audio, tmp_path, record_property
):
    window = make_window()
    window.resize(1280, 760)
    media = tmp_path / "media"
    media.mkdir()
    interview = Path(shutil.copy(jfk, media / "interview-2024-05-14.flac"))
    lecture = media / "lecture-full-hour.flac"
    lecture.symlink_to(long_audio)
    drop(window.drop_zone, [interview])
    done = wait_status(qtbot, window, interview.name, TaskStatus.COMPLETED)
    drop(window.drop_zone, [lecture])
    wait_status(qtbot, window, lecture.name, TaskStatus.PROCESSING)

    board = Path(shutil.copy(shared_audio / "multilingual.mp3", media / "board-meeting.mp3"))
    memo = Path(shutil.copy(shared_audio / "hotwords.mp3", media / "voice-memo.mp3"))
    seminar = media / "seminar-recording.flac"
    seminar.symlink_to(long_audio)
    vanishing = Path(shutil.copy(jfk, media / "podcast-episode-12.flac"))
    drop(window.drop_zone, [board, memo, seminar, vanishing])
    qtbot.wait_until(lambda: row_named(window, vanishing.name).position == 1, timeout=30_000)
    vanishing.unlink()  # taken next, it fails: its audio is gone

    window.task_actions.run(row_named(window, lecture.name).id, "cancel")
    wait_status(qtbot, window, lecture.name, TaskStatus.CANCELLED)
    failed = wait_status(qtbot, window, vanishing.name, TaskStatus.FAILED)
    wait_status(qtbot, window, seminar.name, TaskStatus.PROCESSING)
    qtbot.wait_until(lambda: row_named(window, seminar.name).progress > 0.02, timeout=60_000)
    assert failed.error
    assert {r.status for r in window.model.rows()} == set(TaskStatus)
    assert [row_named(window, n).position for n in (board.name, memo.name)] == [2, 1]

    window.open_task(done.id)
    assert window.transcript.visible_text()[0] == PHRASE
    image = window.grab().toImage()
    path = screenshot_path()
    assert image.save(str(path))
    record_property("screenshot", str(path))

    colors = distinct_colors(QImage(str(path)))
    assert len(colors) > 200, len(colors)
    assert colors.most_common(1)[0][1] < 0.8 * sum(colors.values())


def distinct_colors(image: QImage) -> Counter:
    """Colours of a grid of sample points (every 4th pixel each way)."""
    counts: Counter = Counter()
    for y in range(0, image.height(), 4):
        for x in range(0, image.width(), 4):
            counts[image.pixel(x, y)] += 1
    return counts
