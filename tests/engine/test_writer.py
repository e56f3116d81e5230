"""The one transcript writer: the names, extensions and whole-or-nothing files the command
line, the watcher and the window all get."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import formats, writer
from engine.errors import InvalidParameter

RESULT = {
    "text": "Ask not.",
    "language": "en",
    "duration": 2.0,
    "segments": [
        {
            "id": 0,
            "start": 0.0,
            "end": 2.0,
            "text": " Ask not.",
            "words": [
                {"text": " Ask", "start": 0.0, "end": 0.8, "confidence": 0.9},
                {"text": " not.", "start": 0.8, "end": 2.0, "confidence": 0.9},
            ],
        }
    ],
}


def test_names_are_stems_unless_two_inputs_share_one() -> None:
    assert writer.names(["a/talk.flac", "b/speech.mp3"]) == ["talk", "speech"]
    # A shared stem (also differing only in case): the whole file names.
    assert writer.names(["a/talk.flac", "b/Talk.mp3"]) == ["talk.flac", "Talk.mp3"]
    # The same file name in two folders: numbered, never one over the other.
    assert writer.names(["a/talk.mp3", "b/talk.mp3", "c/TALK.mp3"]) == [
        "talk.mp3",
        "talk.mp3-2",
        "TALK.mp3-3",
    ]


def test_targets_have_one_file_per_format(tmp_path: Path) -> None:
    got = writer.targets(tmp_path, "talk", ["txt", "json", "verbose_json", "srt"])
    # verbose_json sits beside json instead of overwriting it
    assert [p.name for p in got] == ["talk.txt", "talk.json", "talk.verbose.json", "talk.srt"]
    assert {p.parent for p in got} == {tmp_path}


def test_file_formats_names_all_or_a_list_and_refuses_unknown_ones() -> None:
    assert writer.file_formats("all") == list(formats.FILE_FORMATS)
    assert writer.file_formats("srt, txt") == ["srt", "txt"]
    with pytest.raises(InvalidParameter, match="unknown format 'docx'"):
        writer.file_formats("txt,docx")
    with pytest.raises(InvalidParameter, match="unknown format ','"):
        writer.file_formats(",")


def test_write_renders_the_format_and_leaves_no_part_file(tmp_path: Path) -> None:
    target = tmp_path / "talk.srt"
    writer.write(RESULT, "srt", target)
    text = target.read_text(encoding="utf-8")
    assert "Ask not." in text
    assert text == formats.render(RESULT, "srt")
    assert [p.name for p in tmp_path.iterdir()] == ["talk.srt"]


def test_a_write_that_fails_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "talk.txt"
    target.mkdir()  # a folder in the way: the text cannot go there
    with pytest.raises(OSError):
        writer.write(RESULT, "txt", target)
    assert target.is_dir()
    assert [p.name for p in tmp_path.iterdir()] == ["talk.txt"]  # no .talk.txt.part
