"""Issue 14: a process with an open searcher sees exactly what a fresh process sees, whatever the
indexer (here and in another process) wrote; and results never list one record twice."""

from __future__ import annotations

import logging
import multiprocessing

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.search.analysis import compact
from portal.search.engine import SearchDocument, SearchEngine, build_schema

KEYS = [("member", 1), ("member", 2), ("member", 3), ("outlet", 1)]
TITLES = ["烟台长江新能源", "长江路4S店回收网点", "黄河路换电站", "济南梯次利用中心", "GB/T 34015 检测站"]
CITIES = ["370600", "370100"]
QUERIES = ["长江", "路", "长江路", "回收", "换电站", "gb/t", "烟台", "济南 中心", "34015", "没有"]


def document(kind: str, object_id: int, title: int, city: int, version: int) -> SearchDocument:
    return SearchDocument(
        kind=kind,
        id=object_id,
        title=TITLES[title],
        texts=[f"第{version}版", "烟台市" if city == 0 else "济南市"],
        facets={"city": CITIES[city]},
        date=20260101 + version,
    )


# --- the indexer in another process ------------------------------------------------------------


def _indexer_process(connection) -> None:
    """Another process (like `flask search follow`): its own engines, writing what it is told."""
    engines: dict[str, SearchEngine] = {}
    while True:
        message = connection.recv()
        if message is None:
            return
        folder, action, upserts, deletes = message
        try:
            _write(engines.setdefault(folder, SearchEngine(folder)), action, upserts, deletes)
            connection.send("ok")
        except BaseException as exc:  # reported to the test
            connection.send(f"{type(exc).__name__}: {exc}")


def _write(engine: SearchEngine, action: str, upserts: list[SearchDocument], deletes: list[str]) -> None:
    if action == "rebuild":  # what a schema change does: a new index with another schema, then everything
        from whoosh import index as whoosh_index
        from whoosh.fields import STORED

        schema = build_schema()
        schema.add("rebuilt", STORED())
        whoosh_index.create_in(str(engine.dir), schema)
        engine._index = None  # this engine opens the new index
    elif action == "reindex":
        engine.recreate()
    engine.write(upserts, deletes)


@pytest.fixture(scope="module")
def indexer():
    """Send (folder, action, upserts, deletes) to a process with its own engines; returns its answer."""
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    process = ctx.Process(target=_indexer_process, args=(theirs,), daemon=True)
    process.start()

    def send(folder, action, upserts, deletes) -> str:
        ours.send((str(folder), action, upserts, deletes))
        return ours.recv()

    yield send
    ours.send(None)
    process.join(10)


# --- the property ------------------------------------------------------------------------------

change = st.one_of(
    st.tuples(st.just("put"), st.sampled_from(KEYS), st.integers(0, len(TITLES) - 1), st.integers(0, 1)),
    st.tuples(st.just("delete"), st.sampled_from(KEYS), st.just(0), st.just(0)),
)
batch = st.tuples(
    st.sampled_from(["here", "here", "there", "there", "there"]),  # who writes: this process or another
    st.sampled_from(["apply", "apply", "apply", "apply", "reindex", "rebuild"]),
    st.lists(change, min_size=1, max_size=6),
)


def _expected_hits(state: dict, query: str) -> set[tuple[str, int]]:
    """The substring rule on the expected documents: every chunk occurs in the text."""
    found = set()
    for (kind, object_id), doc in state.items():
        text = compact("\x1f".join([doc.title, *doc.texts]))
        if all(compact(chunk) in text for chunk in query.split()):
            found.add((kind, object_id))
    return found


