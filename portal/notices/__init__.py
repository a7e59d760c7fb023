"""Policy documents, notices and news: public list and detail, staff publishing, search source "notice"."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint
from sqlalchemy import func, select

from portal import jobs, search
from portal.search.engine import SearchDocument

bp = Blueprint("notices", __name__)
KIND = "notice"


def notice_document(notice) -> SearchDocument | None:
    """The index entry of a notice; one whose publication date has not come is not indexed yet."""
    from portal.core import clock
    from portal.notices.services import NOTICE_KINDS

    if notice.published_on > clock.today():
        return None
    return SearchDocument(
        kind=KIND,
        id=notice.id,
        title=notice.title,
        texts=[notice.body, notice.source, NOTICE_KINDS.label(notice.kind, "zh")],
        facets={"category": notice.kind, "year": str(notice.published_on.year)},
        date=int(notice.published_on.strftime("%Y%m%d")),
    )


def _load(session, ids):
    from portal.notices.models import Notice

    found = {n.id: notice_document(n) for n in session.scalars(select(Notice).where(Notice.id.in_(ids)))}
    return {i: found.get(i) for i in ids}


def _all_ids(session):
    from portal.notices.models import Notice

    return session.scalars(select(Notice.id).order_by(Notice.id))


def _count(session):
    from portal.notices.models import Notice

    return session.scalar(select(func.count()).select_from(Notice)) or 0


def _present(session, ids):
    from portal.notices.models import Notice
    from portal.notices.services import NOTICE_KINDS

    return {
        n.id: search.Presented(
            title=n.title,
            url=f"/notices/{n.id}",
            text=n.body or n.source,
            date=n.published_on,
            label=NOTICE_KINDS.label(n.kind),
        )
        for n in session.scalars(select(Notice).where(Notice.id.in_(ids)))
    }


search.register_source(KIND, load=_load, all_ids=_all_ids, count=_count, present=_present)


@jobs.register("notices.index_published", every=dt.timedelta(hours=1))
def _index_published(session, now):
    """Notices dated today or yesterday enter the index once their publication date has come."""
    from portal.core.clock import LOCAL_TZ
    from portal.notices.models import Notice

    today = now.astimezone(LOCAL_TZ).date()
    for notice_id in session.scalars(
        select(Notice.id).where(Notice.published_on.between(today - dt.timedelta(days=1), today))
    ):
        search.enqueue(session, KIND, notice_id)


@bp.app_context_processor
def _enums():
    from portal.notices.services import NOTICE_KINDS

    return {"NOTICE_KINDS": NOTICE_KINDS}


from portal.notices import views  # noqa: E402,F401
