"""Public verification (/verify) and the staff register (/staff/documents)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.core import ratelimit, uow
from portal.core.paging import parse_paging
from portal.core.permissions import staff_read_required, staff_required
from portal.core.views import attempt, current_actor
from portal.documents import bp, queries, register, services
from portal.documents.kinds import KINDS
from portal.documents.numbers import BadNumber, normalise


def count_lookup() -> None:
    """Count this client's look-up (kept even when the answer is 404); 429 past VERIFY_RATE_LIMIT a window."""
    config = current_app.config
    ratelimit.hit(
        uow.session(),
        f"verify:{request.remote_addr or '-'}",
        limit=config["VERIFY_RATE_LIMIT"],
        window=config["VERIFY_RATE_WINDOW_SECONDS"],
    )
    uow.commit()


@bp.get("/verify")
def verify_form():
    number = (request.args.get("number") or "").strip()
    if not number:
        return render_template("documents/verify_form.html", number="", error=None)
    try:
        return redirect(url_for("documents.verify", number=normalise(number)), 303)
    except BadNumber:
        error = _("编号格式不正确或校验位不符，请核对后重新输入（例如 HY-2026-7K3QD-M9X2P-T）。")
        return render_template("documents/verify_form.html", number=number[:60], error=error), 400


@bp.get("/verify/<docnumber:number>")
@uow.writes
def verify(number: str):
    count_lookup()
    document = register.lookup(uow.session(), number)
    if document is None:
        message = _("未找到编号为 %(number)s 的文件。请核对编号；如有疑问请联系协会。", number=number[:60])
        return render_template("documents/verify_form.html", number=number[:60], error=message), 404
    return render_template("documents/verify.html", doc=queries.public_view(document))


@bp.get("/staff/documents")
@staff_read_required
def staff_index():
    page, per_page = parse_paging(request.args, default_per_page=50)
    filters = queries.DocumentFilters.parse(request.args)
    result = queries.staff_list(uow.session(), filters, page, per_page)
    return render_template(
        "documents/staff_index.html",
        page=result,
        filters=filters,
        kinds=KINDS,
        statuses=queries.STATUSES,
        status_label=queries.status_label,
    )


@bp.post("/staff/documents/<int:document_id>/revoke")
@staff_required
def revoke(document_id: int):
    reason = request.form.get("reason", "")
    if attempt(lambda: services.revoke(uow.session(), current_actor(), document_id, reason)):
        flash(_("文件已撤销。"), "success")
    return redirect(url_for("documents.staff_index", q=request.form.get("q", "")), 303)


@bp.post("/staff/documents/<int:document_id>/reissue")
@staff_required
def reissue(document_id: int):
    new = attempt(lambda: services.reissue(uow.session(), current_actor(), document_id))
    if new is not None:
        flash(_("已换发新编号 %(number)s，原编号标为已被替换。", number=new.number), "success")
    return redirect(url_for("documents.staff_index", q=new.number if new else ""), 303)
