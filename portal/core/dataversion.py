"""The data's version: one small file that every process of the portal sees change when data is committed.

Whatever keeps something computed from the database (the page cache, rarely changing figures) keys it
by ``current()``. Every statement that writes is noticed on its connection (``watch``); when a session
whose transaction wrote to a table the public can see has committed, the file is replaced, so the next
request of every worker, process and command on the machine (they share ``PORTAL_DATA_DIR``, as they
share the search index) sees another version. The file is replaced *after* the commit: a reader that
saw the old version and stored what it read under it is outdated by the replacement; a reader that sees
the new version reads committed data.

Writes made outside the portal's units of work (``psql``, a restored backup) are not seen; run
``flask --app wsgi cache clear`` after them.
"""

from __future__ import annotations

import os
import re
import threading
import uuid
from pathlib import Path

from flask import current_app, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

FILE_NAME = "data-version"

# Tables no anonymous page shows, written by the portal's own machinery on nearly every request or job
# run: a write to them alone leaves the version as it is.
INTERNAL_TABLES = frozenset(
    {
        "alembic_version",
        "api_tokens",
        "audit_entries",
        "auth_tokens",
        "idempotent_requests",
        "job_states",
        "login_failures",
        "notifications",
        "outbox_mails",
        "rate_limit_hits",
    }
)

_WRITE = re.compile(r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
_KEY = "portal_written_tables"
_local = threading.local()


def watch(engine: Engine) -> None:
    """Note on each connection the tables its transaction writes to; act on them when it commits."""

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.info[_KEY] = set()

    @event.listens_for(engine, "before_cursor_execute")
    def _note(conn, _cursor, statement, _parameters, _context, _executemany):
        found = _WRITE.match(statement)
        if found:
            conn.info.setdefault(_KEY, set()).add(found.group(1).lower())

    @event.listens_for(engine, "commit")
    def _committing(conn):  # before the database commits: remember, act once it has (below)
        tables = conn.info.pop(_KEY, set())
        _local.wrote = getattr(_local, "wrote", False) or bool(tables)
        _local.public = getattr(_local, "public", False) or bool(tables - INTERNAL_TABLES)

    @event.listens_for(engine, "rollback")
    def _rolled_back(conn):
        conn.info.pop(_KEY, None)


@event.listens_for(Session, "after_commit")
def _committed(_session) -> None:
    """The database has committed: a new version if the transaction wrote what the public may see."""
    wrote, public = getattr(_local, "wrote", False), getattr(_local, "public", False)
    _local.wrote = _local.public = False
    if wrote and has_request_context():
        g._page_wrote = True  # an answer that wrote (a counted look-up) is never kept for others
    if public:
        bump()


def _path() -> Path:
    return Path(current_app.config["PORTAL_DATA_DIR"]) / FILE_NAME


def bump() -> None:
    """Replace the version file (a new inode: a change no two processes can miss)."""
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{FILE_NAME}.{uuid.uuid4().hex}")
    temporary.write_text(uuid.uuid4().hex)
    os.replace(temporary, path)


def current() -> tuple[int, int]:
    """The version now: the file's inode and time (the file is made on first use)."""
    path = _path()
    try:
        info = os.stat(path)
    except FileNotFoundError:
        bump()
        info = os.stat(path)
    return info.st_ino, info.st_mtime_ns