def _looks(engine: SearchEngine) -> dict:
    """Everything a reader sees: counts, digests per id, and per query the ranked keys, total, facets."""
    seen = {
        "count": engine.count(),
        "ids": {kind: sorted(engine.ids(kind)) for kind in ("member", "outlet")},
        "digests": {kind: engine.digests(kind) for kind in ("member", "outlet")},
    }
    for query in QUERIES:
        hits = engine.search(query, per_page=50, facet_names=("kind", "city"))
        by_date = engine.search(query, per_page=50, sort="date")
        seen[query] = (hits.keys, hits.total, hits.facets, by_date.keys)
    return seen


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(batch, min_size=1, max_size=6))
def test_an_open_searcher_sees_what_a_fresh_reader_sees(tmp_path_factory, indexer, batches):
    folder = tmp_path_factory.mktemp("index")
    open_engine = SearchEngine(folder)  # the web worker's: kept open across every batch
    writer_here = SearchEngine(folder)  # an indexer in this process
    open_engine.count()  # a searcher is open before the first write
    state: dict[tuple[str, int], SearchDocument] = {}
    version = 0
    for who, action, changes in batches:
        # What the indexer writes for a batch: each changed record's versions in order (one key may
        # come several times; the last is its state), and the removal of the deleted ones.
        puts: list[SearchDocument] = []
        for op, (kind, object_id), title, city in changes:
            version += 1
            if op == "put":
                state[(kind, object_id)] = document(kind, object_id, title, city, version)
                puts.append(state[(kind, object_id)])
            else:
                state.pop((kind, object_id), None)
        touched = {(kind, object_id) for _op, (kind, object_id), _t, _c in changes}
        upserts = [d for d in puts if (d.kind, d.id) in state]  # a key's last version is its state
        deletes = [f"{kind}:{object_id}" for kind, object_id in touched if (kind, object_id) not in state]
        if action in ("reindex", "rebuild"):
            upserts, deletes = list(state.values()), []
        if who == "there":
            assert indexer(folder, action, upserts, deletes) == "ok"
        else:
            _write(writer_here, action, upserts, deletes)

        fresh = _looks(SearchEngine(folder))
        assert _looks(open_engine) == fresh
        assert fresh["count"] == len(state)
        for kind in ("member", "outlet"):
            assert fresh["digests"][kind] == {i: d.digest() for (k, i), d in state.items() if k == kind}
            assert fresh["ids"][kind] == sorted(i for k, i in state if k == kind)  # each once
        for query in QUERIES:
            keys, total, facets, _by_date = fresh[query]
            assert set(keys) == _expected_hits(state, query) and total == len(keys)
            assert sum(facets["kind"].values()) == total


# --- a faulty index ----------------------------------------------------------------------------


def test_a_record_indexed_twice_is_listed_once_and_logged(tmp_path, caplog):
    engine = SearchEngine(tmp_path)
    engine.write([document("member", 1, 0, 0, 1), document("member", 2, 2, 1, 1)], [])
    writer = engine._open().writer()
    writer.add_document(**document("member", 1, 0, 0, 2).fields())  # add, not update: a second copy
    writer.commit()

    with caplog.at_level(logging.WARNING, logger="portal.search.query"):
        hits = engine.search("长江", facet_names=("kind",))
    assert hits.keys == [("member", 1)] and hits.total == 1
    assert hits.facets["kind"] == {"member": 1}
    assert "member:1" in caplog.text
    assert sorted(engine.ids("member")) == [1, 1, 2]  # what `search verify` reports as a duplicate


def test_one_key_given_twice_in_one_write_is_written_once(tmp_path):
    engine = SearchEngine(tmp_path)
    engine.write([document("member", 1, 0, 0, 1), document("member", 1, 2, 0, 2)], [])
    assert engine.ids("member") == [1]
    assert engine.search("黄河路").keys == [("member", 1)] and engine.search("长江").total == 0


def test_a_rebuild_that_reaches_the_same_generation_is_seen(tmp_path):
    """A rebuild starts again at generation 0: the same number later is another index."""
    reader, writer = SearchEngine(tmp_path), SearchEngine(tmp_path)
    writer.write([document("member", 1, 0, 0, 1)], [])
    assert reader.search("长江").keys == [("member", 1)]
    writer.recreate()
    writer.write([document("member", 2, 2, 0, 1)], [])
    assert reader.search("长江").total == 0
    assert reader.search("黄河路").keys == [("member", 2)]
