"""Where speech is in a live stream: faster-whisper's Silero VAD, run frame by frame.

The live streamer needs two answers as audio arrives: is there any speech in the buffer
(else there is nothing to decode), and how long has it been silent (long enough ends the
utterance). The frames go through :class:`engine.pipeline.vad.SileroFrames`, the one Silero
frame loop (the model's LSTM state and 64-sample context carried across frames).
"""

from __future__ import annotations

import numpy as np

from engine.pipeline.audio import SAMPLE_RATE
from engine.pipeline.vad import FRAME, SileroFrames

_THRESHOLD = 0.5


class SilenceTracker:
    """Feed 16 kHz audio; read the sample where speech last was heard."""

    def __init__(self) -> None:
        self._silero = SileroFrames()
        self.samples = 0  # samples run through the model
        self.first_speech: int | None = None  # first speech sample since reset_speech()
        self.last_speech: int | None = None  # end of the last speech frame heard

    def push(self, audio: np.ndarray) -> None:
        probs = self._silero.push(audio)
        voiced = np.flatnonzero(probs >= _THRESHOLD)
        if voiced.size:
            if self.first_speech is None:
                self.first_speech = self.samples + int(voiced[0]) * FRAME
            self.last_speech = self.samples + (int(voiced[-1]) + 1) * FRAME
        self.samples += probs.size * FRAME

    def silent_for(self) -> float:
        """Seconds since speech was last heard (since the start, if never)."""
        return (self.samples - (self.last_speech or 0)) / SAMPLE_RATE

    def reset_speech(self) -> None:
        """An utterance ended: the next speech starts a new one."""
        self.first_speech = None
