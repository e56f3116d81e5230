"""What a busy engine's live stream is worth, with real tiny.en: audio in 5 s pieces.

When the engine falls behind (a loaded machine, or a client sending faster than real time)
the hub hands it a stream in pieces of up to ``MAX_PIECE`` seconds. Fed the espeak-ng
reading that way, the live transcript must stay close to raw faster-whisper's offline
transcript of the same file and lose no stretch of speech: the last 15 s of the reading
were once lost when a decode of clear speech was skipped as silence.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.live.hub import MAX_PIECE
from engine.live.streamer import LiveOptions, LiveStreamer, WhisperDecoder
from harness import live_client
from harness.wer import longest_loss, normalize, wer

REFERENCE = live_client.READING.read_text()
_SLACK = 0.03  # WER points the live path may lose against offline, decoded deterministically


@pytest.mark.timeout(600)
def test_a_stream_fed_in_large_pieces_keeps_every_stretch_of_speech(
    reading_wav: Path, reading_samples: np.ndarray, tiny_en_model: str
) -> None:
    from faster_whisper import WhisperModel

    model = WhisperModel(tiny_en_model, device="cpu", compute_type="int8", cpu_threads=2)
    segments, _ = model.transcribe(str(reading_wav), word_timestamps=True)
    offline = wer(REFERENCE, " ".join(s.text for s in segments), spell_numbers=True)

    pcm = reading_samples
    streamer = LiveStreamer(WhisperDecoder(model, beam_size=5), LiveOptions())
    step = int(MAX_PIECE * 16000)
    for start in range(0, pcm.size, step):
        streamer.feed(pcm[start : start + step])
    streamer.finish()
    text = " ".join(s.text for s in streamer.segments)

    lost = longest_loss(REFERENCE, text, spell_numbers=True)
    assert len(lost) <= 5, (lost, text)
    # The end is kept (a made-up "Thank you." after it, in the last 0.3 s, is still possible).
    assert "boat returned today" in " ".join(normalize(text)[-6:]), text
    assert wer(REFERENCE, text, spell_numbers=True) <= offline + _SLACK, (offline, text)
