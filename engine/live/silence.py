"""Where speech is in a live stream: faster-whisper's Silero VAD, run frame by frame.

The live streamer needs two answers as audio arrives: is there any speech in the buffer
(else there is nothing to decode), and how long has it been silent (long enough ends the
utterance). The model's LSTM state and 64-sample context are carried across frames, as in
:mod:`engine.pipeline.vad`.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from engine.pipeline.audio import SAMPLE_RATE

_FRAME = 512
_CONTEXT = 64
_THRESHOLD = 0.5


class SpeechTracker(Protocol):
    """What the streamer asks of a voice activity detector (stream sample positions)."""

    first_speech: int | None
    last_speech: int | None

    def push(self, audio: np.ndarray) -> None: ...

    def silent_for(self) -> float: ...

    def reset_speech(self) -> None: ...


class SilenceTracker:
    """Feed 16 kHz audio; read the sample where speech last was heard."""

    def __init__(self) -> None:
        from faster_whisper.vad import get_vad_model

        self._session = get_vad_model().session
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(_CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)
        self.samples = 0  # samples run through the model
        self.first_speech: int | None = None  # first speech sample since reset_speech()
        self.last_speech: int | None = None  # end of the last speech frame heard

    def push(self, audio: np.ndarray) -> None:
        data = np.concatenate([self._pending, audio]) if self._pending.size else audio
        n = data.size // _FRAME
        self._pending = data[n * _FRAME :].copy()
        if n == 0:
            return
        frames = data[: n * _FRAME].reshape(n, _FRAME).astype(np.float32, copy=False)
        contexts = np.concatenate([self._context[None, :], frames[:-1, -_CONTEXT:]])
        self._context = frames[-1, -_CONTEXT:].copy()
        batch = np.concatenate([contexts, frames], axis=1)
        probs, self._h, self._c = self._session.run(
            None, {"input": batch, "h": self._h, "c": self._c}
        )
        voiced = np.flatnonzero(np.asarray(probs).reshape(-1) >= _THRESHOLD)
        if voiced.size:
            if self.first_speech is None:
                self.first_speech = self.samples + int(voiced[0]) * _FRAME
            self.last_speech = self.samples + (int(voiced[-1]) + 1) * _FRAME
        self.samples += n * _FRAME

    def silent_for(self) -> float:
        """Seconds since speech was last heard (since the start, if never)."""
        return (self.samples - (self.last_speech or 0)) / SAMPLE_RATE

    def reset_speech(self) -> None:
        """An utterance ended: the next speech starts a new one."""
        self.first_speech = None
