"""The portal-wide search module.

The database is the source of truth; the index (one per machine, PORTAL_INDEX_DIR) is derived.

* A feature registers a *source* per kind: how to turn record ids into ``SearchDocument``s (None when
  a record must leave the index) and how to list every id.
* A service that changes a searchable record calls ``enqueue(session, kind, id)`` in the same
  transaction, which writes a row to the ``search_outbox`` table.
* ``catch_up()`` applies the outbox in order, one indexer at a time per machine (a file lock), and
  remembers in the index folder the last row applied, so each machine's index follows the database
  on its own. Ids that were skipped (a transaction still open when a later one committed) are kept
  as holes and looked at again for a while, so no change is lost. Applying reads each record's
  current state, so applying a row twice is harmless.
* ``flask search follow`` runs catch-up continuously (started by ``make run``); ``flask search
  reindex`` rebuilds everything from the database; commands apply their own changes before exiting.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import String, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal import jobs
from portal.core import clock
from portal.db import Base
from portal.search.engine import SCHEMA_VERSION, Hits, SearchDocument, SearchEngine

HOLE_PATIENCE_SECONDS = 120
__all__ = [
    "Hits",
    "Presented",
    "SearchDocument",
    "catch_up",
    "engine",
    "enqueue",
    "register_source",
    "reindex",
    "search",
]


class SearchOutboxEntry(Base):
    """A change to a searchable record, written in the same transaction as the change."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now, index=True)


@dataclass(frozen=True)
class Presented:
    """How a search result is shown: its title, link, the text fragments are cut from, its date."""

    title: str
    url: str
    text: str
    date: dt.date | None = None
    label: str = ""  # e.g. the kind or level shown beside the title


@dataclass(frozen=True)
class Source:
    kind: str
    load: Callable[[Session, list[int]], dict[int, SearchDocument | None]]
    all_ids: Callable[[Session], Iterable[int]]
    count: Callable[[Session], int]
    present: Callable[[Session, list[int]], dict[int, Presented]] | None = None


SOURCES: dict[str, Source] = {}
_ENGINES: dict[str, SearchEngine] = {}


def register_source(kind: str, *, load, all_ids, count, present=None) -> None:
    """Declare how records of `kind` become documents, and (for /search) how a hit is shown."""
    SOURCES[kind] = Source(kind, load, all_ids, count, present)


def engine() -> SearchEngine:
    """This process's engine for the configured index folder."""
    index_dir = current_app.config["PORTAL_INDEX_DIR"]
    if index_dir not in _ENGINES:
        _ENGINES[index_dir] = SearchEngine(index_dir)
    return _ENGINES[index_dir]


def enqueue(session: Session, kind: str, object_id: int) -> None:
    """Record that a searchable record changed (flushes with the caller's transaction)."""
    session.add(SearchOutboxEntry(kind=kind, object_id=object_id))


def search(text: str, **kwargs) -> Hits:
    return engine().search(text, **kwargs)


# --- the indexer ------------------------------------------------------------------------------


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


def _apply(session: Session, pairs: Iterable[tuple[str, int]]) -> None:
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
        for object_id in ids:
            doc = documents.get(object_id)
            if doc is None:
                deletes.append(f"{kind}:{object_id}")
            else:
                upserts.append(doc)
    if upserts or deletes:
        engine().write(upserts, deletes)


def catch_up(*, batch: int = 2000, blocking: bool = True) -> int:
    """Apply outbox rows not yet applied on this machine; returns how many rows were applied."""
    from portal.db import get_db

    if _read_state().get("schema") != SCHEMA_VERSION:
        # The index was written by a version of the portal with another schema: rebuild it.
        return reindex()
    applied = 0
    with indexer_lock(blocking) as locked:
        if not locked:
            return 0
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
            if len(rows) < batch:
                return applied


def _expire_holes(state: dict, holes: dict[int, float]) -> None:
    """Forget holes older than the patience (their transaction rolled back)."""
    now = time.time()
    kept = {k: v for k, v in holes.items() if now - v < HOLE_PATIENCE_SECONDS}
    state["holes"] = {str(k): v for k, v in kept.items()}
    _write_state(state)


def reindex(progress: Callable[[int, int], None] | None = None, *, chunk: int = 1000) -> int:
    """Rebuild the whole index from the database; returns the number of documents."""
    from portal.db import get_db

    with indexer_lock() as _locked, get_db().session(write=False) as session:
        start_id = session.scalar(select(func.max(SearchOutboxEntry.id))) or 0
        total = sum(source.count(session) for source in SOURCES.values())
        done = 0
        engine().recreate()
        documents: list[SearchDocument] = []
        for source in SOURCES.values():
            ids = list(source.all_ids(session))
            for i in range(0, len(ids), chunk):
                part = ids[i : i + chunk]
                documents.extend(d for d in source.load(session, part).values() if d is not None)
                done += len(part)
                if progress:
                    progress(done, total)
        engine().write(documents, [])  # one commit, one segment: no merging afterwards
        _write_state({"last_id": start_id, "holes": {}})
    catch_up()  # what changed while rebuilding
    return done


def status(session: Session) -> dict:
    """Indexed count against database count, per kind (for /healthz)."""
    eng = engine()
    report = {}
    for kind, source in SOURCES.items():
        report[kind] = {"database": source.count(session), "indexed": eng.count(kind)}
    pending = session.scalar(
        select(func.count()).select_from(SearchOutboxEntry).where(SearchOutboxEntry.id > _read_state()["last_id"])
    )
    return {"kinds": report, "pending_changes": pending or 0}


@jobs.register("search.prune_outbox", every=dt.timedelta(days=1))
def prune_outbox(session: Session, now: dt.datetime | None = None, older_than=dt.timedelta(days=7)) -> int:
    """Delete outbox rows old enough that every machine has applied them (a machine whose indexer
    was stopped for longer than that rebuilds its index with `search reindex`)."""
    from sqlalchemy import delete

    return session.execute(
        delete(SearchOutboxEntry).where(SearchOutboxEntry.created_at < (now or clock.now()) - older_than)
    ).rowcount
