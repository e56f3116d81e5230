"""The official ``openai`` client, unchanged, against the direct listener."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import openai
import pytest

from harness.tiny_whisper import phrase
from tests.conftest import PHRASE


@pytest.fixture
def client(live) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{live.direct}/v1", api_key="unused", max_retries=0)


def test_transcriptions_in_every_format(client: openai.OpenAI, jfk: str) -> None:
    with open(jfk, "rb") as fh:
        plain = client.audio.transcriptions.create(model="whisper-1", file=fh)
    assert plain.text == PHRASE
    formats: list[tuple[Literal["text", "srt", "vtt"], str]] = [
        ("text", PHRASE),
        ("srt", "1\n00:00:00,000"),
        ("vtt", "WEBVTT"),
    ]
    for fmt, start in formats:
        with open(jfk, "rb") as fh:
            text = client.audio.transcriptions.create(
                model="whisper-1", file=fh, response_format=fmt
            )
        assert str(text).strip().startswith(start)


def test_verbose_json_with_segments_and_words(client: openai.OpenAI, jfk: str) -> None:
    with open(jfk, "rb") as fh:
        verbose = client.audio.transcriptions.create(
            model="whisper-1",
            file=fh,
            response_format="verbose_json",
            language="en",
            prompt="Kennedy",
            timestamp_granularities=["segment", "word"],
            temperature=0.0,
        )
    assert verbose.text == PHRASE and verbose.language == "english"
    assert verbose.duration == pytest.approx(11.0)
    assert verbose.segments is not None and verbose.words is not None
    assert verbose.segments[0].text.strip() == PHRASE and verbose.segments[0].end > 0
    assert [w.word.strip() for w in verbose.words] == PHRASE.split()
    with open(jfk, "rb") as fh:
        segments_only = client.audio.transcriptions.create(
            model="whisper-1",
            file=fh,
            response_format="verbose_json",
            timestamp_granularities=["segment"],
        )
    assert not getattr(segments_only, "words", None)


# openai 3.x marks the translations resource deprecated; the route must still work for it.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_translations(client: openai.OpenAI, shared_audio: Path) -> None:
    with open(shared_audio / "seed_sample_th.mp3", "rb") as fh:
        result = client.audio.translations.create(model="whisper-1", file=fh)
    translated = phrase(task="translate").strip()
    windows = result.text.count(translated)
    assert windows >= 2 and result.text == " ".join([translated] * windows)


def test_models(client: openai.OpenAI, live) -> None:
    ids = [m.id for m in client.models.list()]
    assert ids == ["whisper-1", live.runtime.settings.model]
    assert client.models.retrieve("whisper-1").owned_by == "stackscribe"


def test_streaming_deltas_then_the_whole_text(client: openai.OpenAI, shared_audio: Path) -> None:
    with open(shared_audio / "multilingual.mp3", "rb") as fh:
        stream = client.audio.transcriptions.create(model="whisper-1", file=fh, stream=True)
        events = list(stream)
    deltas = [e.delta for e in events if e.type == "transcript.text.delta"]
    done = [e for e in events if e.type == "transcript.text.done"]
    assert len(deltas) >= 2 and len(done) == 1
    assert done[0].text == "".join(deltas).strip()


def test_errors_are_openai_errors(client: openai.OpenAI, tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"nope" * 100)
    with open(bad, "rb") as fh, pytest.raises(openai.BadRequestError) as info:
        client.audio.transcriptions.create(model="whisper-1", file=fh)
    assert "FFmpeg" in info.value.message
    unsupported: Any = "tsv"  # not a format the client knows: the server must refuse it
    with open(bad, "rb") as fh, pytest.raises(openai.UnprocessableEntityError):
        client.audio.transcriptions.create(model="whisper-1", file=fh, response_format=unsupported)
