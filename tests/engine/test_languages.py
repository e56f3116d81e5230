"""Languages as people name them: every one faster-whisper knows, by code or by name."""

from __future__ import annotations

import pytest
from faster_whisper.tokenizer import _LANGUAGE_CODES

from engine.languages import LANGUAGES, normalize_language


def test_every_language_whisper_knows_is_offered_and_no_other() -> None:
    assert set(LANGUAGES) == set(_LANGUAGE_CODES)


def test_each_language_is_found_by_its_code_and_by_its_name() -> None:
    missed = [
        code
        for code, name in LANGUAGES.items()
        if normalize_language(code.upper()) != code
        or normalize_language(f" {name.title()} ") != code
    ]
    assert missed == []


@pytest.mark.parametrize("value", [None, "", "  ", "auto", "AUTO", "detect", "none", "null"])
def test_no_language_means_detect_it(value: str | None) -> None:
    assert normalize_language(value) is None


def test_an_unknown_language_is_passed_on_to_be_refused_with_its_name() -> None:
    assert normalize_language(" Klingon ") == "klingon"  # TranscribeOptions says it is unknown
