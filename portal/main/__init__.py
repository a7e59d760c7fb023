"""The home page and static information pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal import search
from portal.core import clock, pagecache, uow

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    from portal.members.queries import member_count
    from portal.notices.queries import latest_for_home

    db = uow.session()
    notices = latest_for_home(db, clock.today())
    # the figures change a few times a day: counted again only once the data has changed
    counts = pagecache.memo("home-counts", lambda: {kind: source.count(db) for kind, source in search.SOURCES.items()})
    members = pagecache.memo("member-count", lambda: member_count(db))
    return render_template("main/index.html", member_count=members, notices=notices, counts=counts)


@bp.get("/about")
def about():
    return render_template("main/about.html")
