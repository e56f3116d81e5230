"""Recording cases run by test_recording.py in a child pytest, one ALSA setup per child.

PortAudio reads the ALSA configuration once, when sounddevice is first imported, so each
case needs a process whose ALSA_CONFIG_PATH was set before that. The file name does not
start with ``test_``: these cases only run through test_recording.py.

The test microphone is ALSA's ``file`` plugin over a ``null`` device, reading its samples
from a FIFO that this process fills with jfk.flac (16 kHz mono float32). ALSA's null
device is not paced by a clock, so the FIFO is the clock: when it is empty the device
waits, as a real microphone waits for sound.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import wave
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine.task import TaskStatus
from gui import dialogs
from tests.conftest import PHRASE
from tests.gui.conftest import OFFSCREEN_NOISE, wait_status

if TYPE_CHECKING:  # not at run time: sounddevice must be imported after the ALSA setup
    from gui.recording.recorder import Recording

pytestmark = OFFSCREEN_NOISE

F_SETPIPE_SZ = 1031
MIC = "stackscribe_test_mic"
ARTIFACTS = Path(
    os.environ.get("STACKSCRIBE_SCREENSHOT_DIR") or Path(__file__).parents[1] / "artifacts"
)


@contextlib.contextmanager
def microphone_feed():
    """Fill the FIFO the test microphone reads; closing it is unplugging the microphone."""
    samples = np.fromfile(os.environ["STACKSCRIBE_TEST_MIC_AUDIO"], dtype="<f4")
    fd = os.open(os.environ["STACKSCRIBE_TEST_MIC_FIFO"], os.O_RDWR)  # never blocks on Linux
    try:
        fcntl.fcntl(fd, F_SETPIPE_SZ, 1 << 20)
        assert os.write(fd, samples.tobytes()) == samples.nbytes
        os.set_blocking(fd, False)
        yield fd
    finally:
        os.close(fd)


def keep_talking(fd: int) -> None:
    """A live microphone delivers (silence) until its stream stops."""
    with contextlib.suppress(BlockingIOError):
        os.write(fd, np.zeros(1600, dtype="<f4").tobytes())


def save(widget, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert widget.grab().save(str(ARTIFACTS / name))


def test_records_and_transcribes_the_test_microphone(qtbot, make_window):
    with microphone_feed() as fd:
        window = make_window()
        panel = window.record_panel
        qtbot.wait_until(lambda: panel.devices.can_record, timeout=20_000)
        assert panel.select_device(MIC)
        window.tabs.setCurrentWidget(panel)
        levels: list[int] = []
        panel.meter.valueChanged.connect(levels.append)

        qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
        assert panel.recording and not window.settings_action.isEnabled()
        qtbot.wait_until(lambda: PHRASE in panel.text.toPlainText(), timeout=60_000)
        assert max(levels) > 40  # speech at about -20 dBFS
        save(window, "live_recording.png")
        saved: list[Recording] = []
        panel.saved.connect(saved.append)
        qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
        qtbot.wait_until(lambda: talk_until(fd, bool(saved)), timeout=60_000)

        recording = saved[0]
        with wave.open(str(recording.audio)) as wav:
            assert wav.getframerate() == 16000 and wav.getnchannels() == 1
            assert 11.0 <= wav.getnframes() / 16000 < 30
        assert PHRASE in recording.transcript.read_text(encoding="utf-8")
        assert recording.json.exists()
        assert not panel.recording and window.settings_action.isEnabled()
        assert panel.queue_button.isVisible()

        qtbot.mouseClick(panel.queue_button, Qt.MouseButton.LeftButton)
        row = wait_status(qtbot, window, recording.audio.name, TaskStatus.COMPLETED)
        assert PHRASE in row.result["text"]
        play_first_segment(qtbot, window, row.id)
        quit_while_recording(qtbot, window, fd)


def talk_until(fd: int, done: bool) -> bool:
    if not done:
        keep_talking(fd)
    return done


def quit_while_recording(qtbot, window, fd: int) -> None:
    """Closing the window saves the recording in progress, then stops the engine."""
    panel = window.record_panel
    qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    assert panel.recording
    folder = panel.folder
    # Closing asks first while a recording runs; "Cancel" keeps the window and the recording.
    asked: list[str] = []
    answer = dialogs.confirm

    def cancel(parent, title: str, text: str, accept: str) -> bool:
        asked.append(text)
        return False

    dialogs.confirm = cancel
    try:
        window.request_close()
    finally:
        dialogs.confirm = answer
    assert len(asked) == 1 and asked[0].endswith(
        "recording is in progress. Quit anyway? Unfinished work is lost."
    )
    assert panel.recording and window.lifecycle != "closed" and window.isVisible()
    window.request_close(force=True)
    qtbot.wait_until(lambda: talk_until(fd, window.lifecycle == "closed"), timeout=60_000)
    assert panel.last is not None and panel.last.audio.exists()
    assert panel.last.transcript.exists()
    assert len(list(folder.glob("*.wav"))) == 2


def play_first_segment(qtbot, window, task_id: str) -> None:
    """Play the task from its first segment through the test device (which also plays)."""
    window.open_task(task_id)
    view = window.transcript
    qtbot.wait_until(view.play_button.isEnabled, timeout=10_000)
    played: list[str] = []
    window.player.finished.connect(played.append)
    with qtbot.wait_signal(window.player.started, timeout=10_000):
        view.table.selectRow(0)
        qtbot.mouseClick(view.play_button, Qt.MouseButton.LeftButton)
    qtbot.wait_until(lambda: played == [task_id], timeout=30_000)


def test_recording_is_disabled_without_an_input_device(qtbot, make_window):
    window = make_window()
    panel = window.record_panel
    qtbot.wait_until(lambda: "Looking" not in panel.notice.text(), timeout=20_000)
    if panel.devices.inputs:
        pytest.skip("this machine has a real input device")
    window.tabs.setCurrentWidget(panel)
    assert not panel.record_button.isEnabled()
    assert not panel.device_box.isEnabled()
    assert panel.notice.isVisibleTo(window)
    assert "No microphone or other input device was found" in panel.notice.text()
    assert window.player.device is not None  # the speaker still plays
    save(window, "recording_disabled.png")
