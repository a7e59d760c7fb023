"""The indexer: applies the search outbox to this machine's index, rebuilds it, checks it.

* ``enqueue(session, kind, id)`` writes an outbox row in the caller's transaction.
* ``catch_up()`` applies the outbox in order, one indexer at a time per machine (a file lock), and
  remembers in the index folder the last row applied, so each machine's index follows the database
  on its own. Ids that were skipped (a transaction still open when a later one committed) are kept
  as holes and looked at again for a while, so no change is lost. Applying reads each record's
  current state, so applying a row twice is harmless.
* ``reindex()`` rebuilds everything from the database; ``verify()`` compares the index with the
  database record by record and ``repair()`` re-applies exactly the records that differ.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from portal.search.engine import SCHEMA_VERSION, SearchDocument
from portal.search.index import engine
from portal.search.models import SearchOutboxEntry
from portal.search.sources import SOURCES

HOLE_PATIENCE_SECONDS = 120
Progress = Callable[[str, int, int], None]  # fn(phase, done, total)


def enqueue(session: Session, kind: str, object_id: int) -> None:
    """Record that a searchable record changed (flushes with the caller's transaction)."""
    session.add(SearchOutboxEntry(kind=kind, object_id=object_id))


# --- state and lock ----------------------------------------------------------------------------


def _state_path() -> Path:
    return Path(current_app.config["PORTAL_INDEX_DIR"]) / "outbox_state.json"


def _read_state() -> dict:
    try:
        return json.loads(_state_path().read_text())
    except (FileNotFoundError, ValueError):
        return {"last_id": 0, "holes": {}, "schema": SCHEMA_VERSION}


def _write_state(state: dict) -> None:
    state = {**state, "schema": SCHEMA_VERSION}
    path = _state_path()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state))
    os.replace(tmp, path)


