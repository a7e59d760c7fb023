"""The search engine behind the portal's own interface (Whoosh today; swappable).

One index per machine (PORTAL_INDEX_DIR). One searcher per process, reopened only when the index
changed. Writes go through ``write`` only, which the indexer calls while holding the indexer lock.

How a search runs:
1. Candidates: the documents in every posting list of the query's character grams and of the
   filters, intersected as sets (posting sets are cached per searcher, so a popular term is read
   once per index version). A document holding 长江 and 江路 far apart is still a candidate.
2. Verification: each chunk of the query must occur as a substring of the document's compact text,
   kept in a column (read without unpickling stored fields). This is the substring rule, exactly.
3. Ranking: an exact title first, then the query inside the title, then how many of the query's
   jieba words are whole words of the title; ties keep index order. Optionally by date.
Doing 2 and 3 on columns instead of with positional phrase queries and BM25 keeps broad queries
(a street name found in a thousand outlets) fast in pure Python.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import columns as W
from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.fields import COLUMN, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.index import TOC
from whoosh.writing import LockError

from portal.search.analysis import (
    SEPARATOR,
    GramAnalyzer,
    compact,
    normalise,
    query_grams,
    query_words,
    title_words,
)

log = logging.getLogger(__name__)


def build_schema() -> Schema:
    schema = Schema(
        key=ID(stored=True, unique=True),  # "<kind>:<id>"
        kind=ID(stored=True, sortable=True),
        obj_id=NUMERIC(stored=True, bits=64, sortable=True),
        grams=TEXT(analyzer=GramAnalyzer(), phrase=False),
        plain=COLUMN(W.VarBytesColumn()),  # compact text of every field, for the substring check
        title=COLUMN(W.VarBytesColumn()),  # compact title
        words=COLUMN(W.VarBytesColumn()),  # the title's jieba words, space separated
        date=NUMERIC(stored=True, bits=64, sortable=True),
        digest=STORED(),
    )
    schema.add("f_*", ID(stored=True, sortable=True), glob=True)  # facets, also as columns for counting
    return schema


# Raise when the schema changes: an index written with another version is rebuilt (portal.search).
SCHEMA_VERSION = 3  # 3: traditional characters indexed as simplified


@dataclass
class SearchDocument:
    """What a feature hands to the index for one record."""

    kind: str
    id: int
    title: str
    texts: list[str]
    facets: dict[str, str] = field(default_factory=dict)  # one value each, matched exactly
    date: int | None = None  # e.g. yyyymmdd, for sorting by date

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    def digest(self) -> str:
        parts = [self.title, *self.texts, *(f"{k}={v}" for k, v in sorted(self.facets.items())), str(self.date)]
        return hashlib.sha1(SEPARATOR.join(map(str, parts)).encode()).hexdigest()  # noqa: S324 - not security

    def fields(self) -> dict:
        body = SEPARATOR.join([self.title, *self.texts])
        values = {
            "key": self.key,
            "kind": self.kind,
            "obj_id": self.id,
            "grams": body,
            "plain": compact(body).encode(),
            "title": compact(self.title).encode(),
            "words": " ".join(title_words(self.title)).encode(),
            "date": self.date or 0,
            "digest": self.digest(),
        }
        for name, value in self.facets.items():
            if value is not None and value != "":
                values[f"f_{name}"] = str(value)
        return values


@dataclass
class Hits:
    keys: list[tuple[str, int]]  # (kind, id) in rank order for the page asked
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)  # name -> value -> count


class SearchEngine:
    """One index directory; thread-safe searching, single-writer writing."""

    def __init__(self, index_dir: str | Path) -> None:
        self.dir = Path(index_dir)
        self._lock = threading.Lock()
        self._index = None
        self._searcher = None
        self._version = None  # what _index_version() said when the searcher was opened
        self._cache: tuple = (None, {})

    def _open(self):
        if self._index is None:
            self.dir.mkdir(parents=True, exist_ok=True)
            if whoosh_index.exists_in(str(self.dir)):
                self._index = whoosh_index.open_dir(str(self.dir))
            else:
                self._index = whoosh_index.create_in(str(self.dir), build_schema())
        return self._index

    def _index_version(self):
        """What identifies the index's current state: its generation and its table of contents file.

        The generation alone is not enough: a rebuild (``recreate``) starts again at generation 0, so
        after as many commits as before the old number comes back with other contents; the table of
        contents file is then another file (another inode, time and size)."""
        ix = self._open()
        for _attempt in range(10):
            generation = ix.latest_generation()
            try:
                info = os.stat(self.dir / TOC._filename(ix.indexname, generation))
            except FileNotFoundError:  # a writer removed it just now; read again
                continue
            return generation, info.st_ino, info.st_mtime_ns, info.st_size
        return None  # never equal to a saved version: the searcher is reopened

    def searcher(self):
        """The process's searcher for the index as it is now; a new one whenever the index changed.

        Never ``Searcher.refresh()``: Whoosh(-Reloaded) then reuses the open segment readers, and a
        reused reader keeps the deletions its segment had when it was opened (and segments merged
        away are kept too), so an edited record's old copy stays alive beside the new one (issue 14).
        The previous searcher is not closed here: a search in another thread may still be reading it;
        it is closed when the last reference goes.
        """
        with self._lock:
            version = self._index_version()
            if self._searcher is None or version is None or version != self._version:
                self._searcher = self._open().searcher()
                self._version = version
            return self._searcher

    def write(self, upserts: list[SearchDocument], deletes: list[str], *, clear: bool = False) -> None:
        """Apply changes in one commit (call while holding the indexer lock)."""
        ix = self._open()
        for attempt in range(50):
            try:
                writer = ix.writer(timeout=5.0)
                break
            except LockError:
                if attempt == 49:
                    raise
        try:
            if clear:
                writer.delete_by_query(Q.Every())
            # A key given twice is written once, its last version. Every copy of a key is deleted
            # before its new version is added: update_document would delete only the first copy it
            # finds, and none that this writer added.
            latest = {doc.key: doc for doc in upserts}
            with writer.searcher() as searcher:
                for key in dict.fromkeys([*deletes, *latest]):
                    writer.delete_by_term("key", key, searcher=searcher)
            for doc in latest.values():
                writer.add_document(**doc.fields())
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def clear(self) -> None:
        self.write([], [], clear=True)

    def recreate(self) -> None:
        """Drop the index and create it empty with the current schema (call with the indexer lock)."""
        with self._lock:
            self._searcher = None
            self._version = None
            self._index = None
            self._cache = (None, {})
            self.dir.mkdir(parents=True, exist_ok=True)
            self._index = whoosh_index.create_in(str(self.dir), build_schema())

    def count(self, kind: str | None = None) -> int:
        """Live documents (of a kind)."""
        searcher = self.searcher()
        if kind is None:
            return searcher.doc_count()
        return len(self._postings(searcher, "kind", kind))

    def ids(self, kind: str) -> list[int]:
        """The id of every live document of a kind, in index order; an id twice means a faulty index."""
        searcher = self.searcher()
        ids_col = self._column(searcher, "obj_id")
        return [ids_col[d] for d in sorted(self._postings(searcher, "kind", kind))]

    def entries(self, kind: str) -> list[tuple[int, str]]:
        """(id, digest) of every live document of a kind, in index order; an id twice means a faulty
        index (for consistency checks)."""
        searcher = self.searcher()
        reader = searcher.reader()
        return [
            (fields["obj_id"], fields.get("digest", ""))
            for fields in (reader.stored_fields(d) for d in sorted(self._postings(searcher, "kind", kind)))
        ]

    def digests(self, kind: str) -> dict[int, str]:
        """{id: digest} of every document of a kind (for consistency checks)."""
        return dict(self.entries(kind))

    def _cached(self, searcher) -> dict:
        """This searcher's (index version's) cache; a new version starts a new one, swapped atomically."""
        owner, cache = self._cache
        if owner is not searcher:
            cache = {}
            self._cache = (searcher, cache)
        return cache

    def _column(self, searcher, name: str, default=None) -> list:
        """A whole column as a list indexed by document number, read once per index version."""
        cache = self._cached(searcher)
        found = cache.get(("column", name))
        if found is None:
            reader = searcher.reader()
            found = [default] * reader.doc_count_all()
            if reader.has_column(name):
                column = reader.column_reader(name)
                for docnum in range(len(found)):
                    # IndexError: a segment written before any document had this column
                    with contextlib.suppress(IndexError):
                        found[docnum] = column[docnum]
            cache[("column", name)] = found
        return found

    def _plains(self, searcher) -> tuple[list, object]:
        """This version's compact texts by document number (None: not read yet; False: too long to
        keep) and the column reader they come from, opened once per index version."""
        cache = self._cached(searcher)
        found = cache.get(("plain",))
        if found is None:
            reader = searcher.reader()
            found = ([None] * reader.doc_count_all(), reader.column_reader("plain"))
            cache[("plain",)] = found
        return found

    def _verified(self, searcher, docnums: list[int], needles: list[str]) -> list[int]:
        """The docnums whose compact text holds every needle (the substring rule)."""
        texts, column = self._plains(searcher)
        missing = [d for d in docnums if texts[d] is None]
        if missing:
            with self._lock:  # a column reader on a plain file seeks: one thread at a time
                for docnum in missing:
                    text = column[docnum].decode()
                    texts[docnum] = text if len(text) <= 4000 else False  # PDF texts are read each time
        if any(texts[d] is False for d in docnums):
            with self._lock:
                return [d for d in docnums if _contains_all(texts[d] or column[d].decode(), needles)]
        if len(needles) == 1:
            needle = needles[0]
            return [d for d in docnums if needle in texts[d]]
        return [d for d in docnums if _contains_all(texts[d], needles)]

    def _titles(self, searcher) -> tuple[list[str], list[frozenset], dict, list[int]]:
        """This version's compact titles, their jieba word sets, word -> documents, and each
        document's place in (title length, document number) order: read once per index version."""
        cache = self._cached(searcher)
        found = cache.get(("titles",))
        if found is None:
            titles = [t.decode() for t in self._column(searcher, "title", b"")]
            words = [frozenset(w.decode().split()) for w in self._column(searcher, "words", b"")]
            by_word: dict[str, set[int]] = {}
            for docnum, title_words in enumerate(words):
                for word in title_words:
                    by_word.setdefault(word, set()).add(docnum)
            place = [0] * len(titles)
            for position, docnum in enumerate(sorted(range(len(titles)), key=lambda d: (len(titles[d]), d))):
                place[docnum] = position
            found = (titles, words, by_word, place)
            cache[("titles",)] = found
        return found

    def _newest_first(self, searcher) -> list[int]:
        """Minus each document's date (none: 0), by document number, for sorting newest first."""
        cache = self._cached(searcher)
        found = cache.get(("newest",))
        if found is None:
            found = [-(date or 0) for date in self._column(searcher, "date", 0)]
            cache[("newest",)] = found
        return found

    def _single_copies(self, searcher) -> bool:
        """Whether every live (kind, id) is held once in this version (the usual case)."""
        cache = self._cached(searcher)
        found = cache.get(("single",))
        if found is None:
            kinds_col, ids_col = self._column(searcher, "kind"), self._column(searcher, "obj_id")
            live = set(searcher.reader().all_doc_ids()) - self._deleted(searcher)
            found = len({(kinds_col[d], ids_col[d]) for d in live}) == len(live)
            cache[("single",)] = found
        return found

    def _deleted(self, searcher) -> frozenset[int]:
        """The deleted document numbers of this searcher's reader (read once per index version)."""
        cache = self._cached(searcher)
        found = cache.get(("deleted",))
        if found is None:
            reader = searcher.reader()
            found = frozenset(
                offset + docnum
                for leaf, offset in reader.leaf_readers()
                if leaf.has_deletions()
                for docnum in leaf.deleted_docs_set
            )
            cache[("deleted",)] = found
        return found

    def _postings(self, searcher, field_name: str, term: str) -> frozenset[int]:
        """The live documents holding term, as a set; cached for this searcher (index version)."""
        sets = self._cached(searcher).setdefault(("postings",), {})
        key = (field_name, term)
        found = sets.get(key)
        if found is None:
            reader = searcher.reader()
            found = (
                frozenset(reader.postings(field_name, term).all_ids()) if (field_name, term) in reader else frozenset()
            )
            found -= self._deleted(searcher)  # whoosh filters them already; a cached set must never hold one
            if len(sets) >= 512:
                sets.pop(next(iter(sets)))
            sets[key] = found
        return found

    def candidates(self, searcher, chunks: list[str], *, kinds=None, filters=None, exclude=None) -> set[int]:
        """Documents holding every gram of every chunk and meeting the filters (a superset of matches)."""
        groups: list[list[tuple[str, str]]] = [
            [("grams", g)] for g in dict.fromkeys(g for chunk in chunks for g in query_grams(chunk))
        ]
        if kinds:
            groups.append([("kind", k) for k in kinds])
        for name, value in (filters or {}).items():
            if value is None or value == "":
                continue
            values = list(value) if isinstance(value, list | tuple | set) else [value]
            groups.append([(f"f_{name}", str(v)) for v in values])
        sets = []
        for group in groups:
            union = frozenset().union(*(self._postings(searcher, f, t) for f, t in group))
            sets.append(union)
        if sets:
            sets.sort(key=len)
            result = set(sets[0]).intersection(*sets[1:])
        else:
            reader = searcher.reader()
            result = set(reader.all_doc_ids()) - self._deleted(searcher)
        for name, value in (exclude or {}).items():
            result -= self._postings(searcher, f"f_{name}", str(value))
        return result

    def search(
        self,
        text: str,
        *,
        kinds=None,
        filters=None,
        exclude=None,
        page: int = 1,
        per_page: int = 20,
        limit_all: bool = False,
        sort: str = "relevance",
        facet_names: tuple[str, ...] = (),
    ) -> Hits:
        """Ranked (kind, id) pairs for one page (or all, unranked, with limit_all), the total, and
        for each name in facet_names the count of matches per value."""
        chunks = [c for c in _split_chunks(text) if compact(c)]
        searcher = self.searcher()
        reader = searcher.reader()
        if reader.doc_count_all() == 0:  # a new installation: nothing indexed yet
            return Hits(keys=[], total=0, facets={name: {} for name in facet_names})
        docnums = sorted(self.candidates(searcher, chunks, kinds=kinds, filters=filters, exclude=exclude))
        needles = [compact(c) for c in chunks]
        # A chunk that is a single gram is proven by the candidates; longer ones are checked in the text.
        to_check = [n for n, c in zip(needles, chunks, strict=True) if len(query_grams(c)) > 1]
        if to_check:
            docnums = self._verified(searcher, docnums, to_check)
        kinds_col, ids_col = self._column(searcher, "kind"), self._column(searcher, "obj_id")
        if not self._single_copies(searcher):
            docnums = _one_per_record(docnums, kinds_col, ids_col)
        facets = {name: self._count_values(searcher, name, docnums) for name in facet_names}
        if limit_all:
            return Hits(keys=[(kinds_col[d], ids_col[d]) for d in docnums], total=len(docnums))
        if sort == "date":
            docnums = sorted(docnums, key=self._newest_first(searcher).__getitem__)  # stable: ties by docnum
        elif needles:
            docnums = self._rank(searcher, docnums, text, needles, page * per_page)
        window = docnums[(page - 1) * per_page : page * per_page]
        return Hits(keys=[(kinds_col[d], ids_col[d]) for d in window], total=len(docnums), facets=facets)

    def _count_values(self, searcher, name: str, docnums: list[int]) -> dict[str, int]:
        """How many of docnums carry each value of a facet ('kind' or a facet of the documents)."""
        values = self._column(searcher, "kind" if name == "kind" else f"f_{name}")
        counts = Counter(map(values.__getitem__, docnums))
        return dict(sorted(((v, n) for v, n in counts.items() if v), key=lambda item: (-item[1], item[0])))

    def _rank(self, searcher, docnums: list[int], text: str, needles: list[str], top: int) -> list[int]:
        """Exact title first, then the query within the title, then whole-word matches in the title;
        ties by title length, then index order. Only the first `top` are put in order (the rest
        follow unordered): a page never needs more, and sorting thousands of candidates would."""
        whole = "".join(needles)
        words = {w for w in query_words(text) if len(w) > 1 or w.isascii()}
        titles, _words, by_word, place = self._titles(searcher)
        candidates = set(docnums)
        scores: Counter = Counter()
        for word in words:  # 10 for each of the query's words that is a word of the title
            scores.update(dict.fromkeys(by_word.get(word, set()) & candidates, 10))
        within = [d for d in docnums if whole in titles[d]]
        scores.update(dict.fromkeys(within, 100))  # the query within the title: 100 ...
        scores.update(dict.fromkeys([d for d in within if titles[d] == whole], 900))  # ... the title itself: 1000
        ranked: list[int] = []
        by_score: dict[int, list[int]] = {}
        for docnum, score in scores.items():
            by_score.setdefault(score, []).append(docnum)
        groups = [by_score[score] for score in sorted(by_score, reverse=True)]
        groups.append([d for d in docnums if d not in scores])
        for group in groups:
            if len(ranked) >= top:
                ranked.extend(group)
            else:
                group.sort(key=place.__getitem__)
                ranked.extend(group)
        return ranked


def _one_per_record(docnums: list[int], kinds_col: list, ids_col: list) -> list[int]:
    """docnums with one document per (kind, id): the last one (the index holds a record once; this
    only fires on a faulty index, and says so)."""
    last: dict[tuple, int] = {}
    for docnum in docnums:
        last[(kinds_col[docnum], ids_col[docnum])] = docnum
    if len(last) == len(docnums):
        return docnums
    kept = set(last.values())
    twice = sorted({f"{kinds_col[d]}:{ids_col[d]}" for d in docnums if d not in kept})
    log.warning("search index holds %s more than once; showing each once (run `flask search verify`)", twice)
    return [d for d in docnums if d in kept]


def _contains_all(haystack: str, needles: list[str]) -> bool:
    return all(needle in haystack for needle in needles)


def _split_chunks(text: str) -> list[str]:
    """Whitespace separates chunks; a quoted phrase stays one chunk."""
    import shlex

    normal = normalise(text).replace("“", '"').replace("”", '"')
    try:
        parts = shlex.split(normal)
    except ValueError:
        parts = normal.split()
    return [p for p in parts if p.strip()][:12]
