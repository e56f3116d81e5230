"""The status bar says which model runs and, for a fallback, why."""

from __future__ import annotations

from engine.status import EngineState, EngineStatus


def test_the_fallback_model_is_named_with_its_reason(qtbot) -> None:
    from gui.status_bar import StatusBar

    bar = StatusBar()
    qtbot.addWidget(bar)
    reason = "the default model 'small' is not downloaded and the hub cannot be reached"
    bar.show_engine(
        EngineStatus(
            state=EngineState.READY, model="base", model_reason=reason, model_fallback=True
        )
    )
    assert bar.model.text() == "Model: base (offline fallback)"
    assert bar.model.toolTip() == f"base: {reason}"

    bar.show_engine(
        EngineStatus(state=EngineState.READY, model="/models/small", model_reason="named")
    )
    assert bar.model.text() == "Model: small"
    assert bar.model.toolTip() == "/models/small: named"
