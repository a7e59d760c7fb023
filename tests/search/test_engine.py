"""The engine without the web layer, on a temporary index folder: the substring rule, ranking,
filters, facets, sorting, and the fragments shown for a hit."""

from __future__ import annotations

import pytest

from portal.search.engine import SearchDocument, SearchEngine
from portal.search.highlight import fragment, query_terms


def doc(object_id: int, title: str, *texts: str, kind: str = "outlet", date: int | None = None, **facets):
    return SearchDocument(kind=kind, id=object_id, title=title, texts=list(texts), facets=facets, date=date)


@pytest.fixture
def engine(tmp_path):
    engine = SearchEngine(tmp_path / "index")
    engine.write(
        [
            doc(1, "长江新能源", "长江边上的企业", "城北江路回收点", city="370600", date=20260105),
            doc(2, "烟台市开发区长江路188号回收网点", "4S店", city="370600", date=20260301),
            doc(3, "长江路", city="370100", date=20250101),
            doc(4, "黄河路换电站", "济南市天桥区黄河路1号", city="370100", date=20260401),
            doc(5, "梯次利用电池长江路检测中心", "梯次利用", kind="standard", date=20240101),
        ],
        [],
    )
    return engine


def keys(hits):
    return [object_id for _kind, object_id in hits.keys]


def test_the_substring_rule_a_candidate_is_not_always_a_hit(engine):
    searcher = engine.searcher()
    candidates = engine.candidates(searcher, ["长江路"])
    ids = engine._column(searcher, "obj_id")
    assert 1 in {ids[d] for d in candidates}  # 长江 and 江路 far apart: every gram is there
    assert 1 not in keys(engine.search("长江路"))  # but 长江路 does not occur in it
    assert sorted(keys(engine.search("长江路"))) == [2, 3, 5]


def test_any_run_of_characters_finds_the_text(engine):
    for query in ("开发区长江", "188号", "4s店", "4S店", "区长"):
        assert 2 in keys(engine.search(query)), query
    assert keys(engine.search("长江 188")) == [2]  # every chunk must occur
    assert engine.search("没有这个词").total == 0


def test_ranking_exact_title_then_title_containing_then_words(engine):
    ranked = keys(engine.search("长江路"))
    assert ranked[0] == 3  # the title is exactly the query
    assert set(ranked[1:]) == {2, 5}  # titles containing it, shorter first
    assert ranked[1:] == [5, 2]
    # jieba words: 梯次利用 is a whole word of title 5, only a part of text elsewhere
    assert keys(engine.search("梯次利用"))[0] == 5


def test_filters_kinds_exclusions_facets_and_date_sort(engine):
    assert sorted(keys(engine.search("路", filters={"city": "370100"}))) == [3, 4]
    assert keys(engine.search("长江路", kinds=["standard"])) == [5]
    assert 3 not in keys(engine.search("路", exclude={"city": "370100"}))
    hits = engine.search("路", facet_names=("kind", "city"))
    assert hits.facets["kind"] == {"outlet": 4, "standard": 1}
    assert hits.facets["city"] == {"370100": 2, "370600": 2}
    assert keys(engine.search("路", sort="date")) == [4, 2, 1, 3, 5]
    assert keys(engine.search("路", sort="date", page=2, per_page=2)) == [1, 3]


def test_counts_ids_and_digests(engine):
    assert engine.count() == 5 and engine.count("outlet") == 4
    assert sorted(engine.ids("outlet")) == [1, 2, 3, 4]
    standard = doc(5, "梯次利用电池长江路检测中心", "梯次利用", kind="standard", date=20240101)
    assert engine.digests("standard") == {5: standard.digest()}


def test_updates_and_deletes_are_seen_at_once(engine):
    engine.write([doc(3, "长江中路", city="370100")], ["outlet:4"])
    assert 3 not in keys(engine.search("长江路")) and keys(engine.search("长江中路")) == [3]
    assert engine.search("黄河路").total == 0 and engine.count("outlet") == 3


def test_an_empty_index_is_searchable(tmp_path):
    hits = SearchEngine(tmp_path / "empty").search("长江", facet_names=("kind",))
    assert hits.keys == [] and hits.total == 0 and hits.facets == {"kind": {}}


def test_fragments_mark_every_match_in_the_original_characters():
    assert str(fragment("烟台市开发区长江路188号", "长江 188")) == "烟台市开发区<mark>长江</mark>路<mark>188</mark>号"
    assert str(fragment("ＧＢ／Ｔ 34015", "gb/t 34015")) == "<mark>ＧＢ／Ｔ</mark> <mark>34015</mark>"
    assert query_terms('"长江路" 4S店') == ["长江路", "4s店"]
    assert str(fragment("<i>长江</i>", "长江")) == "&lt;i&gt;<mark>长江</mark>&lt;/i&gt;"
