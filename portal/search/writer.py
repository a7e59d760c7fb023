"""How the engine opens a Whoosh writer for a big batch (``SearchEngine.write``).

Two costs of Whoosh's defaults dominate a rebuild or an import of 10,000 outlets (cProfile):
* the posting pool spills to temporary runs once it holds ~128 MB by its own estimate, and every
  posting is then pickled, read back and heap-merged; a larger pool sorts 10,000 outlets in memory.
  The pool still spills beyond its limit, so memory stays bounded for any index size.
* when the new segment's postings are written, Whoosh asks for each posting's field length, and for
  a field without lengths (every ID field: key, kind, the facets) it looks for the missing column
  file on disk each time: one stat() per posting. The answer cannot change while the segment is
  flushed (its per-document files are closed by then), so it is remembered; the lengths themselves
  are read once per field rather than once per posting.
"""

from __future__ import annotations

import functools

from whoosh.writing import LockError

# By Whoosh's own estimate (~150 bytes a posting, ~77 postings an outlet): one pool holds ~30,000 outlets;
# as Python objects the postings take ~1.4x the estimate, so a full pool costs ~550 MB, then it spills.
POOL_LIMIT_MB = 384
LOCK_ATTEMPTS = 50
LOCK_TIMEOUT_S = 5.0


def open_writer(ix):
    """A writer on ix (waiting for the write lock) that sorts in memory and looks up columns once."""
    for attempt in range(LOCK_ATTEMPTS):
        try:
            writer = ix.writer(timeout=LOCK_TIMEOUT_S, limitmb=POOL_LIMIT_MB)
            break
        except LockError:
            if attempt == LOCK_ATTEMPTS - 1:
                raise
    per_document_reader = writer.per_document_reader

    def reader_remembering_columns():
        reader = per_document_reader()
        reader.has_column = functools.lru_cache(maxsize=None)(reader.has_column)
        reader.doc_field_length = _whole_columns(reader.doc_field_length, reader.doc_count_all())
        return reader

    writer.per_document_reader = reader_remembering_columns
    return writer


def _whole_columns(doc_field_length, doc_count: int):
    """doc_field_length(docnum, fieldname, default) answered from each field's lengths read once, in
    one pass over the documents, instead of one column lookup per posting (the same answers)."""
    read: dict[tuple, list] = {}

    def cached(docnum, fieldname, default=0):
        key = (fieldname, default)
        lengths = read.get(key)
        if lengths is None:
            lengths = read[key] = [doc_field_length(d, fieldname, default) for d in range(doc_count)]
        return lengths[docnum]

    return cached
