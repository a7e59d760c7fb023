"""The home page and static information pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from portal import search
from portal.core import clock, uow

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    from portal.members.models import Enterprise, Membership
    from portal.notices.queries import latest_for_home

    db = uow.session()
    member_count = db.scalar(
        select(func.count()).select_from(Enterprise).join(Membership).where(Enterprise.status == "member")
    )
    notices = latest_for_home(db, clock.today())
    counts = {kind: source.count(db) for kind, source in search.SOURCES.items()}
    return render_template("main/index.html", member_count=member_count or 0, notices=notices, counts=counts)


@bp.get("/about")
def about():
    return render_template("main/about.html")
