"""The writer the engine opens for a batch (portal.search.writer): a large in-memory posting pool and
lengths read once per field must write exactly the index Whoosh's default writer writes; numbers
are indexed as one term each (they are read from columns, never searched by range)."""

from __future__ import annotations

from whoosh import index as whoosh_index

from portal.search import writer as search_writer
from portal.search.engine import SearchDocument, SearchEngine, build_schema


def _documents(n: int = 40) -> list[SearchDocument]:
    return [
        SearchDocument(
            kind="outlet" if i % 3 else "standard",
            id=i,
            title=f"烟台市开发区长江路{i}号回收网点" if i % 2 else "黄河路换电站",
            texts=["梯次利用", f"济南市天桥区黄河路{i}号", "" if i % 5 else "4S店"],
            facets={"city": "370600" if i % 2 else "370100", "status": "" if i % 7 else "active"},
            date=20260100 + i if i % 4 else None,
        )
        for i in range(1, n + 1)
    ]


def _write_default(folder, documents: list[SearchDocument]) -> None:
    """The same documents through Whoosh's own writer, as the engine wrote them before."""
    ix = whoosh_index.create_in(str(folder), build_schema())
    writer = ix.writer()
    for doc in documents:
        writer.add_document(**doc.fields())
    writer.commit()


def _contents(folder) -> tuple:
    """Every posting with its weight and the lengths the scorer would see, and every stored field."""
    ix = whoosh_index.open_dir(str(folder))
    with ix.searcher() as searcher:
        reader = searcher.reader()
        postings = []
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            postings.append((fieldname, text, list(matcher.all_items())))
            info = reader.term_info(fieldname, text)
            postings.append((info.min_length(), info.max_length(), info.weight(), info.doc_frequency()))
        stored = [reader.stored_fields(d) for d in range(reader.doc_count_all())]
        lengths = [reader.doc_field_length(d, "grams") for d in range(reader.doc_count_all())]
        return postings, stored, lengths, reader.field_length("grams")


def test_the_engine_writes_what_the_default_writer_writes(tmp_path):
    documents = _documents()
    SearchEngine(tmp_path / "ours").write(documents, [])
    (tmp_path / "theirs").mkdir()
    _write_default(tmp_path / "theirs", documents)
    assert _contents(tmp_path / "ours") == _contents(tmp_path / "theirs")


def test_the_pool_is_large_and_spills_nothing_for_a_batch(tmp_path):
    engine = SearchEngine(tmp_path / "index")
    writer = search_writer.open_writer(engine._open())
    try:
        assert writer.pool.limit == search_writer.POOL_LIMIT_MB * 1024 * 1024
        for doc in _documents(200):
            writer.add_document(**doc.fields())
        assert writer.pool.runs == []  # sorted in memory
    finally:
        writer.cancel()


def test_a_pool_over_its_limit_still_spills_and_writes_the_same_index(tmp_path, monkeypatch):
    monkeypatch.setattr(search_writer, "POOL_LIMIT_MB", 0.01)  # ~10 KB: several runs to merge
    documents = _documents(120)
    SearchEngine(tmp_path / "ours").write(documents, [])
    (tmp_path / "theirs").mkdir()
    _write_default(tmp_path / "theirs", documents)
    assert _contents(tmp_path / "ours") == _contents(tmp_path / "theirs")


def test_lengths_read_once_answer_as_the_reader_does():
    calls = []

    def doc_field_length(docnum, fieldname, default=0):
        calls.append((docnum, fieldname, default))
        return None if docnum == 1 else (default if fieldname == "key" else docnum * 10)

    cached = search_writer._whole_columns(doc_field_length, 3)
    assert [cached(d, "grams") for d in range(3)] == [0, None, 20]
    assert [cached(d, "key", 7) for d in (2, 0)] == [7, 7]
    assert [cached(d, "key") for d in range(3)] == [0, None, 0]
    assert len(calls) == 9  # each (field, default) read once, in one pass over the documents


def test_numbers_are_one_term_each(tmp_path):
    engine = SearchEngine(tmp_path / "index")
    engine.write(_documents(10), [])
    reader = engine.searcher().reader()
    assert len(list(reader.lexicon("obj_id"))) == 10
    assert len(list(reader.lexicon("date"))) == len({d.date or 0 for d in _documents(10)})
    assert sorted(engine._column(engine.searcher(), "obj_id")) == list(range(1, 11))


