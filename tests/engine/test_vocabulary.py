"""Custom vocabulary with real Whisper weights: hotwords in both decoding modes, and the
replacement table in every export.

hotwords.mp3 (faster-whisper's test data) says "Then you go into your ComfyUI folder again in
the ComfyUI"; tiny.en hears "comfy eye" unless it is told the name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine import formats
from engine.pipeline.transcriber import WhisperTranscriber
from engine.replacements import parse
from engine.subtitles import SubtitleLayout
from engine.task import TranscribeOptions
from harness import defaults

MODES = ("sequential", "batched")


@pytest.fixture(scope="module")
def tiny_en(tiny_en_model: str) -> WhisperTranscriber:
    return defaults.transcriber(tiny_en_model, device="cpu", cpu_threads=2, num_workers=1)


@pytest.fixture(scope="module")
def hotwords_mp3(shared_audio: Path) -> str:
    return str(shared_audio / "hotwords.mp3")


def run(transcriber: WhisperTranscriber, path: str, **options: Any):
    return transcriber.transcribe(path, TranscribeOptions(**options), lambda p, s: None)


@pytest.mark.parametrize("mode", MODES)
def test_hotwords_teach_the_decoder_a_name(tiny_en, hotwords_mp3: str, mode: str) -> None:
    plain = run(tiny_en, hotwords_mp3, decode_mode=mode)
    assert "comfy eye" in plain.text.lower() and "ComfyUI" not in plain.text
    told = run(tiny_en, hotwords_mp3, decode_mode=mode, hotwords="ComfyUI")
    assert told.text.count("ComfyUI") == 2, told.text
    assert [w.text.strip(" .") for s in told.segments for w in s.words].count("ComfyUI") == 2
    # With a prompt as well, both reach the decoder (faster-whisper puts the hotwords first).
    prompted = run(
        tiny_en, hotwords_mp3, decode_mode=mode, hotwords="ComfyUI", initial_prompt="A tutorial."
    )
    assert prompted.text.lower().count("comfyui") == 2, prompted.text


@pytest.mark.parametrize("mode", MODES)
def test_replacements_reach_every_export(tiny_en_model: str, hotwords_mp3: str, mode: str) -> None:
    fixer = defaults.transcriber(
        tiny_en_model,
        device="cpu",
        cpu_threads=2,
        num_workers=1,
        settings=defaults.decode_settings(
            replacements=parse("comfy eye=ComfyUI; folder=directory")
        ),
    )
    result = run(fixer, hotwords_mp3, decode_mode=mode)
    assert result.text == "Then you go into your ComfyUI directory again in the ComfyUI."
    words = [w.text.strip(" .") for s in result.segments for w in s.words]
    assert words.count("ComfyUI") == 2 and "directory" in words and "comfy" not in words
    merged = next(w for s in result.segments for w in s.words if w.text.strip() == "ComfyUI")
    assert merged.end - merged.start > 0.3  # "comfy" and "eye" became one word, timed as both
    layouts = [None, SubtitleLayout(max_words_per_line=3)]  # cues cut again from the words
    for fmt in ("json", "verbose_json", "txt", "srt", "vtt", "tsv"):
        for layout in layouts:
            text = formats.render(result, fmt, layout)
            assert text.count("ComfyUI") >= 2 and "directory" in text, (fmt, text)
            assert "comfy eye" not in text.lower() and "folder" not in text, (fmt, text)
