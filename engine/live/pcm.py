"""Client audio frames to the engine's 16 kHz mono float32, across frame boundaries.

Clients send raw little-endian PCM16 or float32 at their own rate (OpenAI Realtime: PCM16 at
24 kHz). The resampler is PyAV's (FFmpeg's swresample), fed frame after frame so a frame
boundary leaves no click; a frame may end in the middle of a sample, the rest is kept.
"""

from __future__ import annotations

import numpy as np

from engine.errors import InvalidParameter
from engine.pipeline.audio import SAMPLE_RATE

FORMATS: dict[str, np.dtype] = {"pcm16": np.dtype("<i2"), "float32": np.dtype("<f4")}


class PcmConverter:
    """Turns frames of ``fmt`` at ``rate`` Hz into 16 kHz float32 samples."""

    def __init__(self, rate: int = SAMPLE_RATE, fmt: str = "pcm16") -> None:
        if fmt not in FORMATS:
            raise InvalidParameter(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
        if not 8000 <= rate <= 192000:
            raise InvalidParameter(f"sample_rate must be between 8000 and 192000, not {rate}")
        self.rate = rate
        self.dtype = FORMATS[fmt]
        self._carry = b""
        self._resampler = None
        self._pts = 0
        if rate != SAMPLE_RATE:
            import av

            self._resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)

    def convert(self, data: bytes) -> np.ndarray:
        data = self._carry + data
        usable = len(data) - len(data) % self.dtype.itemsize
        self._carry = data[usable:]
        raw = np.frombuffer(data[:usable], dtype=self.dtype)
        samples = raw.astype(np.float32) / 32768.0 if self.dtype.kind == "i" else raw.copy()
        if self._resampler is None or not samples.size:
            return samples.astype(np.float32, copy=False)
        return self._resample(samples.astype(np.float32, copy=False))

    def _resample(self, samples: np.ndarray | None) -> np.ndarray:
        import av

        frame = None
        if samples is not None:
            frame = av.AudioFrame.from_ndarray(samples[None, :], format="flt", layout="mono")
            frame.sample_rate = self.rate
            frame.pts = self._pts
            self._pts += samples.size
        out = [f.to_ndarray().reshape(-1) for f in self._resampler.resample(frame)]  # type: ignore[union-attr]
        return np.concatenate(out).astype(np.float32) if out else np.zeros(0, np.float32)

    def flush(self) -> np.ndarray:
        """What the resampler still holds (at the end of the stream)."""
        if self._resampler is None:
            return np.zeros(0, np.float32)
        return self._resample(None)
