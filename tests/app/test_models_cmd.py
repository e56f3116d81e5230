"""``python -m app models download | list | remove``, run as a person runs them, against a
local Hugging Face hub (harness/hf_hub.py) that serves the generated model as ``tiny``."""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
from pathlib import Path

from harness.hf_hub import COMMIT, LocalHub

ROOT = Path(__file__).resolve().parents[2]


def models(*args: str, cache: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "app", "models", *args, "--model-dir", str(cache)]
    env = {**os.environ, "COLUMNS": "120"}  # the hub's variables come from local_hub
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_download_list_and_remove(local_hub: LocalHub, tiny_model: str, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    local_hub.rate = 8_000_000  # about two seconds: the bar moves before it ends
    done = models("download", "tiny", cache=cache)
    assert done.returncode == 0, done.stderr
    snapshot = cache / "models--Systran--faster-whisper-tiny" / "snapshots" / COMMIT
    assert done.stdout.splitlines()[-1] == f"tiny: {snapshot}"
    # tqdm's bar on stderr, redrawn as bytes arrive, ending at the whole size (16.4 MB).
    frames = [f for f in done.stderr.replace("\r", "\n").splitlines() if "Downloading tiny" in f]
    assert len(frames) >= 3, done.stderr
    assert frames[-1].startswith("Downloading tiny: 100%") and "16.4M/16.4M" in frames[-1]
    for name in os.listdir(tiny_model):
        assert filecmp.cmp(Path(tiny_model, name), snapshot / name, shallow=False), name

    listed = models("list", cache=cache)
    assert listed.returncode == 0
    size = f"{local_hub.size('Systran/faster-whisper-tiny') / 1024 / 1024:.1f} MB"
    assert f"  tiny  {size:>9}  {snapshot}" in listed.stdout.splitlines()

    removed = models("remove", "tiny", cache=cache)
    assert (removed.returncode, removed.stdout) == (0, f"Removed tiny from {cache}\n")
    assert not (cache / "models--Systran--faster-whisper-tiny").exists()
    assert "  (no models downloaded yet)" in models("list", cache=cache).stdout.splitlines()
    again = models("remove", "tiny", cache=cache)
    assert again.returncode == 2
    assert again.stderr == "stackscribe: Model 'tiny' is not in the cache\n"


def test_download_of_a_repository_the_hub_does_not_have(
    local_hub: LocalHub, tmp_path: Path
) -> None:
    failed = models("download", "nobody/no-such-model", cache=tmp_path / "cache")
    assert failed.returncode == 2
    assert failed.stderr.startswith("stackscribe: Model 'nobody/no-such-model' is not downloaded")
    assert "Traceback" not in failed.stderr
