"""Model downloads for real, from a local Hugging Face hub (harness/hf_hub.py).

The hub serves the generated model as the repository ``tiny`` names. Each test drives the
hub (hold a file, cut a connection, refuse a file) and watches what a user would see:
progress, cancel, and never a half model.
"""

from __future__ import annotations

import filecmp
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.errors import ModelUnavailable
from engine.models import store as model_store
from engine.models.store import DownloadCancelled
from harness.hf_hub import COMMIT, LocalHub
from harness.waits import until

REPO = "Systran/faster-whisper-tiny"
MIB = 1024 * 1024


def same_files(model: str, downloaded: str) -> None:
    names = sorted(p.name for p in Path(model).iterdir())
    assert sorted(p.name for p in Path(downloaded).iterdir()) == names
    for name in names:
        assert filecmp.cmp(Path(model, name), Path(downloaded, name), shallow=False), name


def in_background(work: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    """Run ``work`` in a thread; the list gets its result or the exception it raised."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(work())
        except Exception as exc:  # handed to the test, which asserts on it
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_download_reports_progress_and_gives_the_exact_files(
    local_hub: LocalHub, tiny_model: str, tmp_path: Path
) -> None:
    cache = str(tmp_path / "cache")
    held = local_hub.hold("model.bin", after=11 * MIB)  # past the client's 10 MiB write chunk
    reports: list[tuple[int, int]] = []
    thread, outcome = in_background(
        lambda: model_store.download("tiny", cache, lambda d, t: reports.append((d, t)), poll=0.05)
    )
    total = local_hub.size(REPO)
    until(lambda: held.reached.is_set() and any(0 < d < total for d, _ in reports), what="progress")
    assert not outcome, "the download ended while the hub still held model.bin"
    held.release.set()
    thread.join(60)
    path = outcome[0]
    assert path == str(Path(cache) / "models--Systran--faster-whisper-tiny" / "snapshots" / COMMIT)
    same_files(tiny_model, path)
    assert {t for _, t in reports} == {total}  # the whole size is known from the first report
    done = [d for d, _ in reports]
    assert done == sorted(done) and done[-1] == total
    assert model_store.resolve("tiny", cache) == path
    assert [m.name for m in model_store.list_cached(cache)] == ["tiny"]
    assert not list(Path(cache).rglob("*.incomplete"))


def test_a_connection_cut_midway_resumes_and_ends_with_the_whole_file(
    local_hub: LocalHub, tiny_model: str, tmp_path: Path
) -> None:
    cache = str(tmp_path / "cache")
    local_hub.cut("model.bin", after=12_000_000)
    path = model_store.download("tiny", cache)
    gets = local_hub.gets("model.bin")
    assert [g.range for g in gets] == [None, f"bytes={10 * MIB}-"]  # resumed, not restarted
    same_files(tiny_model, path)


def test_cancel_stops_the_download_and_leaves_no_model(local_hub: LocalHub, tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    held = local_hub.hold("model.bin", after=11 * MIB)
    cancel = threading.Event()
    reports: list[tuple[int, int]] = []
    thread, outcome = in_background(
        lambda: model_store.download(
            "tiny", cache, lambda d, t: reports.append((d, t)), cancel, poll=0.05
        )
    )
    until(lambda: held.reached.is_set() and any(d > 0 for d, _ in reports), what="progress")
    cancel.set()
    thread.join(30)
    assert isinstance(outcome[0], DownloadCancelled)
    assert not list(Path(cache).rglob("*.incomplete"))
    with pytest.raises(ModelUnavailable, match="not downloaded yet"):
        model_store.resolve("tiny", cache)
    assert model_store.list_cached(cache) == []


def test_an_interrupted_download_is_never_taken_for_a_model(
    local_hub: LocalHub, tiny_model: str, tmp_path: Path
) -> None:
    """model.bin and config.json arrive, tokenizer.json never does: that snapshot folder
    looks like a model, but the next start must download again, not load half of one."""
    cache = str(tmp_path / "cache")
    snapshot = Path(cache) / "models--Systran--faster-whisper-tiny" / "snapshots" / COMMIT
    held = local_hub.hold("tokenizer.json", after=0)
    cancel = threading.Event()
    thread, outcome = in_background(lambda: model_store.download("tiny", cache, cancel=cancel))
    until(lambda: model_store.is_model_dir(snapshot), what="model.bin and config.json")
    cancel.set()
    thread.join(30)
    assert isinstance(outcome[0], DownloadCancelled)
    assert not (snapshot / "tokenizer.json").exists()
    with pytest.raises(ModelUnavailable, match="not downloaded yet"):
        model_store.resolve("tiny", cache)
    assert model_store.list_cached(cache) == []
    held.release.set()
    path = model_store.ensure("tiny", cache)  # downloads again, this time to the end
    same_files(tiny_model, path)
    assert model_store.resolve("tiny", cache) == path


def test_a_file_refused_fails_the_download_and_the_next_one_completes(
    local_hub: LocalHub, tiny_model: str, tmp_path: Path
) -> None:
    cache = str(tmp_path / "cache")
    local_hub.refuse("vocabulary.json")
    with pytest.raises(ModelUnavailable, match="'tiny' is not downloaded and the Hugging Face"):
        model_store.download("tiny", cache)
    with pytest.raises(ModelUnavailable, match="not downloaded yet"):
        model_store.resolve("tiny", cache)
    same_files(tiny_model, model_store.download("tiny", cache))
