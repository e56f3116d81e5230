"""Subtitle layout over HTTP: a real model's srt and vtt, laid out from its word timings."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from engine.subtitles import PAUSE_SECONDS
from tests.server.conftest import upload, wait_final

CUE = re.compile(
    r"(\d\d):(\d\d):(\d\d)[,.](\d{3}) --> (\d\d):(\d\d):(\d\d)[,.](\d{3})\n(.+?)(?:\n\n|\n?$)", re.S
)


def parse(text: str) -> list[tuple[float, float, list[str]]]:
    """(start, end, lines) of each cue of an srt or vtt file."""
    out = []
    for m in CUE.finditer(text):
        g = [int(x) for x in m.groups()[:8]]
        start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000
        end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000
        out.append((start, end, m.group(9).strip("\n").split("\n")))
    return out


def check_cues(text: str, result: dict, width: int | None, count: int | None) -> None:
    """Every word once, in order; cue times are their words'; limits and pauses respected."""
    cues = parse(text)
    words = [w for s in result["segments"] for w in s["words"] if w["text"].strip()]
    assert len(cues) > 1, text
    at = 0
    for start, end, lines in cues:
        if count is not None:
            assert len(lines) <= count, lines
        tokens = [t for line in lines for t in line.split()]
        if width is not None:
            assert all(len(line) <= width or len(line.split()) == 1 for line in lines), lines
        mine = words[at : at + len(tokens)]
        assert [w["text"].strip() for w in mine] == tokens
        assert start == pytest.approx(mine[0]["start"], abs=0.002)
        assert end == pytest.approx(mine[-1]["end"], abs=0.002)
        gaps = [b["start"] - a["end"] for a, b in itertools.pairwise(mine)]
        assert all(g <= PAUSE_SECONDS for g in gaps), (lines, gaps)
        at += len(tokens)
    assert at == len(words)


@pytest.mark.timeout(300)
def test_every_listener_lays_out_a_real_transcript(make_server, tiny_en_model: str, jfk: str):
    live = make_server(model=tiny_en_model, cpu_threads=2, device="cpu")
    with live.client() as queue, live.client("tasks") as tasks, live.client("direct") as direct:
        task_id = upload(queue, jfk).json()["task_id"]
        task = wait_final(queue, task_id, timeout=240)
        assert task["status"] == "completed", task
        result = task["result"]

        srt = queue.get(
            f"/task/{task_id}/result",
            params={"response_format": "srt", "max_line_width": 20, "max_line_count": 1},
        )
        assert srt.status_code == 200 and srt.headers["content-type"].startswith(
            "application/x-subrip"
        )
        check_cues(srt.text, result, width=20, count=1)

        vtt = tasks.get(
            f"/tasks/{task_id}/result",
            params={"response_format": "vtt", "max_line_width": 24, "max_line_count": 2},
        )
        assert vtt.status_code == 200 and vtt.text.startswith("WEBVTT\n\n")
        check_cues(vtt.text, result, width=24, count=2)

        plain = queue.get(f"/task/{task_id}/result", params={"response_format": "srt"})
        assert len(parse(plain.text)) == len(result["segments"])  # no layout: as before

        answer = upload(direct, jfk, response_format="srt", max_words_per_line=3)
        assert answer.status_code == 200, answer.text
        cues = parse(answer.text)
        assert cues and all(len(line.split()) <= 3 for _, _, lines in cues for line in lines)

        openai = upload(
            direct,
            jfk,
            path_url="/v1/audio/transcriptions",
            model="whisper-1",
            response_format="vtt",
            max_line_width=16,
            max_line_count=1,
        )
        assert openai.status_code == 200, openai.text
        cues = parse(openai.text)
        assert len(cues) > 2 and all(len(lines) == 1 for _, _, lines in cues)
        assert all(len(lines[0]) <= 16 for _, _, lines in cues)


def test_bad_layout_values_are_4xx_on_every_face(live, jfk: str) -> None:
    with live.client() as queue, live.client("tasks") as tasks, live.client("direct") as direct:
        for value in ("0", "-2", "abc", "1.5"):
            answer = upload(direct, jfk, response_format="srt", max_line_width=value)
            assert answer.status_code == 422, answer.text
            assert "max_line_width" in answer.json()["detail"]
        openai = upload(
            direct, jfk, path_url="/v1/audio/transcriptions", model="whisper-1",
            response_format="srt", max_line_count="0",
        )  # fmt: skip
        assert openai.status_code == 422
        assert "max_line_count" in openai.json()["error"]["message"]
        refused = upload(queue, jfk, max_words_per_line="none")
        assert refused.status_code == 422 and "max_words_per_line" in refused.json()["detail"]
        assert not list(Path(live.uploads).iterdir())  # refused uploads are not kept

        task_id = upload(queue, jfk).json()["task_id"]
        wait_final(queue, task_id)
        for client, path in (
            (queue, f"/task/{task_id}/result"),
            (tasks, f"/tasks/{task_id}/result"),
        ):
            bad = client.get(path, params={"response_format": "srt", "max_line_count": "-1"})
            assert bad.status_code == 422 and "max_line_count" in bad.json()["detail"]
