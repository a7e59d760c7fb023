"""The notices' search source "notice": a notice enters the index once its publication date has come."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import jobs, search
from portal.notices.models import Notice

KIND = "notice"


def notice_document(notice) -> search.SearchDocument | None:
    """The index entry of a notice; one whose publication date has not come is not indexed yet."""
    from portal.core import clock
    from portal.notices.services import NOTICE_KINDS

    if notice.published_on > clock.today():
        return None
    return search.SearchDocument(
        kind=KIND,
        id=notice.id,
        title=notice.title,
        texts=[notice.body, notice.source, NOTICE_KINDS.label(notice.kind, "zh")],
        facets={"category": notice.kind, "year": str(notice.published_on.year)},
        date=int(notice.published_on.strftime("%Y%m%d")),
    )


def present_notice(notice) -> search.Presented:
    """A notice as a search result."""
    from portal.notices.services import NOTICE_KINDS

    return search.Presented(
        title=notice.title,
        url=f"/notices/{notice.id}",
        text=notice.body or notice.source,
        date=notice.published_on,
        label=NOTICE_KINDS.label(notice.kind),
    )


search.register_model_source(
    KIND,
    Notice,
    document=notice_document,
    present=present_notice,
    label=_l("通知公告"),
    facets={"category": "notice_kind"},
    shown_facets=("year",),
)


@jobs.register("notices.index_published", every=dt.timedelta(hours=1))
def _index_published(session, now):
    """Notices dated today or yesterday enter the index once their publication date has come."""
    from portal.core.clock import LOCAL_TZ

    today = now.astimezone(LOCAL_TZ).date()
    for notice_id in session.scalars(
        select(Notice.id).where(Notice.published_on.between(today - dt.timedelta(days=1), today))
    ):
        search.enqueue(session, KIND, notice_id)
