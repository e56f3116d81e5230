"""The settings dialog's model download, for real, from a local Hugging Face hub.

harness/hf_hub.py serves the generated model as ``tiny`` and holds model.bin partway,
so the progress bar and the cancel button are seen while the download runs.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from harness.hf_hub import COMMIT, LocalHub
from tests.gui.conftest import OFFSCREEN_NOISE

pytestmark = OFFSCREEN_NOISE
MIB = 1024 * 1024


def test_download_shows_progress_can_be_cancelled_and_then_completes(
    qtbot, make_window, local_hub: LocalHub
) -> None:
    window = make_window()
    dialog = window.open_settings()
    dialog.model.setEditText("tiny")
    assert dialog.download_button.isEnabled()
    total = local_hub.size("Systran/faster-whisper-tiny")

    held = local_hub.hold("model.bin", after=11 * MIB)
    qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
    assert dialog.cancel_download_button.isVisible() and not dialog.download_button.isEnabled()
    assert dialog.model_state.text() == "Downloading tiny…"

    def moving() -> None:
        bar = dialog.download_bar
        assert bar.isVisible() and bar.maximum() == 1000 and 0 < bar.value() < 1000
        assert bar.format().endswith(f" of {total / 1e6:.0f} MB")

    qtbot.wait_until(moving, timeout=60_000)
    with qtbot.wait_signal(dialog.downloader.cancelled, timeout=30_000):
        qtbot.mouseClick(dialog.cancel_download_button, Qt.MouseButton.LeftButton)
    assert dialog.model_state.text() == "Download cancelled."
    assert not dialog.cancel_download_button.isVisible() and not dialog.download_bar.isVisible()
    assert dialog.download_button.isEnabled()  # nothing usable was left behind
    held.release.set()

    with qtbot.wait_signal(dialog.downloader.finished, timeout=60_000) as finished:
        qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
    cache = Path(window.settings.model_cache)
    snapshot = cache / "models--Systran--faster-whisper-tiny" / "snapshots" / COMMIT
    assert finished.args == [str(snapshot)]
    assert dialog.model_state.text() == f"Downloaded to {snapshot}."
    dialog.model.setEditText("small")
    dialog.model.setEditText("tiny")  # picked again: the cache now holds it
    assert dialog.model_state.text() == "Downloaded." and not dialog.download_button.isEnabled()
    dialog.reject()
