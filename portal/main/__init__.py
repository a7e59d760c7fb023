"""The home page and static information pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from portal.core import uow

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    from portal.members.models import Enterprise, Membership

    db = uow.session()
    member_count = db.scalar(
        select(func.count()).select_from(Enterprise).join(Membership).where(Enterprise.status == "member")
    )
    return render_template("main/index.html", member_count=member_count or 0)


@bp.get("/about")
def about():
    return render_template("main/about.html")
