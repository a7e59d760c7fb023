"""Notice pages: the public list and detail, attachments, staff publishing."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core import clock, uow
from portal.core.files import send_upload
from portal.core.paging import paginate, parse_paging
from portal.core.permissions import STAFF, has_role, staff_read_required, staff_required
from portal.core.views import current_actor, render_form, submit
from portal.errors import DomainError
from portal.notices import bp, queries, services
from portal.notices.forms import NoticeForm


@bp.get("/notices")
def index():
    kind_raw = (request.args.get("kind") or "").strip()
    kind = services.NOTICE_KINDS.parse(kind_raw) if kind_raw else None
    if kind_raw and kind is None:
        raise DomainError(_("无法识别的类别：%(v)s", v=kind_raw), {"kind": _("无法识别的类别。")})
    page, per_page = parse_paging(request.args)
    result = paginate(uow.session(), queries.current(clock.today(), kind), page, per_page)
    return render_template("notices/index.html", page=result, kind=kind)


@bp.get("/notices/<int:notice_id>")
def detail(notice_id: int):
    today = clock.today()
    notice = queries.visible_notice(uow.session(), notice_id, today, staff=has_role(current_user, STAFF))
    if notice is None:
        abort(404)  # scheduled, not yet public
    return render_template("notices/detail.html", notice=notice, expired=notice.is_expired(today))


@bp.get("/notices/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    db = uow.session()
    found = queries.get_attachment(db, attachment_id)
    if found is None:
        abort(404)
    notice = queries.visible_notice(db, found.notice_id, clock.today(), staff=has_role(current_user, STAFF))
    if notice is None:
        abort(404)
    inline = request.args.get("download") is None
    published = notice.published_on <= clock.today()  # staff previewing a scheduled notice: not cacheable
    return send_upload(found.file, found.mime, found.original_name, attachment=not inline, public=published)


# --- staff ---------------------------------------------------------------------------------------------


@bp.get("/staff/notices")
@staff_read_required
def manage():
    page, per_page = parse_paging(request.args)
    result = paginate(uow.session(), queries.all_for_staff(), page, per_page)
    return render_template("notices/manage.html", page=result, today=clock.today())


def _input(form: NoticeForm) -> services.NoticeInput:
    return services.NoticeInput(
        kind=form.kind.data or "",
        title=form.title.data or "",
        source=form.source.data or "",
        body=form.body.data or "",
        published_on=form.published_on.data or "",
        expires_on=form.expires_on.data or "",
    )


def _files(form: NoticeForm):
    return services.check_files(form.attachments.data)


@bp.route("/staff/notices/new", methods=["GET", "POST"])
@staff_required
def create():
    form = NoticeForm()
    if request.method == "GET":
        form.published_on.data = clock.today().isoformat()
    db, actor = uow.session(), current_actor()
    notice = submit(form, lambda: services.publish(db, actor, _input(form), _files(form)))
    if notice is not None:
        flash(_("已发布。"), "success")
        return redirect(url_for("notices.detail", notice_id=notice.id))
    return render_form("notices/form.html", form, notice=None)


def _fill(form: NoticeForm, notice) -> None:
    form.kind.data, form.title.data, form.source.data = notice.kind, notice.title, notice.source
    form.body.data, form.published_on.data = notice.body, notice.published_on.isoformat()
    form.expires_on.data = notice.expires_on.isoformat() if notice.expires_on else ""


@bp.route("/staff/notices/<int:notice_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(notice_id: int):
    db, actor = uow.session(), current_actor()
    notice = queries.get_notice(db, notice_id)
    form = NoticeForm(obj=None)
    if request.method == "GET":
        _fill(form, notice)
    if submit(form, lambda: services.update(db, actor, notice.id, _input(form), _files(form))):
        flash(_("已保存。"), "success")
        return redirect(url_for("notices.detail", notice_id=notice.id))
    return render_form("notices/form.html", form, notice=notice)


@bp.post("/staff/notices/<int:notice_id>/delete")
@staff_required
def delete(notice_id: int):
    services.delete(uow.session(), current_actor(), notice_id)
    flash(_("已删除。"), "success")
    return redirect(url_for("notices.manage"))


@bp.post("/staff/notices/attachments/<int:attachment_id>/delete")
@staff_required
def delete_attachment(attachment_id: int):
    notice = services.remove_attachment(uow.session(), current_actor(), attachment_id)
    flash(_("附件已删除。"), "success")
    return redirect(url_for("notices.edit", notice_id=notice.id))
