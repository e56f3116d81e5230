"""README: the window keeps settings in gui.ini, and a value given by flag or environment
variable for a run wins over the saved one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.settings import Settings, load
from engine.status import EngineState
from gui.settings.preferences import PreferenceStore
from gui.settings.window import WindowSettings
from tests.gui.conftest import OFFSCREEN_NOISE

SAVED: dict[str, Any] = {
    "model": "small",
    "compute_type": "float32",
    "device": "cpu",
    "queue_port": 9100,
}


def _engine(settings: WindowSettings) -> dict[str, object]:
    return {key: getattr(settings, key) for key in SAVED}


def test_a_flag_or_variable_beats_the_saved_setting(tmp_path: Path) -> None:
    store = PreferenceStore(tmp_path / "gui.ini")
    store.save_engine(Settings(**SAVED))
    assert _engine(store.engine_settings(load({}, {}))) == SAVED
    flag_and_variable = load({"model": "base"}, {"WHISPER_COMPUTE_TYPE": "int8"})
    assert _engine(store.engine_settings(flag_and_variable)) == {
        **SAVED,
        "model": "base",
        "compute_type": "int8",
    }
    # Given for this run with the default's value, it still wins: `--device auto` means auto.
    defaults_given = load({"device": "auto"}, {"QUEUE_PORT": "8000"})
    assert _engine(store.engine_settings(defaults_given)) == {
        **SAVED,
        "device": "auto",
        "queue_port": 8000,
    }


@OFFSCREEN_NOISE
def test_the_window_s_engine_runs_with_the_value_given(
    qtbot, make_window, settings_file: Path, tiny_model: str
) -> None:
    PreferenceStore(settings_file).save_engine(Settings(model=tiny_model, compute_type="float32"))
    window = make_window(compute_type="int8")
    status = window.session.engine_status
    assert status.state == EngineState.READY
    assert (window.settings.compute_type, status.compute_type) == ("int8", "int8")
