"""Subtitle layout from word timings: widths, lines per cue, words per line, pauses, punctuation."""

from __future__ import annotations

import itertools
import re

import pytest

from engine import formats
from engine.errors import InvalidParameter
from engine.result import Segment, Transcript, Word
from engine.subtitles import PAUSE_SECONDS, SubtitleLayout, cues


def words(text: str, start: float = 0.0, step: float = 0.4, gaps: dict[int, float] | None = None):
    """Words of ``text``, each ``step`` long, with extra silence before the word numbers in gaps."""
    out, at = [], start
    for i, piece in enumerate(text.split()):
        at += (gaps or {}).get(i, 0.0)
        out.append(Word(" " + piece, at, at + step, 0.9))
        at += step
    return out


def transcript(*segments: Segment) -> Transcript:
    return Transcript("en", 1.0, 100.0, list(segments))


def segment(text: str, **kwargs) -> Segment:
    ws = words(text, **kwargs)
    return Segment(0, ws[0].start, ws[-1].end, " " + text, words=ws)


LONG = (
    "When in the course of human events, it becomes necessary for one people to dissolve "
    "the political bands which have connected them with another."
)


def test_no_layout_keeps_one_cue_per_segment() -> None:
    t = transcript(segment(LONG))
    assert formats.render(t, "srt") == formats.render(t, "srt", SubtitleLayout())
    assert len(cues(t, None)) == 1


def test_lines_never_exceed_the_width_and_keep_every_word() -> None:
    t = transcript(segment(LONG))
    laid = cues(t, SubtitleLayout(max_line_width=20))
    lines = [line for c in laid for line in c.lines]
    assert all(len(line) <= 20 for line in lines)
    assert " ".join(lines).split() == LONG.split()
    assert len(laid) == 1  # no line count: the segment stays one cue, wrapped


def test_line_count_splits_cues_with_times_of_their_words() -> None:
    seg = segment(LONG)
    laid = cues(transcript(seg), SubtitleLayout(max_line_width=30, max_line_count=2))
    assert len(laid) > 1
    assert all(1 <= len(c.lines) <= 2 for c in laid)
    assert laid[0].start == seg.words[0].start and laid[-1].end == seg.words[-1].end
    by_text = {w.text.strip(): w for w in seg.words}
    for c in laid:
        first, last = c.lines[0].split()[0], c.lines[-1].split()[-1]
        assert c.start == by_text[first].start and c.end == by_text[last].end
    assert all(a.end <= b.start for a, b in itertools.pairwise(laid))


def test_breaks_after_a_clause_mark_when_a_line_must_break() -> None:
    text = "When in the course of human events, it becomes necessary"
    laid = cues(transcript(segment(text)), SubtitleLayout(max_line_width=42))
    assert laid[0].lines == ("When in the course of human events,", "it becomes necessary")


def test_a_clause_mark_too_early_does_not_leave_a_stub_line() -> None:
    text = "Yes, the political bands which have connected them with another"
    laid = cues(transcript(segment(text)), SubtitleLayout(max_line_width=40))
    assert laid[0].lines[0] != "Yes,"
    assert all(len(line) <= 40 for line in laid[0].lines)


def test_words_per_line() -> None:
    laid = cues(
        transcript(segment("one two three four five six seven")),
        SubtitleLayout(max_words_per_line=3, max_line_count=1),
    )
    assert [c.text for c in laid] == ["one two three", "four five six", "seven"]


def test_a_long_pause_always_starts_a_new_cue() -> None:
    seg = segment("short line here and after the pause more", gaps={4: PAUSE_SECONDS + 0.5})
    laid = cues(transcript(seg), SubtitleLayout(max_line_width=80, max_line_count=3))
    assert [c.text for c in laid] == ["short line here and", "after the pause more"]
    assert laid[1].start == seg.words[4].start
    close = segment("short line here and after the pause more", gaps={4: PAUSE_SECONDS - 0.5})
    assert len(cues(transcript(close), SubtitleLayout(max_line_width=80))) == 1


def test_a_word_longer_than_the_width_gets_a_line_of_its_own() -> None:
    laid = cues(
        transcript(segment("a supercalifragilistic word")), SubtitleLayout(max_line_width=8)
    )
    assert laid[0].lines == ("a", "supercalifragilistic", "word")


def test_a_segment_without_word_timings_keeps_its_own_times() -> None:
    seg = Segment(0, 10.0, 20.0, " " + LONG)
    laid = cues(transcript(seg), SubtitleLayout(max_line_width=30, max_line_count=1))
    assert len(laid) > 2
    assert laid[0].start == 10.0 and laid[-1].end == 20.0
    assert all(10.0 <= c.start < c.end <= 20.0 for c in laid)
    assert " ".join(c.text for c in laid).split() == LONG.split()


