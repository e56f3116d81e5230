"""The engine as the host sees it: what /health and the status bar read."""

from __future__ import annotations

import json

import pytest

from engine.status import EngineState, EngineStatus


@pytest.mark.parametrize("state", [s for s in EngineState if s != EngineState.READY])
def test_an_engine_that_is_not_ready_serves_nothing(state: EngineState) -> None:
    status = EngineStatus(state=state)
    assert not status.alive and not status.serving


def test_a_ready_engine_serves_only_while_it_answers_and_every_lane_runs() -> None:
    ready = EngineStatus(state=EngineState.READY)
    assert ready.alive and ready.serving
    frozen = EngineStatus(state=EngineState.READY, responding=False)
    assert frozen.alive and not frozen.serving  # stopped sending heartbeats
    lane_dead = EngineStatus(state=EngineState.READY, dead_workers=("direct",))
    assert lane_dead.alive and not lane_dead.serving


def test_the_snapshot_is_plain_json_with_the_state_s_name() -> None:
    status = EngineStatus(
        state=EngineState.DOWNLOADING, model="tiny", download_done=5, download_total=10
    )
    data = json.loads(json.dumps(status.to_dict()))
    assert data["state"] == "downloading"
    assert (data["model"], data["download_done"], data["download_total"]) == ("tiny", 5, 10)
    assert data["dead_workers"] == [] and data["responding"] is True
