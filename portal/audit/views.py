"""The audit-log page: every staff and admin action, newest first (administrators only), and its CSV."""

from __future__ import annotations

from flask import Response, render_template, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.audit import bp, catalogue, queries
from portal.core import clock, uow
from portal.core.paging import paginate, parse_paging
from portal.core.permissions import admin_required
from portal.core.spreadsheets import to_csv

CSV_LIMIT = 50_000


@bp.get("/staff/audit")
@admin_required
def log():
    page, per_page = parse_paging(request.args, default_per_page=50)
    filters, errors = queries.parse_filters(request.args)
    db = uow.session()
    found = paginate(db, queries.entries(filters), page, per_page)
    return render_template(
        "staff/audit.html",
        page=found,
        filters=filters,
        errors=errors,
        described=catalogue.describe(db, found.items),
        changes=queries.changes,
        actions=catalogue.ACTIONS,
        objects=catalogue.OBJECTS,
    ), (400 if errors else 200)


@bp.get("/staff/audit.csv")
@admin_required
def export():
    filters, errors = queries.parse_filters(request.args)
    if errors:
        return log()
    db = uow.session()
    stmt = queries.entries(filters)
    if db.scalar(select(func.count()).select_from(stmt.subquery())) > CSV_LIMIT:
        return _too_many()
    rows = list(db.scalars(stmt))
    described = catalogue.describe(db, rows)
    header = [_("时间"), _("操作人"), _("操作"), _("对象"), _("对象名称"), _("字段"), _("修改前"), _("修改后")]
    body = to_csv(header, _csv_rows(rows, described))
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'})


def _too_many():
    return Response(
        _("符合条件的记录超过%(n)s条，请缩小日期范围后再导出。", n=CSV_LIMIT), status=400, mimetype="text/plain"
    )


def _csv_rows(rows, described):
    """One line per changed field (an entry without fields gets one line), newest entry first."""
    for entry in rows:
        d = described[entry.id]
        head = [clock.format_datetime(entry.at), entry.actor_label, d.action, d.object_kind, d.object_name]
        for label, before, after in queries.changes(entry) or [("", "", "")]:
            yield [*head, label, before, after]
