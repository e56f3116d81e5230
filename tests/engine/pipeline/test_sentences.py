"""Sentence-sized segments cut from a window's word times (engine/pipeline/sentences.py)."""

from __future__ import annotations

from engine.pipeline import sentences
from engine.result import Segment, Word


def _encode(text: str) -> list[int]:
    return [len(part) for part in text.split()]


def _window(words: list[Word]) -> Segment:
    return Segment(
        id=7,
        start=words[0].start,
        end=words[-1].end,
        text="".join(w.text for w in words),
        seek=300,
        tokens=[1, 2, 3],
        temperature=0.2,
        avg_logprob=-0.25,
        compression_ratio=1.5,
        no_speech_prob=0.05,
        words=words,
    )


def _texts(segments: list[Segment]) -> list[str]:
    return [s.text for s in segments]


def _contiguous(texts: list[str], seconds: float = 2.0) -> list[Word]:
    return [Word(t, i * seconds, (i + 1) * seconds, 0.9) for i, t in enumerate(texts)]


def test_a_window_is_cut_after_each_sentence_with_its_own_times_and_tokens() -> None:
    words = [
        Word(" Hello", 0.0, 0.4, 0.9),
        Word(" there.", 0.5, 1.0, 0.8),
        Word(" How", 1.2, 1.5, 0.7),
        Word(' "are', 1.6, 1.8, 0.6),
        Word(' you?"', 1.9, 2.3, 0.5),
        Word(" Fine!", 2.4, 2.9, 0.4),
    ]
    window = _window(words)
    out = sentences.split(window, _encode)
    assert _texts(out) == [" Hello there.", ' How "are you?"', " Fine!"]
    assert [(s.start, s.end) for s in out] == [(0.0, 1.0), (1.2, 2.3), (2.4, 2.9)]
    assert [s.tokens for s in out] == [[5, 6], [3, 4, 5], [5]]
    assert [s.words for s in out] == [words[:2], words[2:5], words[5:]]
    for s in out:
        assert (s.id, s.seek, s.temperature) == (7, 300, 0.2)
        assert (s.avg_logprob, s.compression_ratio, s.no_speech_prob) == (-0.25, 1.5, 0.05)


def test_full_width_marks_end_sentences() -> None:
    words = [
        Word("今日は", 0.0, 0.5, 0.9),
        Word("晴れ。", 0.5, 1.0, 0.9),
        Word("本当\uff1f", 1.0, 1.5, 0.9),
        Word("はい", 1.5, 2.0, 0.9),
    ]
    out = sentences.split(_window(words), _encode)
    assert _texts(out) == ["今日は晴れ。", "本当\uff1f", "はい"]


def test_a_pause_of_a_second_ends_a_segment_and_a_shorter_one_does_not() -> None:
    words = [
        Word(" one", 0.0, 0.5, 0.9),
        Word(" two", 1.5, 2.0, 0.9),  # a 1.0 s pause before it
        Word(" three", 2.99, 3.5, 0.9),  # 0.99 s
    ]
    out = sentences.split(_window(words), _encode)
    assert _texts(out) == [" one", " two three"]


def test_a_window_that_is_one_sentence_comes_back_unchanged() -> None:
    one_word = _window([Word(" Hi.", 0.0, 0.5, 0.9)])
    [same] = sentences.split(one_word, _encode)
    assert same is one_word
    no_mark = _window([Word(" just", 0.0, 0.5, 0.9), Word(" words", 0.6, 1.0, 0.9)])
    [same] = sentences.split(no_mark, _encode)
    assert same is no_mark
    assert no_mark.tokens == [1, 2, 3]


def test_a_long_sentence_is_cut_at_its_clause_mark() -> None:
    # 16 s without a full stop; the comma after the third word is the only clause mark.
    words = _contiguous([" a", " b", " c,", " d", " e", " f", " g", " h"])
    out = sentences.split(_window(words), _encode)
    assert _texts(out) == [" a b c,", " d e f g h"]
    assert [(s.start, s.end) for s in out] == [(0.0, 6.0), (6.0, 16.0)]


