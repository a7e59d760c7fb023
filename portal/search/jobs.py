"""The search feature's periodic job: forget outbox rows every machine has applied."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.orm import Session

from portal import jobs
from portal.core import clock
from portal.search.models import SearchOutboxEntry


@jobs.register("search.prune_outbox", every=dt.timedelta(days=1))
def prune_outbox(session: Session, now: dt.datetime | None = None, older_than=dt.timedelta(days=7)) -> int:
    """Delete outbox rows old enough that every machine has applied them (a machine whose indexer
    was stopped for longer than that rebuilds its index with `search reindex`)."""
    return session.execute(
        delete(SearchOutboxEntry).where(SearchOutboxEntry.created_at < (now or clock.now()) - older_than)
    ).rowcount
