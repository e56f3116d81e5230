"""``python -m app live`` on a terminal: the partial line says how far behind the text is."""

from __future__ import annotations

import sys

import pytest

from app.live_cmd import _Terminal


def test_the_partial_line_starts_with_the_lag_and_finals_print_plain(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # a terminal, as a person runs it
    terminal = _Terminal()
    terminal([{"type": "partial", "text": "ask not what", "lag": 1.24}])
    segment = {"id": 0, "start": 0.0, "end": 1.0, "text": " Ask not."}
    terminal([{"type": "final", "segment": segment, "audio_end_at": 1.0, "lag": 2.0}])
    out, err = capsys.readouterr()
    assert "(1.2 s behind) ask not what" in err
    assert out == "[0:00] Ask not.\n"