def _with_places(n: int) -> list[SearchDocument]:
    documents = _documents(n)
    for i, doc in enumerate(documents):
        doc.point = (36.0 + i / 100, 117.0 + i / 50) if i % 4 else None
    return documents


def test_a_rebuild_on_two_cores_writes_what_one_writer_writes(tmp_path, monkeypatch):
    monkeypatch.setattr(search_writer, "PARALLEL_FROM", 2)
    monkeypatch.setattr(search_writer.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(search_writer, "_may_fork", lambda: True)  # pytest-xdist runs threads of its own
    documents = _with_places(120)
    ours = SearchEngine(tmp_path / "ours")
    ours.write_fresh(documents)
    assert len(whoosh_index.open_dir(str(tmp_path / "ours"))._segments()) == 2  # the half the child wrote
    (tmp_path / "theirs").mkdir()
    _write_default(tmp_path / "theirs", documents)
    assert _contents(tmp_path / "ours") == _contents(tmp_path / "theirs")
    theirs = SearchEngine(tmp_path / "theirs")
    for query in ("长江路", "黄河路", "梯次 4S店", "回收网点"):
        for near in (None, (36.3, 117.5)):
            a = ours.search(query, per_page=200, near=near, facet_names=("city",))
            b = theirs.search(query, per_page=200, near=near, facet_names=("city",))
            assert (a.keys, a.total, a.facets, a.distances) == (b.keys, b.total, b.facets, b.distances)
            assert a.total > 0


def test_a_rebuild_whose_second_half_fails_writes_nothing(tmp_path, monkeypatch):
    import pytest

    monkeypatch.setattr(search_writer, "PARALLEL_FROM", 2)
    monkeypatch.setattr(search_writer.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(search_writer, "_may_fork", lambda: True)  # pytest-xdist runs threads of its own
    documents = _documents(40)

    def fields(doc):
        if doc.id == 31:
            raise ValueError("a document that cannot be written")
        return doc.fields()

    engine = SearchEngine(tmp_path / "index")
    with pytest.raises(RuntimeError, match="a document that cannot be written"):
        search_writer.write_fresh(engine._open(), documents, fields)
    assert engine.count() == 0
    engine.write([documents[0]], [])  # the lock was released
    assert engine.count() == 1


def test_a_large_batch_on_two_cores_applies_what_one_writer_applies(tmp_path, monkeypatch):
    monkeypatch.setattr(search_writer.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(search_writer, "_may_fork", lambda: True)  # pytest-xdist runs threads of its own
    first, changes = _with_places(60), _with_places(90)[30:]  # 30 kept, 30 changed (ids 31-60), 30 new
    for doc in changes:
        doc.title += "（更新）"
    engines = {}
    for name, parallel_from in (("serial", 10**9), ("parallel", 2)):
        monkeypatch.setattr(search_writer, "PARALLEL_FROM", parallel_from)
        engine = engines[name] = SearchEngine(tmp_path / name)
        engine.write(first, [])
        engine.write(changes, ["outlet:5", "standard:6"])
    ours, theirs = engines["parallel"], engines["serial"]
    segments = {name: len(whoosh_index.open_dir(str(tmp_path / name))._segments()) for name in engines}
    assert segments["parallel"] > segments["serial"]  # the children's segments
    for kind in ("outlet", "standard"):
        assert sorted(ours.entries(kind)) == sorted(theirs.entries(kind))  # each record once, its last version
    for query in ("长江路", "更新", "黄河路换电站", "梯次 4S店"):
        a, b = ours.search(query, per_page=200), theirs.search(query, per_page=200)
        assert sorted(a.keys) == sorted(b.keys) and a.total == b.total > 0
        a, b = (
            ours.search(query, per_page=200, near=(36.3, 117.5)),
            theirs.search(query, per_page=200, near=(36.3, 117.5)),
        )
        assert (a.keys, a.distances) == (b.keys, b.distances)


def test_a_process_with_other_threads_writes_alone(tmp_path, monkeypatch):
    import threading

    monkeypatch.setattr(search_writer, "PARALLEL_FROM", 2)
    monkeypatch.setattr(search_writer.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(search_writer, "_Part", None)  # a fork would fail here
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        engine = SearchEngine(tmp_path / "index")
        engine.write_fresh(_documents(20))
    finally:
        release.set()
        other.join()
    assert len(whoosh_index.open_dir(str(tmp_path / "index"))._segments()) == 1
    assert engine.count() == 20
