"""``transcribe --max-line-width/--max-line-count/--max-words-per-line`` on a real model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.app.test_cli import app
from tests.server.test_subtitle_layout import check_cues, parse

pytestmark = pytest.mark.timeout(300)


def _args(model: str, tmp_path: Path) -> list[str]:
    return ["--model", model, "--cpu-threads", "2", "--device", "cpu",
            "--data-dir", str(tmp_path / "d")]  # fmt: skip


def test_srt_and_vtt_follow_the_layout_flags(tiny_en_model: str, jfk: str, tmp_path: Path):
    out = tmp_path / "out"
    result = app(
        "transcribe", jfk, "--format", "json,srt,vtt", "--output-dir", str(out),
        "--max-line-width", "22", "--max-line-count", "2", *_args(tiny_en_model, tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    transcript = json.loads((out / "jfk.json").read_text(encoding="utf-8"))
    srt = (out / "jfk.srt").read_text(encoding="utf-8")
    vtt = (out / "jfk.vtt").read_text(encoding="utf-8")
    check_cues(srt, transcript, width=22, count=2)
    check_cues(vtt, transcript, width=22, count=2)
    assert [c[2] for c in parse(srt)] == [c[2] for c in parse(vtt)]


@pytest.mark.parametrize("flag,value", [("--max-line-width", "0"), ("--max-words-per-line", "-4")])
def test_a_bad_layout_flag_is_refused_before_anything_runs(
    tiny_model: str, jfk: str, tmp_path: Path, flag: str, value: str
) -> None:
    result = app("transcribe", jfk, flag, value, "--output-dir", str(tmp_path / "out"),
                 *_args(tiny_model, tmp_path))  # fmt: skip
    assert result.returncode == 2
    assert flag.lstrip("-").replace("-", "_") in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