@contextmanager
def indexer_lock(blocking: bool = True):
    """One indexer at a time on this machine (all processes sharing the index folder)."""
    folder = Path(current_app.config["PORTAL_INDEX_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "indexer.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- applying changes --------------------------------------------------------------------------


def _apply(session: Session, pairs: Iterable[tuple[str, int]]) -> None:
    """Write each record's current state (or its removal) to the index, in one commit."""
    by_kind: dict[str, set[int]] = {}
    for kind, object_id in pairs:
        by_kind.setdefault(kind, set()).add(object_id)
    upserts: list[SearchDocument] = []
    deletes: list[str] = []
    for kind, ids in by_kind.items():
        source = SOURCES.get(kind)
        if source is None:
            continue
        documents = source.load(session, sorted(ids))
        for object_id in sorted(ids):
            doc = documents.get(object_id)
            if doc is None:
                deletes.append(f"{kind}:{object_id}")
            else:
                upserts.append(doc)
    if upserts or deletes:
        engine().write(upserts, deletes)


def catch_up(*, batch: int = 2000, blocking: bool = True, progress: Progress | None = None) -> int:
    """Apply outbox rows not yet applied on this machine; returns how many rows were applied.

    ``progress("indexing", done, total)`` is told after each batch (total: the rows pending at the
    start, or more when more arrived meanwhile)."""
    from portal.db import get_db

    if _read_state().get("schema") != SCHEMA_VERSION:
        # The index was written by a version of the portal with another schema: rebuild it.
        return reindex(progress)
    applied = 0
    with indexer_lock(blocking) as locked:
        if not locked:
            return 0
        pending = _pending(progress)
        while True:
            state = _read_state()
            last_id, holes = state["last_id"], {int(k): v for k, v in state["holes"].items()}
            with get_db().session(write=False) as session:
                condition = SearchOutboxEntry.id > last_id
                if holes:
                    condition = or_(condition, SearchOutboxEntry.id.in_(list(holes)))
                rows = session.execute(
                    select(SearchOutboxEntry.id, SearchOutboxEntry.kind, SearchOutboxEntry.object_id)
                    .where(condition)
                    .order_by(SearchOutboxEntry.id)
                    .limit(batch)
                ).all()
                if not rows:
                    _expire_holes(state, holes)
                    return applied
                _apply(session, [(r.kind, r.object_id) for r in rows])
            seen = {r.id for r in rows}
            now = time.time()
            new_last = max(last_id, max(seen))
            for missing in range(last_id + 1, new_last):
                if missing not in seen:
                    holes.setdefault(missing, now)
            for found in seen:
                holes.pop(found, None)
            state = {"last_id": new_last, "holes": {str(k): v for k, v in holes.items()}}
            _expire_holes(state, holes)
            applied += len(rows)
            if progress:
                pending = max(pending, applied)
                progress("indexing", applied, pending)
            if len(rows) < batch:
                return applied


def _pending(progress: Progress | None) -> int:
    """How many outbox rows this machine has not applied yet (counted only when someone is told)."""
    from portal.db import get_db

    if progress is None:
        return 0
    state = _read_state()
    holes = [int(k) for k in state["holes"]]
    condition = SearchOutboxEntry.id > state["last_id"]
    if holes:
        condition = or_(condition, SearchOutboxEntry.id.in_(holes))
    with get_db().session(write=False) as session:
        total = session.scalar(select(func.count()).select_from(SearchOutboxEntry).where(condition)) or 0
    progress("indexing", 0, total)
    return total


def _expire_holes(state: dict, holes: dict[int, float]) -> None:
    """Forget holes older than the patience (their transaction rolled back)."""
    now = time.time()
    kept = {k: v for k, v in holes.items() if now - v < HOLE_PATIENCE_SECONDS}
    state["holes"] = {str(k): v for k, v in kept.items()}
    _write_state(state)


def reindex(progress: Progress | None = None, *, chunk: int = 1000) -> int:
    """Rebuild the whole index from the database; returns the number of documents.

    ``progress(phase, done, total)`` is told how far "loading" (records read of records) is after
    each chunk, then "writing" (0 of the documents, then all of them, once committed)."""
    from portal.db import get_db

    tell = progress or _silent
    with indexer_lock() as _locked, get_db().session(write=False) as session:
        start_id = session.scalar(select(func.max(SearchOutboxEntry.id))) or 0
        total = sum(source.count(session) for source in SOURCES.values())
        done = 0
        engine().recreate()
        documents: list[SearchDocument] = []
        tell("loading", 0, total)
        for source in SOURCES.values():
            ids = list(source.all_ids(session))
            for i in range(0, len(ids), chunk):
                part = ids[i : i + chunk]
                documents.extend(d for d in source.load(session, part).values() if d is not None)
                done += len(part)
                tell("loading", done, max(total, done))
        tell("writing", 0, len(documents))
        engine().write_fresh(documents)  # one commit, no merging
        tell("writing", len(documents), len(documents))
        _write_state({"last_id": start_id, "holes": {}})
    catch_up()  # what changed while rebuilding
    return done


def _silent(phase: str, done: int, total: int) -> None:
    return None


# --- checking ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One record on which the index and the database disagree."""

    kind: str
    id: int
    problem: str  # "missing" (not in the index), "extra" (in the index only), "stale", "duplicate"

    def __str__(self) -> str:
        what = {
            "missing": "missing in index",
            "extra": "extra in index",
            "stale": "stale digest",
            "duplicate": "indexed more than once",
        }[self.problem]
        return f"{self.kind}:{self.id} {what}"


def differences(session: Session, *, digests: bool = True, chunk: int = 1000) -> list[Difference]:
    """Every record on which the index and the database disagree, by kind and id.

    With ``digests`` every record is loaded and its document's digest compared with the index's
    (a stale entry is found); without, only ids are compared and only records whose id the index
    lacks are loaded (cheap enough for /healthz)."""
    eng = engine()
    found: list[Difference] = []
    for kind, source in SOURCES.items():
        ids = eng.ids(kind)
        indexed = eng.digests(kind) if digests else dict.fromkeys(ids, "")
        found.extend(Difference(kind, i, "duplicate") for i, n in sorted(Counter(ids).items()) if n > 1)
        in_database = list(source.all_ids(session))
        to_load = in_database if digests else [i for i in in_database if i not in indexed]
        expected: dict[int, str] = {}
        for start in range(0, len(to_load), chunk):
            part = to_load[start : start + chunk]
            for object_id, doc in source.load(session, part).items():
                if doc is not None:
                    expected[object_id] = doc.digest()
        known = set(in_database)
        for object_id in sorted(set(expected) | set(indexed)):
            if object_id not in indexed:
                found.append(Difference(kind, object_id, "missing"))
            elif object_id not in known or (digests and object_id not in expected):
                found.append(Difference(kind, object_id, "extra"))
            elif digests and expected[object_id] != indexed[object_id]:
                found.append(Difference(kind, object_id, "stale"))
    return found


def verify(session: Session) -> list[Difference]:
    """Compare the index with the database record by record, digest by digest."""
    return differences(session, digests=True)


def repair(session: Session, found: Iterable[Difference]) -> int:
    """Re-apply exactly the records that differ (under the indexer lock); returns how many."""
    pairs = sorted({(d.kind, d.id) for d in found})
    if pairs:
        with indexer_lock():
            _apply(session, pairs)
    return len(pairs)


def status(session: Session) -> dict:
    """Indexed count against database count, per kind, and the kinds whose records differ (for /healthz)."""
    eng = engine()
    report = {}
    for kind, source in SOURCES.items():
        report[kind] = {"database": source.count(session), "indexed": eng.count(kind)}
    pending = session.scalar(
        select(func.count()).select_from(SearchOutboxEntry).where(SearchOutboxEntry.id > _read_state()["last_id"])
    )
    differing = sorted({d.kind for d in differences(session, digests=False)})
    return {"kinds": report, "pending_changes": pending or 0, "differing_kinds": differing}
