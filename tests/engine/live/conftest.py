"""The espeak-ng reading (harness/live_reading.txt), synthesized once for the live tests here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from harness import live_client


@pytest.fixture(scope="session")
def reading_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return live_client.synthesize(tmp_path_factory.mktemp("live-reading") / "reading.wav")


@pytest.fixture(scope="session")
def reading_samples(reading_wav: Path) -> np.ndarray:
    """The reading as 16 kHz mono float32 samples."""
    return np.frombuffer(live_client.pcm16(reading_wav), np.int16).astype(np.float32) / 32768
