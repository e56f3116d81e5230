"""Which files a dropped folder or a ``transcribe DIR`` takes: audio and video, found inside."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.media import expand, in_folder, is_media


@pytest.mark.parametrize("name", ["talk.mp3", "TALK.WAV", "clip.Mp4", "a.b.flac", "show.mkv"])
def test_audio_and_video_count_as_media_whatever_the_case(name: str) -> None:
    assert is_media(name)


@pytest.mark.parametrize("name", ["talk.mp3.part", "talk.txt", "talk.srt", "README", "talk"])
def test_partial_downloads_transcripts_and_other_files_do_not(name: str) -> None:
    assert not is_media(name)


def _touch(*paths: Path) -> None:
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")


def test_a_folder_gives_its_media_files_recursively_in_path_order(tmp_path: Path) -> None:
    _touch(
        tmp_path / "b.wav",
        tmp_path / "A.mp3",
        tmp_path / "sub" / "c.mkv",
        tmp_path / "notes.txt",
        tmp_path / "sub" / "c.mkv.srt",
    )
    (tmp_path / "folder.mp3").mkdir()  # a folder is never a file to transcribe
    assert in_folder(tmp_path) == [
        tmp_path / "A.mp3",
        tmp_path / "b.wav",
        tmp_path / "sub" / "c.mkv",
    ]


def test_files_named_are_kept_whatever_their_extension_and_each_is_taken_once(
    tmp_path: Path,
) -> None:
    _touch(tmp_path / "in" / "one.flac", tmp_path / "in" / "two.ogg", tmp_path / "odd.bin")
    named = [
        str(tmp_path / "odd.bin"),  # named explicitly: tried, the engine says why if it fails
        str(tmp_path / "in"),
        str(tmp_path / "in" / "one.flac"),  # already found in the folder
        str(tmp_path / "missing.wav"),  # nothing there: left out
    ]
    assert expand(named) == [
        str(tmp_path / "odd.bin"),
        str(tmp_path / "in" / "one.flac"),
        str(tmp_path / "in" / "two.ogg"),
    ]


def test_relative_paths_come_back_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _touch(tmp_path / "talk.wav")
    monkeypatch.chdir(tmp_path)
    assert expand(["talk.wav", "./talk.wav"]) == [os.path.join(tmp_path, "talk.wav")]
