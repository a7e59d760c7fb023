"""Reading notices: the public list (published, unexpired), the home page, the staff list."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from portal.notices.models import Notice


def current(today: dt.date, kind: str | None = None) -> Select:
    """Published and not expired, newest first."""
    stmt = select(Notice).where(
        Notice.published_on <= today, or_(Notice.expires_on.is_(None), Notice.expires_on >= today)
    )
    if kind:
        stmt = stmt.where(Notice.kind == kind)
    return stmt.order_by(Notice.published_on.desc(), Notice.id.desc())


def latest_for_home(session: Session, today: dt.date, limit: int = 5) -> list[Notice]:
    """The newest unexpired notices and news (policy documents have their own list)."""
    stmt = current(today).where(Notice.kind.in_(("notice", "news"))).limit(limit)
    return list(session.scalars(stmt))


def all_for_staff() -> Select:
    return select(Notice).order_by(Notice.published_on.desc(), Notice.id.desc())
