"""Membership: applications and review, the directory, the member area, staff pages, jobs."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app

from portal import jobs, search

members_bp = Blueprint("members", __name__)
account_bp = Blueprint("account", __name__)
staff_bp = Blueprint("staff", __name__)


@jobs.register("members.cycle", every=dt.timedelta(hours=1))
def _membership_cycle(session, now):
    """Renewals, reminders (30 and 7 days), grace and lapse, by the local date of `now`."""
    from portal.core.clock import LOCAL_TZ
    from portal.members.services import run_membership_cycle

    return run_membership_cycle(
        session,
        now.astimezone(LOCAL_TZ).date(),
        grace_days=current_app.config["MEMBERSHIP_GRACE_DAYS"],
        reminder_days=current_app.config["MEMBERSHIP_REMINDER_DAYS"],
    )


def _member_document(enterprise):
    from portal.core.enums import ACTIVITIES, CITIES, TIERS
    from portal.search import SearchDocument

    membership = enterprise.membership
    return SearchDocument(
        kind="member",
        id=enterprise.id,
        title=enterprise.name,
        texts=[
            enterprise.description or "",
            enterprise.address,
            enterprise.credit_code,
            " ".join(ACTIVITIES.label(a, "zh") for a in enterprise.activities),
            CITIES.label(enterprise.city, "zh"),
            TIERS.label(membership.tier, "zh") if membership else "",
        ],
        facets={"city": enterprise.city, "tier": membership.tier if membership else ""},
    )


def _load_members(session, ids):
    from sqlalchemy import select

    from portal.members.models import Enterprise

    rows = session.scalars(select(Enterprise).where(Enterprise.id.in_(ids))).all()
    found = {e.id: _member_document(e) for e in rows if e.status == "member" and e.membership is not None}
    return {i: found.get(i) for i in ids}  # applicants and rejected enterprises stay out of the index


def _member_ids(session):
    from sqlalchemy import select

    from portal.members.models import Enterprise

    return session.scalars(select(Enterprise.id).where(Enterprise.status == "member").order_by(Enterprise.id))


def _member_count(session):
    from sqlalchemy import func, select

    from portal.members.models import Enterprise

    return session.scalar(select(func.count()).select_from(Enterprise).where(Enterprise.status == "member")) or 0


def _present_members(session, ids):
    from sqlalchemy import select

    from portal.core.enums import TIERS
    from portal.members.models import Enterprise
    from portal.search import Presented

    return {
        e.id: Presented(
            title=e.name,
            url=f"/members/{e.id}",
            text=f"{e.description or ''}　{e.address}",
            label=TIERS.label(e.membership.tier) if e.membership else "",
        )
        for e in session.scalars(select(Enterprise).where(Enterprise.id.in_(ids)))
    }


search.register_source("member", load=_load_members, all_ids=_member_ids, count=_member_count, present=_present_members)

from portal.members import account_views, staff_views, views  # noqa: E402,F401
