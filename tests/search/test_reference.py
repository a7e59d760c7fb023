"""The engine against a brute-force reference on a varied corpus: every page of every query holds what
a scan of all documents (the substring rule, then the ranking rule sorted in full) would give, facet
counts are those of the matches, and a change to the index is seen by the caches at once."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from portal.search.analysis import SEPARATOR, compact, query_words, title_words
from portal.search.engine import SearchDocument, SearchEngine, _split_chunks

PARTS = [
    "长江",
    "长江路",
    "黄河",
    "回收",
    "网点",
    "服务",
    "中心",
    "换电站",
    "梯次利用",
    "电池",
    "4S店",
    "188号",
    "GB标准",
]  # no two letter/digit runs meet (see below)
CITIES = ["370100", "370200", "370600"]


def corpus(seed: int, n: int) -> list[SearchDocument]:
    rng = random.Random(seed)
    docs = []
    for i in range(1, n + 1):
        title = "".join(rng.sample(PARTS, rng.randint(1, 4)))
        texts = ["".join(rng.choices(PARTS, k=rng.randint(0, 5))), rng.choice(["", "济南市历下区", "烟台市"])]
        facets = {"city": rng.choice(CITIES), "status": rng.choice(["open", "closed", ""])}
        kind = rng.choice(["outlet", "outlet", "standard"])
        docs.append(SearchDocument(kind, i, title, texts, facets, date=rng.choice([None, 20250101 + i % 300])))
    return docs


def reference(docs: list[SearchDocument], text: str, *, kinds=None, sort: str = "relevance") -> list[tuple]:
    """What a scan of every document gives: the matches, ranked by the rule sorted in full."""
    needles = [compact(c) for c in _split_chunks(text) if compact(c)]
    found = [
        (index, d)
        for index, d in enumerate(docs)
        if all(n in compact(SEPARATOR.join([d.title, *d.texts])) for n in needles) and (not kinds or d.kind in kinds)
    ]
    if sort == "date":
        return [(d.kind, d.id) for _i, d in sorted(found, key=lambda pair: (-(pair[1].date or 0), pair[0]))]
    whole = "".join(needles)
    words = {w for w in query_words(text) if len(w) > 1 or w.isascii()}

    def key(pair):
        index, d = pair
        title = compact(d.title)
        score = 1000 if title == whole else 100 if whole in title else 0
        score += 10 * len(words.intersection(title_words(d.title))) if words else 0
        return (-score, len(title), index)

    return [(d.kind, d.id) for _i, d in sorted(found, key=key)]


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    docs = corpus(seed=3, n=400)
    engine = SearchEngine(tmp_path_factory.mktemp("reference") / "index")
    engine.write(docs, [])  # one segment: document numbers follow the order written
    return engine, docs


QUERIES = [
    "长江路",
    "长江",
    "回收网点",
    "长江 网点",
    "服务中心",
    "梯次利用电池",
    "4s店",
    "GB",
    "黄河回收",
    '"长江路188号"',
]


@pytest.mark.parametrize("query", QUERIES)
def test_every_page_is_the_full_sort_of_a_scan(indexed, query):
    engine, docs = indexed
    expected = reference(docs, query)
    assert expected, query  # the corpus makes every query match something
    for per_page in (1, 7, 20):
        pages = [engine.search(query, page=p, per_page=per_page) for p in range(1, len(expected) // per_page + 3)]
        assert all(hits.total == len(expected) for hits in pages)
        assert [key for hits in pages for key in hits.keys] == expected, (query, per_page)


@pytest.mark.parametrize("query", QUERIES[:4])
def test_kinds_dates_and_facets_are_those_of_a_scan(indexed, query):
    engine, docs = indexed
    assert engine.search(query, kinds=["standard"], per_page=500).keys == reference(docs, query, kinds=["standard"])
    assert engine.search(query, sort="date", per_page=500).keys == reference(docs, query, sort="date")
    hits = engine.search(query, facet_names=("kind", "city", "status"))
    matched = {key for key in reference(docs, query)}
    by_key = {(d.kind, d.id): d for d in docs}
    for name in ("kind", "city", "status"):
        values = Counter(d.kind if name == "kind" else d.facets[name] for key, d in by_key.items() if key in matched)
        expected = dict(sorted(((v, n) for v, n in values.items() if v), key=lambda item: (-item[1], item[0])))
        assert hits.facets[name] == expected
        assert list(hits.facets[name].items()) == list(expected.items())  # the order too


def test_the_caches_follow_an_edit(tmp_path):
    engine = SearchEngine(tmp_path / "index")
    docs = corpus(seed=5, n=60)
    engine.write(docs, [])
    first = engine.search("长江路", per_page=100)
    assert first.keys == reference(docs, "长江路")
    # one record's title becomes the query itself: it must rank first now, its old text no longer match
    changed = SearchDocument("outlet", docs[-1].id, "长江路", ["黄河"], {"city": "370100"})
    engine.write([changed], [])
    docs = [*docs[:-1], changed]
    again = engine.search("长江路", per_page=100)
    assert again.keys != first.keys  # the edit moved it (its title is the query now)
    assert again.keys == reference(docs, "长江路")  # rewritten last, so last among equals
    assert engine.search("长江路 黄河", per_page=100).keys == reference(docs, "长江路 黄河")
    engine.write([], [changed.key])
    assert ("outlet", changed.id) not in engine.search("长江路", per_page=100).keys


@pytest.mark.xfail(
    strict=True,
    reason="analysis.py indexes a letter/digit run whole (gb4s), so a query for a part of it (4s) has no "
    "gram to find it by; a LIKE scan finds it. Not the engine's: the grams are analysis.py's.",
)
def test_a_part_of_a_letter_digit_run_is_found(tmp_path):
    engine = SearchEngine(tmp_path / "index")
    engine.write([SearchDocument("standard", 1, "GB4S店 34015", [], {})], [])
    assert engine.search("4s店").total == 1
    assert engine.search("4015").total == 1
