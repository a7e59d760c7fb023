"""The notification centre."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.core import uow
from portal.core.paging import paginate, parse_paging
from portal.notify import bp, services


@bp.get("/notifications")
@login_required
def index():
    page, per_page = parse_paging(request.args)
    result = paginate(uow.session(), services.notifications_query(current_user.id), page, per_page)
    return render_template("notify/index.html", page=result)


@bp.post("/notifications/read")
@login_required
def mark_read():
    raw = request.form.get("id", "").strip()
    # No id means "all"; an id that is not a number is refused rather than read as "all".
    if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        abort(400)
    services.mark_read(uow.session(), current_user.id, int(raw) if raw else None)
    return redirect(url_for("notify.index"))
