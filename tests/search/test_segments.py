"""What the query side keeps per segment (portal.search.segments): the same postings and columns as
Whoosh reads one value at a time, across segments, deletions and merges."""

from __future__ import annotations

import pytest

from portal.search.engine import SearchDocument, SearchEngine
from portal.search.segments import posting_ids, segment_key


def doc(object_id: int, title: str, *texts: str, **facets) -> SearchDocument:
    return SearchDocument(kind="outlet", id=object_id, title=title, texts=list(texts), facets=facets)


@pytest.fixture
def engine(tmp_path):
    """Three segments: 300 documents without a city (more than one posting block a term), then 50
    with one, then one more; some deleted."""
    engine = SearchEngine(tmp_path / "index")
    engine.write([doc(i, f"长江路{i}号回收网点", "烟台市") for i in range(300)], [])
    engine.write([doc(1000 + i, f"黄河路{i}号换电站", "济南市", city="370100") for i in range(50)], [])
    engine.write([doc(2000, "长江路换电站", city="370600")], ["outlet:5", "outlet:1001"])
    return engine


def test_posting_ids_are_whooshs_own(engine):
    reader = engine.searcher().reader()
    assert len(list(reader.leaf_readers())) > 1
    deleted = engine._deleted(engine.searcher())
    assert deleted
    for field, term in [
        ("grams", "长江"),
        ("grams", "换电"),
        ("kind", "outlet"),
        ("f_city", "370100"),
        ("grams", "无此"),
    ]:
        whoosh = set(reader.postings(field, term).all_ids()) if (field, term) in reader else set()
        assert set(posting_ids(reader, field, term)) - deleted == whoosh


def test_a_column_spans_the_segments_and_a_segment_without_it_gives_the_default(engine):
    searcher = engine.searcher()
    reader = searcher.reader()
    cities = engine._column(searcher, "f_city")
    assert len(cities) == reader.doc_count_all()
    by_id = dict(zip(engine._column(searcher, "obj_id"), cities, strict=True))
    assert by_id[0] is None  # the first segment has no city column at all
    assert by_id[1000] == "370100"
    assert by_id[2000] == "370600"


def test_after_a_commit_only_new_segments_are_read_and_merged_ones_forgotten(engine):
    engine.search("长江路")
    cache = engine._segments()
    before = {key[0] for key in cache._values}
    engine.write([doc(3000, "长江路新网点")], [])
    hits = engine.search("长江路新网点")
    assert [object_id for _kind, object_id in hits.keys] == [3000]
    live = {segment_key(leaf) for leaf, _offset in engine.searcher().reader().leaf_readers()}
    assert {key[0] for key in cache._values} <= live  # nothing kept of a segment that is gone
    assert before & live  # the segments that stayed were not read again
    engine.write([doc(2000, "长江路换电站改名")], [])
    assert engine.search("长江路换电站改名").keys == [("outlet", 2000)]
    assert engine.search("长江路换电站").total == 1  # the old copy is deleted, the new one found


def test_ranking_and_counts_hold_across_segments(engine):
    hits = engine.search("长江路换电站", facet_names=("city",))
    assert hits.keys[0] == ("outlet", 2000)  # the exact title first, though it is in the last segment
    assert hits.facets == {"city": {"370600": 1}}
    assert engine.search("长江路").total == 300  # 299 of the first segment (one deleted) and the last one


def test_facet_counts_over_many_matches_are_the_brute_force_counts(engine):
    searcher = engine.searcher()
    hits = engine.search("路", facet_names=("kind", "city"), limit_all=True)
    assert hits.total > 256  # counted with a set intersection per value
    counted = engine.search("路", facet_names=("kind", "city", "nothing"), per_page=1).facets
    cities = dict(zip(engine._column(searcher, "obj_id"), engine._column(searcher, "f_city"), strict=True))
    expected: dict[str, int] = {}
    for _kind, object_id in hits.keys:
        if cities[object_id]:
            expected[cities[object_id]] = expected.get(cities[object_id], 0) + 1
    assert counted == {"kind": {"outlet": hits.total}, "city": expected, "nothing": {}}
    assert list(counted["city"]) == sorted(expected, key=lambda v: (-expected[v], v))  # most first


def test_warm_reads_what_the_first_search_needs(engine):
    from portal.search import analysis

    engine.warm()
    cache = engine._cached(engine.searcher())
    assert {("titles",), ("plain",), ("single",), ("column", "kind"), ("column", "obj_id")} <= set(cache)
    assert analysis._jieba is not None
    assert engine.search("长江路换电站").keys[0] == ("outlet", 2000)


def test_warm_on_an_empty_index(tmp_path):
    engine = SearchEngine(tmp_path / "empty")
    engine.warm()
    assert engine.search("长江路").total == 0
