"""What the query side reads from the index, kept per segment.

A Whoosh segment never changes once written (only which of its documents are deleted does), so a
column read from it is good for as long as the segment lives. After a commit, which adds a small
segment or merges a few, only the new segments are read; the big ones stay cached. That bounds the
cost of the first search after an index change by the size of the change, not of the index.
"""

from __future__ import annotations

import threading
from itertools import accumulate

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher


def segment_key(leaf) -> str | None:
    """A leaf reader's segment id (None: a reader without a segment, e.g. an empty index)."""
    segment = leaf.segment()
    return segment.segment_id() if segment is not None else None


class SegmentCache:
    """Values computed from one segment, kept while the segment lives: {(segment id, its offset, what): value}.
    The offset is part of the key: values that hold document numbers of the whole index depend on it."""

    def __init__(self, lock: threading.Lock) -> None:
        self._lock = lock  # the engine's: a column reader on a plain file seeks, one thread at a time
        self._values: dict[tuple, object] = {}

    def per_segment(self, reader, what: tuple, compute) -> list:
        """compute(leaf, offset) for each of reader's segments, in document number order."""
        leaves = list(reader.leaf_readers())
        found = []
        for leaf, offset in leaves:
            key = (segment_key(leaf), offset, what)
            value = self._values.get(key) if key[0] is not None else None
            if value is None:
                with self._lock:
                    value = compute(leaf, offset)
                if key[0] is not None:
                    self._values[key] = value
            found.append(value)
        live = {segment_key(leaf) for leaf, _offset in leaves}
        with self._lock:  # segments merged away are forgotten (a reader of an older version reads them again)
            for key in [k for k in self._values if k[0] not in live]:
                del self._values[key]
        return found

    def column(self, reader, name: str, default=None) -> list:
        """The whole column for reader (all its segments, in document number order); default where a
        segment has no such column (written before any document had it)."""
        found: list = []
        for values in self.per_segment(reader, ("column", name, default), lambda leaf, _o: _read(leaf, name, default)):
            found.extend(values)
        return found


def _read(leaf, name: str, default) -> list:
    if not leaf.has_column(name):
        return [default] * leaf.doc_count_all()
    return list(leaf.column_reader(name))  # sequential: much faster than value by value


def posting_ids(reader, field_name: str, term) -> list[int]:
    """Every document number (deleted ones too) holding term, segment by segment."""
    ids: list[int] = []
    for leaf, offset in reader.leaf_readers():
        if (field_name, term) not in leaf:
            continue
        matcher = leaf.postings(field_name, term)
        if isinstance(matcher, FilterMatcher):  # the segment's deletions: the caller takes them out itself
            matcher = matcher.child
        local = _all_ids(matcher)
        ids.extend(local if offset == 0 else (offset + d for d in local))
    return ids


def _all_ids(matcher) -> list[int]:
    """The ids of a fresh matcher. Whoosh's all_ids steps one posting at a time through Python calls;
    its on-disk matcher holds a decoded block of ids at once, which is taken whole here."""
    if type(matcher) is not W3LeafMatcher or matcher._byteids:
        return list(matcher.all_ids())
    ids: list[int] = []
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        ids.extend(accumulate(matcher._data[0]))  # a block holds its ids delta-coded (whoosh decodes in Python)
        matcher._next_block()
    return ids
