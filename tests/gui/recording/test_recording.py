"""Live recording: a real ALSA device made from a FIFO, no device at all, no PortAudio."""

from __future__ import annotations

import ctypes.util
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from engine.service.tasks import TaskService
from gui.recording import audio_devices
from gui.recording.panel import RecordPanel
from tests.gui.conftest import OFFSCREEN_NOISE

ROOT = Path(__file__).resolve().parents[3]
CASES = Path(__file__).with_name("recording_cases.py")
ALSA_CONF = Path("/usr/share/alsa/alsa.conf")

needs_alsa = pytest.mark.skipif(
    not sys.platform.startswith("linux")
    or not ALSA_CONF.exists()
    or ctypes.util.find_library("portaudio") is None,
    reason="needs Linux with ALSA and PortAudio",
)

MICROPHONE = """
pcm.stackscribe_test_mic {{
    type file
    slave.pcm "stackscribe_test_null"
    file "/dev/null"
    infile "{fifo}"
    format "raw"
}}
pcm.stackscribe_test_null {{
    type null
}}
"""
SPEAKER_ONLY = """
pcm.stackscribe_test_speaker {
    type asym
    playback.pcm {
        type null
    }
}
"""


def run_case(name: str, tmp_path: Path, alsa_config: str, **env: str) -> None:
    """Run one case of recording_cases.py in a child pytest with its own ALSA setup."""
    asoundrc = tmp_path / "asoundrc"
    asoundrc.write_text(alsa_config)
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    environ = {**inherited, "ALSA_CONFIG_PATH": f"{ALSA_CONF}:{asoundrc}", **env}
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-q",
        "-x",
        "-rs",
        "--basetemp",
        str(tmp_path / "child"),
        f"{CASES}::{name}",
    ]
    done = subprocess.run(
        command, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=240
    )
    output = done.stdout[-6000:] + done.stderr[-3000:]
    if done.returncode == 0 and "1 skipped" in done.stdout:
        pytest.skip(output.strip().splitlines()[-1])
    assert done.returncode == 0, output


@needs_alsa
@pytest.mark.e2e  # a child pytest
def test_recording_from_a_microphone_transcribes_as_it_goes(tmp_path, jfk):
    from engine.pipeline.audio import read_all

    fifo = tmp_path / "mic.fifo"
    os.mkfifo(fifo)
    audio = tmp_path / "jfk.f32"
    read_all(jfk).astype("<f4").tofile(audio)
    run_case(
        "test_records_and_transcribes_the_test_microphone",
        tmp_path,
        MICROPHONE.format(fifo=fifo),
        STACKSCRIBE_TEST_MIC_FIFO=str(fifo),
        STACKSCRIBE_TEST_MIC_AUDIO=str(audio),
    )


@needs_alsa
@pytest.mark.e2e  # a child pytest
def test_recording_is_disabled_with_the_reason_without_an_input_device(tmp_path):
    run_case("test_recording_is_disabled_without_an_input_device", tmp_path, SPEAKER_ONLY)


def test_recording_is_disabled_with_the_reason_without_portaudio(qtbot, monkeypatch, tmp_path):
    def no_portaudio():  # a fake: PortAudio cannot be uninstalled for one test
        raise OSError("PortAudio library not found")

    monkeypatch.setattr(audio_devices, "sounddevice", no_portaudio)
    devices = audio_devices.probe()
    assert not devices.can_record and not devices.can_play
    panel = RecordPanel(tmp_path)
    qtbot.addWidget(panel)
    panel.set_devices(devices)
    assert not panel.record_button.isEnabled()
    assert "PortAudio library" in panel.notice.text()
    assert "libportaudio2" in panel.notice.text()
    assert not panel.notice.isHidden()


@OFFSCREEN_NOISE
def test_the_record_panel_shows_how_far_the_text_is_behind_the_voice(
    qtbot, monkeypatch, tmp_path
) -> None:
    """The lag the live hub measures reaches the panel through the recorder's signals.

    A real hub and real widgets; the engine's answer is posted by the test (what a decode
    says is not the point) and the hub's wall clock is a stand-in, so the lag is exact.
    """
    import numpy as np

    from engine.live import hub as hub_module
    from engine.live.hub import LiveHub
    from engine.live.streamer import LiveOptions
    from engine.task import TranscribeOptions
    from gui.recording.audio_devices import InputDevice
    from gui.recording.recorder import Recorder
    from harness import defaults

    clock = iter([50.0, 52.3])  # the audio arrives, then the final is posted
    monkeypatch.setattr(hub_module, "wall_clock", lambda: next(clock))
    hub = LiveHub(defaults.live_limits())
    panel = RecordPanel(tmp_path)
    qtbot.addWidget(panel)
    panel.show()
    service = cast(TaskService, SimpleNamespace(live=hub))  # only its hub is used
    device = InputDevice(0, "test microphone", 16000.0)
    recorder = Recorder(service, device, TranscribeOptions(), tmp_path, parent=panel)
    panel.follow(recorder)
    assert not panel.lag_label.isVisible()

    stream = hub.open(LiveOptions(), recorder.handle_events)
    hub.feed(stream, np.zeros(16000, np.float32))
    assert hub.take("engine", timeout=1) is not None
    segment = {"id": 0, "start": 0.1, "end": 0.8, "text": " Ask not."}
    with qtbot.wait_signal(recorder.lag):
        hub.post(stream, [{"type": "final", "segment": segment}])
    assert panel.lag_label.isVisible()
    assert panel.lag_label.text() == "text 2.3 s behind"
    assert "Ask not." in panel.text.toPlainText()
