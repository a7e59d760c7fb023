"""Reading notices: the public list (published, unexpired), the home page, the staff list."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from portal.core.sql import get_or_not_found
from portal.errors import NotFound
from portal.notices.models import Notice, NoticeAttachment


def get_notice(session: Session, notice_id: int) -> Notice:
    """A notice, scheduled ones too; NotFound when there is none."""
    return get_or_not_found(session, Notice, notice_id, _("该通知不存在。"))


def visible_notice(session: Session, notice_id: int, today: dt.date, *, staff: bool) -> Notice | None:
    """The notice if the viewer may see it (a scheduled one only for staff), else None."""
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NotFound(_("该通知不存在。"))
    if notice.published_on > today and not staff:
        return None
    return notice


def get_attachment(session: Session, attachment_id: int) -> NoticeAttachment | None:
    """An attachment of a notice, or None."""
    return session.get(NoticeAttachment, attachment_id)


def find_by_title(session: Session, title: str) -> Notice | None:
    """The first notice with exactly this title, or None."""
    return session.scalar(select(Notice).where(Notice.title == title).limit(1))


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
    """Every notice, scheduled and expired ones too, newest first."""
    return select(Notice).order_by(Notice.published_on.desc(), Notice.id.desc())
