"""The live buffer stays inside Whisper's window, whatever the decodes say.

The decoder here stands in for Whisper (named as such): each decode reads the buffer as
words no other decode agrees with, the worst case for the agreement policy, so only the
streamer's own bounds keep the buffer short. The audio is the espeak-ng reading, so the real
VAD hears speech throughout.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.live.streamer import WINDOW, Decoded, LiveOptions, LiveStreamer
from engine.pipeline.audio import SAMPLE_RATE
from engine.result import Word


class DisagreeingDecoder:
    """A stand-in for Whisper: a word every 0.4 s until 1 s before the end, new words each time.

    Times are on Whisper's 20 ms grid; a final's end then lies a fraction of a sample past
    the sample it is cut at, which once stopped the buffer from ever being cut again.
    """

    def __init__(self) -> None:
        self.lengths: list[float] = []

    def __call__(
        self, audio: np.ndarray, *, language: str | None, task: str, prompt: str | None,
        beam_size: int | None,
    ) -> Decoded:  # fmt: skip
        self.lengths.append(audio.size / SAMPLE_RATE)
        n = len(self.lengths)
        count = max(0, int((audio.size / SAMPLE_RATE - 1.0) / 0.4))
        times = [(round(i * 0.4, 2), round(i * 0.4 + 0.3, 2)) for i in range(count)]
        words = [Word(f" w{n}x{i}", start, end, 0.9) for i, (start, end) in enumerate(times)]
        return Decoded(words, "en", 1.0)


@pytest.fixture(scope="module")
def speech(reading_samples: np.ndarray) -> np.ndarray:
    return reading_samples[: 120 * SAMPLE_RATE]


@pytest.mark.parametrize("piece", [1.0, 5.0, 45.0], ids=["1s", "5s", "45s"])
def test_no_decode_is_longer_than_whisper_s_window(speech: np.ndarray, piece: float) -> None:
    decoder = DisagreeingDecoder()
    streamer = LiveStreamer(decoder, LiveOptions(silence_seconds=0))
    step = int(piece * SAMPLE_RATE)
    for start in range(0, speech.size, step):
        streamer.feed(speech[start : start + step])
        assert streamer.audio.size <= WINDOW * SAMPLE_RATE
    streamer.finish()
    assert len(decoder.lengths) >= 4
    assert max(decoder.lengths) <= WINDOW, decoder.lengths
    # What was read is kept: committed words run to the end of the audio.
    assert streamer.segments[-1].end >= speech.size / SAMPLE_RATE - 2.0
