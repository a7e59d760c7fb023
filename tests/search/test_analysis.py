"""The analyzer without the web layer: grams, query grams, compact text, jieba words."""

from __future__ import annotations

import pytest

from portal.search.analysis import SEPARATOR, compact, gram_tokens, normalise, query_grams, query_words


def terms(text: str) -> list[str]:
    return [term for term, _pos, _start, _end in gram_tokens(text)]


def test_cjk_runs_give_every_character_and_every_bigram():
    assert terms("长江路") == ["长", "长江", "江", "江路", "路"]


def test_letter_and_digit_runs_are_one_lower_case_term_each():
    assert terms("4S店 GB/T 34015") == ["4s", "店", "gb", "t", "34015"]
    assert terms("ＧＢ／Ｔ") == ["gb", "t"]  # full width is read as half width


def test_positions_and_characters_point_at_the_original_text():
    tokens = list(gram_tokens("烟台 长江"))
    assert [(t, s, e) for t, _p, s, e in tokens if len(t) == 2] == [("烟台", 0, 2), ("长江", 3, 5)]


def test_a_field_separator_leaves_a_gap_in_positions():
    positions = [pos for _t, pos, _s, _e in gram_tokens(f"甲{SEPARATOR}乙")]
    assert positions[1] - positions[0] > 1


@pytest.mark.parametrize(
    "chunk, expected",
    [
        ("长江路", ["长江", "江路"]),
        ("长", ["长"]),
        ("4s店", ["4s", "店"]),
        ("GB/T", ["gb", "t"]),
        ("!!", []),
    ],
)
def test_query_grams_are_what_every_containing_document_holds(chunk, expected):
    assert query_grams(chunk) == expected


def test_compact_keeps_runs_and_separators_only():
    assert compact("烟台市 开发区，长江路188号") == "烟台市开发区长江路188号"
    assert compact("GB / T 34015") == "gb t 34015"
    assert compact(f"长江{SEPARATOR}路") == f"长江{SEPARATOR}路"  # no match across two fields


def test_normalise_and_jieba_words():
    assert normalise("ＡＢＣ１２３") == "abc123"
    words = query_words("磷酸铁锂电池梯次利用")
    assert "梯次利用" in words
    assert "gb" in query_words("GB 标准")
