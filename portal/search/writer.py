"""How the engine opens a Whoosh writer for a big batch (``SearchEngine.write``), and how a rebuild
writes its documents on two cores (``write_fresh``).

Two costs of Whoosh's defaults dominate a rebuild or an import of 10,000 outlets (cProfile):
* the posting pool spills to temporary runs once it holds ~128 MB by its own estimate, and every
  posting is then pickled, read back and heap-merged; a larger pool sorts 10,000 outlets in memory.
  The pool still spills beyond its limit, so memory stays bounded for any index size.
* when the new segment's postings are written, Whoosh asks for each posting's field length, and for
  a field without lengths (every ID field: key, kind, the facets) it looks for the missing column
  file on disk each time: one stat() per posting. The answer cannot change while the segment is
  flushed (its per-document files are closed by then), so it is remembered; the lengths themselves
  are read once per field rather than once per posting.

A rebuild (``search reindex``) spends nearly all its time turning documents into postings in Python,
one core busy. With two cores or more and enough documents, ``write_fresh`` forks a child that writes
the second half of the documents as a segment of its own while this process writes the first half;
both segments are committed together, first half first, so every document gets the number one writer
would have given it (ranking ties keep index order) and nothing is merged.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence

from whoosh.writing import LockError, SegmentWriter

from portal.search.analysis import WARM_UP_THREAD

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
    return _tuned(writer)


def _tuned(writer):
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


PARALLEL_FROM = 1000  # documents: fewer are written by one process (a fork costs more than it saves)


def add_and_commit(ix, writer, documents: Sequence, fields: Callable[[object], dict], *, merge: bool = True) -> None:
    """Add documents, in order, with writer (deletions already made), and commit: with two cores and
    many documents, the second half in a forked child's segment, committed after this writer's own.
    Whoosh's commit steps, with that second segment: the merge policy (small segments merged into this
    writer's, unless merge is False), this writer's segment, the child's."""
    try:
        child = None
        if len(documents) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1 and _may_fork():
            half = len(documents) // 2
            child = _Part(ix, documents[half:], fields)  # forked: it inherits the documents, no copying
            documents = documents[:half]
        for doc in documents:
            writer.add_document(**fields(doc))
        if child is None:
            writer.commit(merge=merge)
            return
        segments = writer._merge_segments(None, None, merge)
        segments.append(writer._finalize_segment())
        segments.append(child.segment())
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    writer._commit_toc(segments)
    writer._finish()


def write_fresh(ix, documents: Sequence, fields: Callable[[object], dict]) -> None:
    """Add documents, in order, to ix, which holds none (it was just recreated); one commit, no merge."""
    add_and_commit(ix, open_writer(ix), documents, fields, merge=False)


def _may_fork() -> bool:
    """Whether no other thread runs (a fork copies locks held by other threads), once jieba's loading in
    the background (create_app) has finished: the documents need the dictionary in any case."""
    for thread in threading.enumerate():
        if thread.name == WARM_UP_THREAD:
            thread.join()
    return threading.active_count() == 1


class _Part:
    """A forked process writing documents as a segment of ix without taking its lock (the parent holds it)."""

    def __init__(self, ix, documents: Sequence, fields) -> None:
        context = multiprocessing.get_context("fork")
        self._answer, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=_write_part, args=(ix, documents, fields, sender), daemon=True)
        self._process.start()
        sender.close()

    def segment(self):
        try:
            kind, value = self._answer.recv()
        except EOFError:
            kind, value = "error", f"the writing process ended with code {self._process.exitcode}"
        finally:
            self._process.join()
        if kind == "error":
            raise RuntimeError(f"writing half of the index failed: {value}")
        return value


def _write_part(ix, documents, fields, sender) -> None:
    try:
        writer = _tuned(SegmentWriter(ix, _lk=False, limitmb=POOL_LIMIT_MB))
        for doc in documents:
            writer.add_document(**fields(doc))
        sender.send(("segment", writer._finalize_segment()))
    except BaseException as err:  # told to the parent, which cancels the rebuild
        sender.send(("error", repr(err)))