def test_without_a_clause_mark_the_longest_gap_is_the_cut() -> None:
    words = _contiguous([" a", " b", " c", " d", " e", " f", " g", " h"])
    words[3] = Word(" d", 6.0, 6.5, 0.9)  # 1.5 s of the 2 s slot left silent before " e"
    out = sentences.split(_window(words), _encode)
    assert _texts(out) == [" a b c d", " e f g h"]


def test_without_a_clause_mark_or_gap_the_cut_is_nearest_the_middle() -> None:
    words = _contiguous([" a", " b", " c", " d", " e", " f", " g", " h", " i", " j"], 1.5)
    out = sentences.split(_window(words), _encode)
    # 15 s; the fifth word ends at the middle (7.5 s).
    assert _texts(out) == [" a b c d e", " f g h i j"]


def test_a_run_of_exactly_twelve_seconds_or_of_few_words_is_not_cut() -> None:
    twelve = _contiguous([" a", " b", " c,", " d", " e", " f"])
    assert len(sentences.split(_window(twelve), _encode)) == 1
    five_long = _contiguous([" a", " b,", " c", " d", " e"], seconds=4.0)
    assert len(sentences.split(_window(five_long), _encode)) == 1


def test_a_very_long_sentence_is_cut_until_every_piece_is_short() -> None:
    words = _contiguous([f" w{i}" for i in range(20)], seconds=2.0)  # 40 s
    out = sentences.split(_window(words), _encode)
    assert all(s.end - s.start <= sentences.MAX_SECONDS for s in out)
    assert all(len(s.words) >= sentences.MIN_WORDS for s in out)
    assert [w for s in out for w in s.words] == words
    assert len(out) == 4


def test_two_sentences_of_one_word_each_are_two_segments() -> None:
    words = [Word(" Yes.", 0.0, 0.5, 0.9), Word(" No.", 0.6, 1.0, 0.9)]
    assert _texts(sentences.split(_window(words), _encode)) == [" Yes.", " No."]


def test_a_sentence_late_in_the_file_is_measured_by_its_own_length() -> None:
    # 10 s long, starting at 20 s: short enough, not cut.
    words = [Word(f" w{i}", 20.0 + i, 21.0 + i, 0.9) for i in range(10)]
    assert len(sentences.split(_window(words), _encode)) == 1


def test_six_words_over_twelve_seconds_are_cut_in_half() -> None:
    words = _contiguous([" a", " b", " c", " d", " e", " f"], seconds=2.5)
    assert _texts(sentences.split(_window(words), _encode)) == [" a b c", " d e f"]


def test_a_clause_mark_is_used_anywhere_that_leaves_three_words_each_side() -> None:
    late = _contiguous([" a", " b", " c", " d", " e,", " f", " g", " h"])
    assert _texts(sentences.split(_window(late), _encode)) == [" a b c d e,", " f g h"]
    # A comma after the first or the sixth word would leave a stub: the middle is cut.
    early = _contiguous([" a,", " b", " c", " d", " e", " f", " g", " h"])
    assert _texts(sentences.split(_window(early), _encode)) == [" a, b c d", " e f g h"]
    stub = _contiguous([" a", " b", " c", " d", " e", " f,", " g", " h"])
    assert _texts(sentences.split(_window(stub), _encode)) == [" a b c d", " e f, g h"]


def test_a_short_gap_off_the_middle_beats_no_gap_at_the_middle() -> None:
    words = _contiguous([" a", " b", " c", " d", " e", " f", " g", " h"])
    words[2] = Word(" c", 4.0, 5.5, 0.9)  # 0.5 s of silence 2.5 s before the middle (8 s)
    assert _texts(sentences.split(_window(words), _encode)) == [" a b c", " d e f g h"]


def test_the_middle_is_taken_from_the_first_words_start() -> None:
    # " a" is 6 s long: the run's middle (6.5 s) is nearest the end of " c".
    words = [Word(" a", 0.0, 6.0, 0.9)] + [
        Word(f" {t}", 5.0 + i, 6.0 + i, 0.9) for i, t in enumerate("bcdefgh", start=1)
    ]
    assert _texts(sentences.split(_window(words), _encode)) == [" a b c", " d e f g h"]
