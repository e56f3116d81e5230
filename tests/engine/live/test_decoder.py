"""The live decoder reads a whole buffer, with real tiny.en on the espeak-ng reading.

The streamer trusts a single decode at the end of an utterance, when a long buffer is cut
and when the stream stops, so a decode must not drop a stretch of the buffer's speech. With
faster-whisper's timestamp tokens alone it did, now and then: a window read as a finished
segment then an unfinished one is aligned word by word over the whole window, the finished
segment's words land at its end, and faster-whisper seeks past everything in between (19
words of a 27 s buffer of 89). At the end of a stream that lost the reading's last 43 words.
The decoder now reads such a buffer again without timestamp tokens."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from engine.live.streamer import WhisperDecoder

# Buffers the streamer decodes (up to MAX_BUFFER + MAX_PIECE), starting at word starts
# within these stretches of the reading: each holds starts whose decode, with timestamp
# tokens, lost most of the buffer.
_STRETCHES = ((35.0, 37.0), (127.0, 129.0), (157.0, 158.5))
_LENGTHS = (27.0, 12.0)


@pytest.fixture(scope="module")
def reading(reading_samples: np.ndarray, tiny_en_model: str) -> tuple[Any, np.ndarray, list[Any]]:
    """The model, the reading as 16 kHz samples, and raw faster-whisper's words for it."""
    from faster_whisper import WhisperModel

    pcm = reading_samples
    model = WhisperModel(tiny_en_model, device="cpu", compute_type="int8", cpu_threads=2)
    segments, _ = model.transcribe(pcm, word_timestamps=True)
    return model, pcm, [w for s in segments for w in s.words]


@pytest.mark.timeout(600)
def test_every_buffer_is_read_whole(reading: tuple[Any, np.ndarray, list[Any]]) -> None:
    model, pcm, words = reading
    decode = WhisperDecoder(model, beam_size=5)
    lost = []
    starts = sorted(
        {float(w.start) for w in words if any(a <= w.start <= b for a, b in _STRETCHES)}
    )
    assert len(starts) >= 10  # the reading still has speech there
    for start in starts:
        for length in _LENGTHS:
            said = [w for w in words if w.start >= start and w.end <= start + length]
            prompt = "".join(w.word for w in words if w.end <= start)[-200:].strip()
            buffer = pcm[int(start * 16000) : int((start + length) * 16000)]
            decoded = decode(
                buffer, language="en", task="transcribe", prompt=prompt, beam_size=None
            )
            first = decoded.words[0].start if decoded.words else length
            if len(decoded.words) < 0.8 * len(said) or first > 2.0:
                lost.append((start, length, len(decoded.words), len(said), round(first, 2)))
    assert not lost, lost  # (start, length, words read, words said, first word at)