def test_srt_and_vtt_render_the_cues() -> None:
    t = transcript(segment(LONG))
    layout = SubtitleLayout(max_line_width=30, max_line_count=2)
    srt = formats.render(t, "srt", layout)
    blocks = srt.strip().split("\n\n")
    assert len(blocks) == len(cues(t, layout))
    for n, block in enumerate(blocks, start=1):
        head, times, *lines = block.split("\n")
        assert head == str(n)
        assert re.fullmatch(r"\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}", times)
        assert 1 <= len(lines) <= 2 and all(len(line) <= 30 for line in lines)
    vtt = formats.render(t, "vtt", layout)
    assert vtt.startswith("WEBVTT\n\n") and vtt.count(" --> ") == len(blocks)
    assert formats.render(t, "txt", layout) == formats.render(t, "txt")


def test_line_count_alone_uses_the_standard_width() -> None:
    laid = cues(transcript(segment(LONG)), SubtitleLayout(max_line_count=2))
    assert all(len(line) <= 42 for c in laid for line in c.lines)


@pytest.mark.parametrize("value", [0, -1, 10_001, True, 2.5, "3"])
def test_invalid_values_are_refused(value) -> None:
    with pytest.raises(InvalidParameter, match="max_line_width"):
        SubtitleLayout(max_line_width=value)


def _lines_of(text: str, layout: SubtitleLayout) -> list[str]:
    return [line for c in cues(transcript(segment(text)), layout) for line in c.lines]


def test_every_limit_is_checked_and_the_largest_is_accepted() -> None:
    with pytest.raises(InvalidParameter, match="max_line_count"):
        SubtitleLayout(max_line_count=0)
    with pytest.raises(InvalidParameter, match="max_words_per_line"):
        SubtitleLayout(max_line_width=10, max_words_per_line=0)
    assert SubtitleLayout(max_line_width=10_000).to_dict() == {
        "max_line_width": 10_000,
        "max_line_count": None,
        "max_words_per_line": None,
    }


def test_from_values_keeps_a_set_limit_and_drops_an_empty_layout() -> None:
    from engine.subtitles import from_values

    assert from_values({"max_line_width": 20}) == SubtitleLayout(max_line_width=20)
    assert from_values({"max_line_width": None}) is None


def test_an_empty_segment_does_not_end_the_cues() -> None:
    t = transcript(Segment(0, 0.0, 1.0, "  "), Segment(1, 1.0, 2.0, " Next."))
    assert [c.text for c in cues(t, None)] == ["Next."]
    assert [c.text for c in cues(t, SubtitleLayout(max_line_width=20))] == ["Next."]


def test_words_without_timings_share_the_segments_time_by_their_length() -> None:
    t = transcript(Segment(0, 10.0, 10.7, " ab cdef g"))
    laid = cues(t, SubtitleLayout(max_words_per_line=1, max_line_count=1))
    assert [c.text for c in laid] == ["ab", "cdef", "g"]
    assert [(round(c.start, 6), round(c.end, 6)) for c in laid] == [
        (10.0, 10.2),
        (10.2, 10.6),
        (10.6, 10.7),
    ]


def test_a_pause_of_exactly_the_limit_stays_in_one_cue() -> None:
    ws = [Word(" one", 0.0, 0.5, 0.9), Word(" two", 0.5 + PAUSE_SECONDS, 2.0, 0.9)]
    t = transcript(Segment(0, 0.0, 2.0, " one two", words=ws))
    assert [c.text for c in cues(t, SubtitleLayout(max_line_width=40))] == ["one two"]


def test_a_line_of_exactly_the_width_fits() -> None:
    assert _lines_of("hello world again", SubtitleLayout(max_line_width=11)) == [
        "hello world",
        "again",
    ]


def test_a_quoted_sentence_end_is_a_phrase_break() -> None:
    assert _lines_of('He said "stop." and then left us', SubtitleLayout(max_line_width=20)) == [
        'He said "stop."',
        "and then left us",
    ]


def test_words_carried_over_a_phrase_break_are_broken_again_when_they_do_not_fit() -> None:
    layout = SubtitleLayout(max_line_width=10)
    assert _lines_of("aaa, bb cc dddddddd", layout) == ["aaa,", "bb cc", "dddddddd"]
    assert _lines_of("aaa, bbbbb cccccccc", layout) == ["aaa,", "bbbbb", "cccccccc"]
    assert _lines_of("aaa, b cc dddddd", layout) == ["aaa,", "b cc", "dddddd"]


def test_a_phrase_break_needs_a_third_of_the_width() -> None:
    # "abc," is 4 characters: a third of 12 exactly, less than a third of 13.
    assert _lines_of("abc, defgh ijklmn", SubtitleLayout(max_line_width=12)) == [
        "abc,",
        "defgh ijklmn",
    ]
    assert _lines_of("abc, defgh ijklmnop", SubtitleLayout(max_line_width=13)) == [
        "abc, defgh",
        "ijklmnop",
    ]


def test_words_per_line_alone_breaks_after_a_clause_mark() -> None:
    assert _lines_of("hello, a b c", SubtitleLayout(max_words_per_line=3)) == ["hello,", "a b c"]
