"""The search engine behind the portal's own interface (Whoosh today; swappable).

One index per machine (PORTAL_INDEX_DIR). One searcher per process, reopened only when the index
changed. Writes go through ``write`` only, which the indexer calls while holding the indexer lock.

The query side (candidates, the substring check, ranking) is in portal.search.query.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import columns as W
from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.fields import COLUMN, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.index import TOC

from portal.search.analysis import SEPARATOR, GramAnalyzer, compact, title_words
from portal.search.query import NO_POINT, Hits, SearchQueries, _split_chunks  # noqa: F401 - Hits, _split_chunks: callers import them here
from portal.search.writer import add_and_commit, open_writer, write_fresh

log = logging.getLogger(__name__)


def build_schema() -> Schema:
    schema = Schema(
        key=ID(stored=True, unique=True),  # "<kind>:<id>"
        kind=ID(stored=True, sortable=True),
        # Numbers are read from their columns only, never searched by range: one term each, not 16 tiers.
        obj_id=NUMERIC(stored=True, bits=64, sortable=True, shift_step=0),
        grams=TEXT(analyzer=GramAnalyzer(), phrase=False),
        plain=COLUMN(W.VarBytesColumn()),  # compact text of every field, for the substring check
        title=COLUMN(W.VarBytesColumn()),  # compact title
        words=COLUMN(W.VarBytesColumn()),  # the title's jieba words, space separated
        date=NUMERIC(stored=True, bits=64, sortable=True, shift_step=0),
        # A place (WGS-84 degrees), for ordering hits by distance without reading them from the database.
        lat=COLUMN(W.NumericColumn("d", default=NO_POINT)),
        lon=COLUMN(W.NumericColumn("d", default=NO_POINT)),
        digest=STORED(),
    )
    schema.add("f_*", ID(stored=True, sortable=True), glob=True)  # facets, also as columns for counting
    return schema


# Raise when the schema changes: an index written with another version is rebuilt (portal.search).
SCHEMA_VERSION = 5  # 3: traditional characters indexed as simplified; 4: numbers without range tiers; 5: places


@dataclass
class SearchDocument:
    """What a feature hands to the index for one record."""

    kind: str
    id: int
    title: str
    texts: list[str]
    facets: dict[str, str] = field(default_factory=dict)  # one value each, matched exactly
    date: int | None = None  # e.g. yyyymmdd, for sorting by date
    point: tuple[float, float] | None = None  # (lat, lon) in WGS-84 degrees, for searches near a place

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    def digest(self) -> str:
        parts = [self.title, *self.texts, *(f"{k}={v}" for k, v in sorted(self.facets.items())), str(self.date)]
        if self.point is not None:
            parts.append(f"{self.point[0]!r},{self.point[1]!r}")
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
        if self.point is not None:
            values["lat"], values["lon"] = float(self.point[0]), float(self.point[1])
        for name, value in self.facets.items():
            if value is not None and value != "":
                values[f"f_{name}"] = str(value)
        return values


class SearchEngine(SearchQueries):
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
        writer = open_writer(ix)  # a big in-memory pool: see portal.search.writer
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
        except BaseException:
            writer.cancel()
            raise
        add_and_commit(ix, writer, list(latest.values()), SearchDocument.fields)  # on two cores when there are many

    def write_fresh(self, documents: list[SearchDocument]) -> None:
        """Write every document into the index just recreated (a rebuild; call with the indexer lock):
        on two cores when there are many (portal.search.writer)."""
        write_fresh(self._open(), documents, SearchDocument.fields)

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
