"""The query side of the search engine: cached columns and posting sets, candidates, the substring
check, ranking and facet counts (SearchEngine in portal.search.engine mixes this in).

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

import logging
import math
from collections import Counter
from dataclasses import dataclass, field

from portal.core.geo import Places
from portal.search.analysis import compact, jieba_instance, normalise, query_grams, query_words
from portal.search.rank import Titles, rank
from portal.search.segments import SegmentCache, posting_ids

log = logging.getLogger(__name__)

NO_POINT = math.nan  # the lat and lon columns of a document without a place


@dataclass
class Hits:
    keys: list[tuple[str, int]]  # (kind, id) in rank order for the page asked
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)  # name -> value -> count
    distances: dict[tuple[str, int], float] = field(default_factory=dict)  # near a place: km of each key shown


class SearchQueries:
    """Searching one index. The engine provides ``searcher()`` (the current index version's searcher),
    ``_lock`` (serialises column reads that seek) and ``_cache`` ((searcher, dict): what was read for
    that searcher)."""

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

    def warm(self) -> None:
        """Read now what the first search of a process reads: jieba's dictionary (about a second) and the
        current version's columns, titles and texts. For a worker's start, so no visitor waits for it;
        later index versions read only their new segments."""
        jieba_instance()
        searcher = self.searcher()
        if searcher.reader().doc_count_all():
            self._single_copies(searcher)  # reads the kind and id columns
            self._titles(searcher)
            self._plains(searcher)
            self._places(searcher)

    def _cached(self, searcher) -> dict:
        """This searcher's (index version's) cache; a new version starts a new one, swapped atomically."""
        owner, cache = self._cache
        if owner is not searcher:
            cache = {}
            self._cache = (searcher, cache)
        return cache

    def _per_version(self, searcher, key: tuple, compute):
        """What compute() gives for this searcher's index version, computed once per version."""
        cache = self._cached(searcher)
        found = cache.get(key)
        if found is None:
            found = cache[key] = compute()
        return found

    def _segments(self) -> SegmentCache:
        """What was read from each segment, kept across index versions (created on first use)."""
        found = self.__dict__.get("_segment_cache")
        if found is None:
            found = self.__dict__.setdefault("_segment_cache", SegmentCache(self._lock))
        return found

    def _column(self, searcher, name: str, default=None) -> list:
        """A whole column as a list indexed by document number (default where a segment has none),
        assembled once per index version from the columns of its segments."""
        return self._per_version(
            searcher, ("column", name), lambda: self._segments().column(searcher.reader(), name, default)
        )

    def _plains(self, searcher) -> tuple[list, frozenset[int], object]:
        """This version's compact texts by document number (False: too long to keep, read each time),
        the documents with such a text, and the column reader they come from, opened once per version."""

        def read():
            reader = searcher.reader()
            texts: list = []
            for segment_texts in self._segments().per_segment(reader, ("plain",), _read_plains):
                texts.extend(segment_texts)
            long = frozenset(d for d, text in enumerate(texts) if text is False)
            return texts, long, reader.column_reader("plain")

        return self._per_version(searcher, ("plain",), read)

    def _verified(self, searcher, docnums: list[int], needles: list[str]) -> list[int]:
        """The docnums whose compact text holds every needle (the substring rule)."""
        texts, long, column = self._plains(searcher)
        if long and not long.isdisjoint(docnums):
            with self._lock:
                return [d for d in docnums if _contains_all(texts[d] or column[d].decode(), needles)]
        if len(needles) == 1:
            needle = needles[0]
            return [d for d in docnums if needle in texts[d]]
        return [d for d in docnums if _contains_all(texts[d], needles)]

    def _titles(self, searcher) -> Titles:
        """This version's compact titles, each segment's title words, and the (title length,
        document number) order; the words are read once per segment."""

        def read():
            titles = [t.decode() for t in self._column(searcher, "title", b"")]
            by_words = self._segments().per_segment(searcher.reader(), ("words",), _title_words)
            size = len(titles) + 1
            order = [len(title) * size + docnum for docnum, title in enumerate(titles)]
            return Titles(titles, by_words, order, sorted(range(len(titles)), key=order.__getitem__))

        return self._per_version(searcher, ("titles",), read)

    def _newest_first(self, searcher) -> list[int]:
        """Minus each document's date (none: 0), by document number, for sorting newest first."""
        return self._per_version(
            searcher, ("newest",), lambda: [-(date or 0) for date in self._column(searcher, "date", 0)]
        )

    def _single_copies(self, searcher) -> bool:
        """Whether every live (kind, id) is held once in this version (the usual case)."""

        def read() -> bool:
            kinds_col, ids_col = self._column(searcher, "kind"), self._column(searcher, "obj_id")
            live = set(searcher.reader().all_doc_ids()) - self._deleted(searcher)
            return len({(kinds_col[d], ids_col[d]) for d in live}) == len(live)

        return self._per_version(searcher, ("single",), read)

    def _deleted(self, searcher) -> frozenset[int]:
        """The deleted document numbers of this searcher's reader (read once per index version)."""

        def read() -> frozenset[int]:
            leaves = searcher.reader().leaf_readers()
            return frozenset(
                offset + docnum for leaf, offset in leaves if leaf.has_deletions() for docnum in leaf.deleted_docs_set
            )

        return self._per_version(searcher, ("deleted",), read)

    def _postings(self, searcher, field_name: str, term: str) -> frozenset[int]:
        """The live documents holding term, as a set; cached for this searcher (index version)."""
        sets = self._cached(searcher).setdefault(("postings",), {})
        key = (field_name, term)
        found = sets.get(key)
        if found is None:
            found = frozenset(posting_ids(searcher.reader(), field_name, term))
            found -= self._deleted(searcher)  # a cached set must never hold a deleted document
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
        for group in groups:  # a group of one term is its cached set as it is (a copy of "kind:outlet" is 10,000 ids)
            if len(group) == 1:
                sets.append(self._postings(searcher, *group[0]))
            else:
                sets.append(frozenset().union(*(self._postings(searcher, f, t) for f, t in group)))
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
        near: tuple[float, float] | None = None,
    ) -> Hits:
        """Ranked (kind, id) pairs for one page (or all, unranked, with limit_all), the total, and
        for each name in facet_names the count of matches per value. With ``near`` (lat, lon): only
        documents with a place, nearest first (ties by id), and the distance of each one shown."""
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
        docset = set(docnums) if len(docnums) > 256 and facet_names else None
        facets = {name: self._count_values(searcher, name, docnums, docset) for name in facet_names}
        if near is not None:
            return self._nearest(searcher, docnums, near, page, per_page, facets)
        if limit_all:
            return Hits(keys=[(kinds_col[d], ids_col[d]) for d in docnums], total=len(docnums))
        if sort == "date":
            docnums = sorted(docnums, key=self._newest_first(searcher).__getitem__)  # stable: ties by docnum
        elif needles:
            docnums = self._rank(searcher, docnums, text, needles, page * per_page)
        window = docnums[(page - 1) * per_page : page * per_page]
        return Hits(keys=[(kinds_col[d], ids_col[d]) for d in window], total=len(docnums), facets=facets)

    def _nearest(self, searcher, docnums: list[int], near, page: int, per_page: int, facets) -> Hits:
        """The documents with a place among docnums, by distance from near (km, haversine) and then id."""
        lats, places = self._places(searcher)
        kinds_col, ids_col = self._column(searcher, "kind"), self._column(searcher, "obj_id")
        placed = [d for d in docnums if not math.isnan(lats[d])]
        distances = dict(zip(placed, places.distances_km(*near, placed), strict=True))
        ordered = sorted(distances, key=lambda d: (distances[d], ids_col[d]))
        window = ordered[(page - 1) * per_page : page * per_page]
        keys = [(kinds_col[d], ids_col[d]) for d in window]
        shown = {key: distances[d] for key, d in zip(keys, window, strict=True)}
        return Hits(keys=keys, total=len(ordered), facets=facets, distances=shown)

    def _places(self, searcher) -> tuple[list[float], Places]:
        """This version's latitudes (NO_POINT: none) and its places, for distances."""

        def read():
            lats = self._column(searcher, "lat", NO_POINT)
            return lats, Places(lats, self._column(searcher, "lon", NO_POINT))

        return self._per_version(searcher, ("places",), read)

    def _count_values(self, searcher, name: str, docnums: list[int], docset: set[int] | None = None) -> dict[str, int]:
        """How many of docnums carry each value of a facet ('kind' or a facet of the documents)."""
        field_name = "kind" if name == "kind" else f"f_{name}"
        values = self._terms(searcher, field_name)
        if docset is not None and len(values) <= 64:  # many matches, few values: a set intersection per value
            counts = {v: len(docset.intersection(self._postings(searcher, field_name, v))) for v in values}
        else:
            counts = Counter(map(self._column(searcher, field_name).__getitem__, docnums))
        return dict(sorted(((v, n) for v, n in counts.items() if v and n), key=lambda item: (-item[1], item[0])))

    def _terms(self, searcher, field_name: str) -> list[str]:
        """Every value indexed in a field (a facet's values), read once per index version."""

        def read() -> list[str]:
            reader = searcher.reader()
            return [t.decode() for t in reader.lexicon(field_name)] if field_name in reader.schema else []

        return self._per_version(searcher, ("terms", field_name), read)

    def _rank(self, searcher, docnums: list[int], text: str, needles: list[str], top: int) -> list[int]:
        """docnums by relevance (portal.search.rank); only the first `top` in exact order."""
        words = {w for w in query_words(text) if len(w) > 1 or w.isascii()}
        return rank(docnums, "".join(needles), words, self._titles(searcher), top)


def _title_words(leaf, offset: int) -> dict[str, set[int]]:
    """A segment's title words -> the documents (numbered in the whole index) whose title holds them."""
    by_word: dict[str, set[int]] = {}
    for docnum, words in enumerate(_read_column(leaf, "words"), start=offset):
        for word in set(words.decode().split()):
            by_word.setdefault(word, set()).add(docnum)
    return by_word


def _read_plains(leaf, _offset: int) -> list:
    """A segment's compact texts; False for one too long to keep (a PDF's text: read each time)."""
    return [text if len(text) <= 4000 else False for text in (b.decode() for b in _read_column(leaf, "plain"))]


def _read_column(leaf, name: str):
    return leaf.column_reader(name) if leaf.has_column(name) else [b""] * leaf.doc_count_all()


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
