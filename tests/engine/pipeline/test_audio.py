"""Decoding: real files stream exactly as faster-whisper decodes them; bad files say why."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from engine.errors import AudioDecodeError
from engine.pipeline.audio import probe, read_all, stream_pcm

SHARED = [
    "jfk.flac",
    "multilingual.mp3",
    "hotwords.mp3",
    "stereo_diarization.wav",
    "seed_sample_th.mp3",
]


@pytest.mark.parametrize("name", SHARED)
def test_stream_matches_faster_whisper(shared_audio: Path, name: str) -> None:
    from faster_whisper.audio import decode_audio

    path = str(shared_audio / name)
    expected = decode_audio(path)
    got = read_all(path)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, expected)
    info = probe(path)
    assert info.duration == pytest.approx(expected.size / 16000, abs=0.1)


def test_streaming_yields_bounded_blocks(long_audio: str) -> None:
    sizes = [b.size for b in stream_pcm(long_audio)]
    assert sum(sizes) == 3600 * 16000
    assert max(sizes) < 3 * 16000  # about a second at a time, never the whole file


def _bad(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.wav", b"", "empty"),
        ("notes.mp3", b"These are not the droids you are looking for.\n" * 20, "FFmpeg"),
        (
            "noise.flac",
            bytes(np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8)),
            "FFmpeg",
        ),
    ],
)
def test_undecodable_files_say_why(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = _bad(tmp_path, name, data)
    with pytest.raises(AudioDecodeError) as info:
        probe(path)
    assert reason in str(info.value)
    assert info.value.status == 400
    with pytest.raises(AudioDecodeError):
        read_all(path)


def test_truncated_mp3_decodes_what_it_holds(tmp_path: Path, shared_audio: Path) -> None:
    data = (shared_audio / "multilingual.mp3").read_bytes()
    half = _bad(tmp_path, "half.mp3", data[: len(data) // 2])
    audio = read_all(half)
    assert 20 * 16000 < audio.size < 40 * 16000


def test_a_header_alone_is_refused(tmp_path: Path, shared_audio: Path) -> None:
    data = (shared_audio / "jfk.flac").read_bytes()
    stub = _bad(tmp_path, "stub.flac", data[:200])
    with pytest.raises(AudioDecodeError):
        read_all(stub)


def test_odd_names_and_wrong_extensions(tmp_path: Path, jfk: str) -> None:
    odd = tmp_path / "über talk (final) ＃1 .. ;rm -rf.mp3"  # FLAC inside, .mp3 outside
    shutil.copy(jfk, odd)
    assert probe(str(odd)).codec == "flac"
    assert read_all(str(odd)).size == 176000


def test_video_without_audio_is_refused(tmp_path: Path) -> None:
    import av

    path = tmp_path / "silent-film.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=5)
        stream.width, stream.height = 32, 32
        for _ in range(5):
            frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    with pytest.raises(AudioDecodeError) as info:
        probe(str(path))
    assert "no audio stream" in str(info.value)


def _pointers(tmp_path: Path, target: str) -> dict[str, Path]:
    """Files that FFmpeg would follow to another file: a playlist and a concat list."""
    hls = tmp_path / "list.m3u8"
    hls.write_text(
        f"#EXTM3U\n#EXT-X-TARGETDURATION:20\n#EXTINF:20,\nfile://{target}\n#EXT-X-ENDLIST\n"
    )
    concat = tmp_path / "list.ffconcat"
    concat.write_text(f"ffconcat version 1.0\nfile '{target}'\n")
    return {"hls": hls, "concat": concat}


@pytest.mark.parametrize("kind", ["hls", "concat"])
def test_files_that_point_at_other_files_are_refused(tmp_path: Path, jfk: str, kind: str) -> None:
    path = str(_pointers(tmp_path, jfk)[kind])
    with pytest.raises(AudioDecodeError, match="refer to other files"):
        probe(path)
    with pytest.raises(AudioDecodeError, match="refer to other files"):
        next(stream_pcm(path))
