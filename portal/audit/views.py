"""The audit-log page: every staff and admin action, newest first (administrators only)."""

from __future__ import annotations

from flask import render_template, request

from portal.audit import bp, queries
from portal.core import uow
from portal.core.paging import paginate, parse_paging
from portal.core.permissions import admin_required


@bp.get("/staff/audit")
@admin_required
def log():
    page, per_page = parse_paging(request.args, default_per_page=50)
    stmt = queries.entries(
        object_type=request.args.get("object_type") or None,
        action=request.args.get("action") or None,
        actor=(request.args.get("actor") or "").strip()[:100] or None,
    )
    return render_template(
        "staff/audit.html",
        page=paginate(uow.session(), stmt, page, per_page),
        changes=queries.changes,
    )
