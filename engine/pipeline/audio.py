"""Audio input: probe a file and stream it as 16 kHz mono float32, with PyAV (no ffmpeg binary).

Decoding is streamed packet by packet so that a file of any length is never held whole in
memory; :mod:`engine.pipeline.chunking` cuts the stream into pieces the model can take.
"""

from __future__ import annotations

import functools
import gc
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from engine.errors import AudioDecodeError

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
_BLOCK = SAMPLE_RATE  # samples per yielded block: large enough to keep Python overhead low

#: Demuxers that open further files or URLs named inside the input (playlists, concat lists,
#: manifests, filter graphs, network sessions) or read devices. An upload, or audio a worker
#: fetched from Redis, is opened as the one file it is: following its entries would let a
#: client have this machine read any file it can name.
_FOLLOWING_DEMUXERS = frozenset(
    {
        "hls",
        "concat",
        "webm_dash_manifest",
        "dash",
        "imf",
        "lavfi",
        "sdp",
        "rtp",
        "rtsp",
        "sap",
        "image2",
        "alsa",
        "fbdev",
        "kmsgrab",
        "oss",
        "x11grab",
        "video4linux2",
        "v4l2",
        # Synthesizers: sound made from a script, not read from the file (a 38-byte SBaGen
        # script is 20 hours of audio), and ANSI art made into video.
        "sbg",
        "tty",
    }
)
_REFUSED = (
    "The file is a playlist or another kind of file that makes FFmpeg open further files "
    "or URLs, or synthesize sound from a script ({what}); only audio or video files "
    "themselves are accepted, not files that refer to other files"
)


@functools.cache
def _allowed_demuxers() -> str:
    """FFmpeg's ``format_whitelist``: every demuxer of this build but the ones that follow."""
    import av

    names: set[str] = set()
    for name in av.formats_available:
        try:
            fmt = av.ContainerFormat(name, "r")
        except ValueError:
            continue  # a muxer only
        if fmt.no_file:  # devices and network sessions, not files
            continue
        names.update(fmt.name.split(","))
    return ",".join(sorted(names - _FOLLOWING_DEMUXERS))


def _what(path: str) -> str:
    with open(path, "rb") as fh:
        head = fh.read(64).lstrip()
    if head.startswith(b"#EXTM3U"):
        return "an HLS/M3U playlist"
    if head.startswith(b"ffconcat"):
        return "an FFmpeg concat list"
    return "a format not accepted for uploads"


@dataclass(frozen=True)
class AudioInfo:
    """What a probe learns from a file's header and first frames."""

    duration: float | None
    codec: str
    sample_rate: int
    channels: int
    container: str


def _open(path: str):
    import av

    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise AudioDecodeError(f"The audio file cannot be read: {exc.strerror}") from exc
    if size == 0:
        raise AudioDecodeError("The file is empty (0 bytes)")
    # Only the file protocol (no URLs), only demuxers that read the one file they are given.
    options = {"protocol_whitelist": "file", "format_whitelist": _allowed_demuxers()}
    try:
        container = av.open(path, mode="r", metadata_errors="ignore", options=options)
    except av.error.ArgumentError as exc:  # EINVAL: what FFmpeg says for a format not listed
        raise AudioDecodeError(_REFUSED.format(what=_what(path))) from exc
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise AudioDecodeError(
            f"The file is not audio or video that FFmpeg can read ({_reason(exc)})"
        ) from exc
    if not container.streams.audio:
        container.close()
        raise AudioDecodeError("The file contains no audio stream")
    return container


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(": '")[0].strip() or type(exc).__name__


def _duration(container) -> float | None:
    stream = container.streams.audio[0]
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    return None


def probe(path: str) -> AudioInfo:
    """Check that ``path`` holds decodable audio and read its duration.

    Raises :class:`AudioDecodeError` with a reason a person can act on.
    """
    import av

    container = _open(path)
    try:
        stream = container.streams.audio[0]
        info = AudioInfo(
            duration=_duration(container),
            codec=stream.codec_context.name,
            sample_rate=stream.codec_context.sample_rate or 0,
            channels=stream.codec_context.channels or 0,
            container=container.format.name,
        )
        try:
            for _frame in container.decode(stream):
                return info
        except av.error.FFmpegError as exc:
            raise AudioDecodeError(f"The audio cannot be decoded ({_reason(exc)})") from exc
        raise AudioDecodeError("The file has an audio stream but no decodable audio in it")
    finally:
        container.close()


def _resampled(container, resampler, counter: list[int]) -> Iterator[np.ndarray]:
    """Every resampled frame of the first audio stream; corrupt packets are counted, skipped."""
    import av

    for packet in container.demux(container.streams.audio[0]):
        try:
            frames = packet.decode()
        except av.error.FFmpegError:
            counter[0] += 1
            continue
        for frame in frames:
            frame.pts = None
            for out in resampler.resample(frame):
                yield out.to_ndarray().reshape(-1)
    for out in resampler.resample(None):
        yield out.to_ndarray().reshape(-1)


class PcmStream:
    """A file opened once: its duration from the header, then its audio as blocks.

    The engine opens each file once per task (a separate :func:`probe` opened it again and
    decoded its first frame before the stream did the same).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._container = _open(path)  # raises AudioDecodeError with a reason
        self.duration = _duration(self._container)

    def __iter__(self) -> Iterator[np.ndarray]:
        """The blocks of :func:`stream_pcm`; the file is closed at their end."""
        return _blocks(self._container, self.path)


def stream_pcm(path: str) -> Iterator[np.ndarray]:
    """Yield the audio as 16 kHz mono float32 blocks of about one second.

    Corrupt packets are skipped (a truncated MP3 yields what it holds); a file from which
    nothing at all decodes raises :class:`AudioDecodeError`.
    """
    yield from _blocks(_open(path), path)


def _blocks(container, path: str) -> Iterator[np.ndarray]:
    """:func:`stream_pcm` of an opened container, which it closes."""
    import av

    # s16 as faster-whisper does: FFmpeg normalises the stereo downmix only for integer
    # formats, and the model expects the same levels as in raw faster-whisper.
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    pending: list[np.ndarray] = []
    pending_len = total = 0
    skipped = [0]
    try:
        for part in _resampled(container, resampler, skipped):
            pending.append(part)
            pending_len += part.size
            if pending_len >= _BLOCK:
                block = _to_float(pending)
                pending, pending_len = [], 0
                total += block.size
                yield block
        if pending_len:
            total += pending_len
            yield _to_float(pending)
    except av.error.FFmpegError as exc:
        if total == 0:
            raise AudioDecodeError(f"The audio cannot be decoded ({_reason(exc)})") from exc
        log.warning("Decoding stopped early at %.1f s: %s", total / SAMPLE_RATE, exc)
    finally:
        container.close()
        del resampler
        # PyAV keeps resampler buffers alive until a collection (faster-whisper issue 390).
        gc.collect()
    if skipped[0]:
        log.warning("Skipped %d corrupt packets in %s", skipped[0], os.path.basename(path))
    if total == 0:
        raise AudioDecodeError("No audio could be decoded from the file")


def _to_float(parts: list[np.ndarray]) -> np.ndarray:
    block = np.concatenate(parts).astype(np.float32)
    block *= 1.0 / 32768.0
    return block


def read_all(path: str) -> np.ndarray:
    """The whole file as one array; for short clips and tests only."""
    return np.concatenate(list(stream_pcm(path)))
