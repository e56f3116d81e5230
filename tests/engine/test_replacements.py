"""The word-replacement table: how it is written, and what it does to text and words."""

from __future__ import annotations

import pytest

from engine.replacements import Replacements, parse, render
from engine.result import Segment, Word


def table(spec: str) -> Replacements:
    return Replacements(parse(spec))


def test_both_ways_of_writing_it_give_the_same_table() -> None:
    written = parse(" comfy eye = ComfyUI ;\nstack scribe=Stackscribe; ")
    assert written == (("comfy eye", "ComfyUI"), ("stack scribe", "Stackscribe"))
    assert parse('{"comfy eye": "ComfyUI", "stack scribe": "Stackscribe"}') == written
    # Entries holding ';' or '=' need JSON, and are written back as JSON.
    odd = (("a;b", "c=d"),)
    assert parse(render(odd)) == odd
    assert parse(render(written)) == written
    assert parse("a;b=c\nx=y", lines=True) == (("a;b", "c"), ("x", "y"))
    assert parse("") == () and parse("  ") == ()


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("comfy eye", "has no '='"),
        ("=ComfyUI", "nothing before '='"),
        ("a=b; A=c", "names 'A' twice"),
        ('{"a": 1}', "must map text to text"),
        ("{not json", "not valid JSON"),
    ],
)
def test_a_table_that_cannot_be_read_says_what_to_fix(spec: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse(spec)


def test_whole_words_any_case_and_never_twice() -> None:
    fix = table(
        "comfy eye=ComfyUI; gonna=going to; open ai=OpenAI; open ai api=OpenAI API; a=b; b=c"
    )
    assert fix.text(" Your comfy eye folder. Comfy  EYE. comfy eyes") == (
        " Your ComfyUI folder. ComfyUI. comfy eyes"
    )
    # A lower-case replacement takes the capital of a sentence start; the longest entry wins;
    # a replacement is not replaced again.
    assert fix.text(" Gonna use the open AI API. a b") == " Going to use the OpenAI API. b c"


def test_an_empty_replacement_removes_the_word_and_its_comma() -> None:
    assert (
        table("um=").text(" Um, I think, um, it works. Umbrella.")
        == " I think, it works. Umbrella."
    )


def test_scripts_without_spaces_match_inside_words() -> None:
    assert table("สวัสดี=Hello; 東京=Tokyo").text("คำว่าสวัสดีครับ 東京都") == "คำว่าHelloครับ Tokyo都"


def test_words_follow_the_text_with_their_times() -> None:
    words = [
        Word(" Then", 0.0, 0.4, 0.9),
        Word(" your", 0.4, 1.1, 0.9),
        Word(" comfy", 1.1, 1.6, 0.8),
        Word(" eye.", 1.6, 2.0, 0.6),
        Word(" Um,", 2.5, 2.8, 0.9),
        Word(" ok", 3.0, 3.2, 0.7),
    ]
    segment = Segment(0, 0.0, 3.2, "".join(w.text for w in words), words=words)
    table("comfy eye=ComfyUI; um=").segment(segment)
    assert segment.text == " Then your ComfyUI. ok"
    assert [(w.text, w.start, w.end, w.confidence) for w in segment.words] == [
        (" Then", 0.0, 0.4, 0.9),
        (" your", 0.4, 1.1, 0.9),
        (" ComfyUI.", 1.1, 2.0, 0.6),  # one word now: first start, last end, lowest confidence
        (" ok", 3.0, 3.2, 0.7),
    ]


def test_a_segment_without_words_has_its_text_corrected() -> None:
    segment = Segment(0, 0.0, 2.0, " Into your comfy eye folder.")
    table("comfy eye=ComfyUI").segment(segment)
    assert segment.text == " Into your ComfyUI folder." and segment.words == []


def test_only_the_first_equals_sign_ends_the_from_text() -> None:
    assert parse("x=y=z") == (("x", "y=z"),)


def test_a_missing_equals_sign_says_how_entries_are_separated() -> None:
    with pytest.raises(ValueError) as caught:
        parse("comfy eye", lines=True)
    assert str(caught.value) == (
        "REPLACEMENTS entry 'comfy eye' has no '=': write from=to, one a line"
    )
    with pytest.raises(ValueError) as caught:
        parse("comfy eye")
    assert str(caught.value) == (
        "REPLACEMENTS entry 'comfy eye' has no '=': write from=to, entries separated by ';'"
    )


def test_render_writes_plain_entries_plainly_and_odd_ones_as_readable_json() -> None:
    assert render((("XL", "X"), ("b", "c"))) == "XL=X; b=c"
    assert render((("x;y", "Grüße"),)) == '{"x;y": "Grüße"}'


def test_the_longest_entry_wins_whatever_the_order_written() -> None:
    fixes = Replacements((("open ai", "OpenAI"), ("open ai api", "OpenAI API")))
    assert fixes.text("the open ai api") == "the OpenAI API"


def test_an_empty_table_changes_nothing() -> None:
    fixes = Replacements(())
    assert not fixes
    ws = [Word(" a", 0.0, 0.5, 0.9)]
    assert fixes.text("abc") == "abc"
    assert fixes.words(ws) == ws


def test_two_replacements_in_one_word_make_one_word() -> None:
    fixes = Replacements((("foo", "F"), ("bar", "B")))
    ws = [Word(" foo-bar", 0.0, 0.5, 0.9), Word(" end", 0.5, 1.0, 0.8)]
    assert fixes.words(ws) == [Word(" F-B", 0.0, 0.5, 0.9), Word(" end", 0.5, 1.0, 0.8)]


def test_overlapping_spans_of_words_merge_into_one_word() -> None:
    fixes = Replacements((("comfy eye", "ComfyUI"), ("open ai", "OpenAI")))
    ws = [
        Word(" so", 0.0, 0.2, 0.9),
        Word(" comfy", 0.2, 0.5, 0.9),
        Word(" eye-open", 0.5, 0.9, 0.6),
        Word(" ai", 0.9, 1.2, 0.7),
        Word(" now", 1.2, 1.5, 0.8),
    ]
    assert fixes.words(ws) == [
        Word(" so", 0.0, 0.2, 0.9),
        Word(" ComfyUI-OpenAI", 0.2, 1.2, 0.6),
        Word(" now", 1.2, 1.5, 0.8),
    ]


def test_a_segment_whose_text_is_not_its_words_has_its_own_text_corrected() -> None:
    fixes = table("comfy eye=ComfyUI")
    ws = [Word(" comfy", 0.0, 0.5, 0.9), Word(" eye", 0.5, 1.0, 0.9)]
    fixed = fixes.segment(Segment(0, 0.0, 1.0, " Comfy eye, here.", words=ws))
    assert fixed.text == " ComfyUI, here."
    assert fixed.words == [Word(" ComfyUI", 0.0, 1.0, 0.9)]


def test_the_other_errors_say_exactly_what_to_fix() -> None:
    with pytest.raises(ValueError) as caught:
        parse('{"comfy eye": 1}')
    assert str(caught.value) == 'REPLACEMENTS as JSON must map text to text: {"from": "to"}'
    with pytest.raises(ValueError) as caught:
        parse(" =ComfyUI")
    assert str(caught.value) == "REPLACEMENTS has an entry with nothing before '='"
