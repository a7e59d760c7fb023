"""The marked spans of a fragment against a plain reference: every character normalised on its own,
longer terms first, an occurrence kept unless it overlaps one kept before."""

from __future__ import annotations

import random
import unicodedata

import pytest

from portal.search.highlight import _spans, fragment, query_terms


def reference_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    haystack, origin = "", []
    for index, ch in enumerate(text):
        norm = unicodedata.normalize("NFKC", ch).lower()
        haystack += norm
        origin += [index] * len(norm)
    spans: list[tuple[int, int]] = []
    for term in sorted({t for t in terms if t}, key=len, reverse=True):
        start = haystack.find(term)
        while start != -1:
            a, b = origin[start], origin[start + len(term) - 1] + 1
            if all(b <= s or a >= e for s, e in spans):
                spans.append((a, b))
            start = haystack.find(term, start + len(term))
    return sorted(spans)


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("长江路长江路长江长江路江路", "长江路 江路 长江"),
        ("ＧＢ／Ｔ３４０１５ gb/t 34015", "GB/T 34015"),
        ("ﬁle İstanbul ｶﾞｿﾘﾝ e\u0301", "fi i̇ ガ é"),  # characters that become two, or join
        ("", "长江"),
    ],
)
def test_spans_are_the_references(text, query):
    assert _spans(text, query_terms(query)) == reference_spans(text, query_terms(query))


def test_random_texts_mark_the_same_spans_as_the_reference():
    rng = random.Random(5)
    alphabet = list("长江路回收网点ＡＢＣabc１２3 　/ﬁİé\u0301ｶﾞ")
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        terms = query_terms(" ".join("".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 4))) for _ in "ab"))
        assert _spans(text, terms) == reference_spans(text, terms), (text, terms)


def test_a_long_text_is_cut_around_the_first_match_with_every_match_marked():
    text = "总则。" * 40 + "本标准规定了车用动力电池回收利用的要求。" * 30
    shown = str(fragment(text, "回收利用"))
    assert shown.startswith("…") and shown.endswith("…")
    assert len(shown.replace("<mark>", "").replace("</mark>", "")) <= 122
    assert shown.count("<mark>回收利用</mark>") == shown.count("回收利用") >= 2
