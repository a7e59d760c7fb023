"""Standards pages: the public catalogue and detail, attachments, and staff management."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core import pagecache, uow
from portal.core.files import send_upload
from portal.core.paging import parse_paging
from portal.core.permissions import STAFF_READ, has_role, staff_read_required, staff_required
from portal.core.views import current_actor, form_status, render_form, submit
from portal.errors import DomainError
from portal.library import attachments, bp, queries, services
from portal.library.forms import AttachmentForm, LinkForm, StandardForm
from portal.library.models import Standard


def _is_staff_reader() -> bool:
    return has_role(current_user, STAFF_READ)


@bp.get("/standards")
def index():
    db = uow.session()
    try:
        filters = queries.parse_filters(request.args)
        page, per_page = parse_paging(request.args)
    except DomainError as err:
        return render_template(
            "library/index.html", page=None, filters=queries.StandardFilters(), errors=err.fields, years=[]
        ), 422
    result = queries.find(db, filters, page, per_page)
    years = pagecache.memo("standard-years", lambda: queries.years(db))  # the filter's years change with the data
    return render_template("library/index.html", page=result, filters=filters, errors={}, years=years)


@bp.get("/standards/<int:standard_id>")
def detail(standard_id: int):
    standard = queries.visible_standard(uow.session(), standard_id, staff=_is_staff_reader())
    if standard is None:
        abort(404)
    return render_template("library/detail.html", standard=standard, staff=_is_staff_reader())


@bp.get("/standards/<int:standard_id>/files/<int:attachment_id>")
def download(standard_id: int, attachment_id: int):
    attachment = queries.get_attachment(uow.session(), standard_id, attachment_id, public=not _is_staff_reader())
    if attachment.kind == "link":
        return redirect(attachment.url)
    standard = queries.get_standard(uow.session(), attachment.standard_id)
    name = f"{standard.number.replace('/', '_')} {standard.title_zh}.pdf"
    return send_upload(attachment.file_name, attachment.mime, name, attachment=False, public=standard.is_published)


# --- staff ---------------------------------------------------------------------------------------


@bp.get("/staff/standards")
@staff_read_required
def staff_index():
    page, per_page = parse_paging(request.args, default_per_page=50)
    q = request.args.get("q", "")
    result = queries.staff_list(uow.session(), q, page, per_page)
    return render_template("library/staff_index.html", page=result, q=q)


def _input(form: StandardForm) -> services.StandardInput:
    return services.StandardInput(
        number=form.number.data or "",
        title_zh=form.title_zh.data or "",
        title_en=form.title_en.data or "",
        level=form.level.data or "",
        topic=form.topic.data or "",
        status=form.status.data or "",
        published_on=form.published_on.data or "",
        effective_on=form.effective_on.data or "",
        issuing_body=form.issuing_body.data or "",
        drafting_bodies=form.drafting_bodies.data or "",
        scope=form.scope.data or "",
        keywords=form.keywords.data or "",
        replaces=form.replaces.data or "",
        official_url=form.official_url.data or "",
        needs_check=bool(form.needs_check.data),
    )


def _fill(form: StandardForm, standard: Standard) -> None:
    for name in ("number", "title_zh", "title_en", "level", "topic", "status", "issuing_body", "drafting_bodies"):
        getattr(form, name).data = getattr(standard, name)
    form.scope.data, form.keywords.data, form.official_url.data = (
        standard.scope,
        standard.keywords,
        standard.official_url,
    )
    form.published_on.data = standard.published_on.isoformat() if standard.published_on else ""
    form.effective_on.data = standard.effective_on.isoformat() if standard.effective_on else ""
    form.needs_check.data = standard.needs_check
    form.replaces.data = ", ".join(s.number for s in standard.replaces)


@bp.route("/staff/standards/new", methods=["GET", "POST"])
@staff_required
def create():
    form = StandardForm()
    standard = submit(form, lambda: services.create_standard(uow.session(), current_actor(), _input(form)))
    if standard is not None:
        flash(_("标准已保存为草稿，发布后公众可见。"), "success")
        return redirect(url_for("library.staff_detail", standard_id=standard.id))
    return render_form("library/form.html", form, standard=None)


@bp.route("/staff/standards/<int:standard_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(standard_id: int):
    standard = queries.get_standard(uow.session(), standard_id)
    form = StandardForm()
    if request.method == "GET":
        _fill(form, standard)
    if submit(form, lambda: services.update_standard(uow.session(), current_actor(), standard.id, _input(form))):
        flash(_("标准信息已保存。"), "success")
        return redirect(url_for("library.staff_detail", standard_id=standard.id))
    return render_form("library/form.html", form, standard=standard)


def _staff_page(standard: Standard, status: int = 200, **forms):
    return render_template(
        "library/staff_detail.html",
        standard=standard,
        history=queries.history(uow.session(), standard.id),
        attachment_form=forms.get("attachment_form") or AttachmentForm(),
        link_form=forms.get("link_form") or LinkForm(),
    ), status


@bp.get("/staff/standards/<int:standard_id>")
@staff_read_required
def staff_detail(standard_id: int):
    return _staff_page(queries.get_standard(uow.session(), standard_id))


@bp.post("/staff/standards/<int:standard_id>/publish")
@staff_required
def publish(standard_id: int):
    published = request.form.get("published", "1") == "1"
    services.set_published(uow.session(), current_actor(), standard_id, published)
    flash(_("标准已发布。") if published else _("标准已撤回为草稿。"), "success")
    return redirect(url_for("library.staff_detail", standard_id=standard_id))


@bp.post("/staff/standards/<int:standard_id>/confirm")
@staff_required
def confirm(standard_id: int):
    services.confirm_dates(uow.session(), current_actor(), standard_id)
    flash(_("已确认该标准的信息，不再标为待核实。"), "success")
    return redirect(url_for("library.staff_detail", standard_id=standard_id))


@bp.post("/staff/standards/<int:standard_id>/delete")
@staff_required
def delete(standard_id: int):
    services.delete_standard(uow.session(), current_actor(), standard_id)
    flash(_("标准已删除。"), "success")
    return redirect(url_for("library.staff_index"))


@bp.post("/staff/standards/<int:standard_id>/files")
@staff_required
def upload(standard_id: int):
    standard = queries.get_standard(uow.session(), standard_id)
    form = AttachmentForm()

    def add():
        checked = attachments.check_pdf(form.file.data)
        return attachments.add_pdf(uow.session(), current_actor(), standard.id, checked, form.label.data or "")

    attachment = submit(form, add)
    if attachment is None:
        return _staff_page(standard, form_status(form), attachment_form=form)
    if attachment.text_status == "indexed":
        flash(_("全文已上传，文字已编入检索。"), "success")
    else:
        flash(_("全文已上传，但未能提取文字，未编入检索。"), "warning")
    return redirect(url_for("library.staff_detail", standard_id=standard.id))


@bp.post("/staff/standards/<int:standard_id>/links")
@staff_required
def add_link(standard_id: int):
    standard = queries.get_standard(uow.session(), standard_id)
    form = LinkForm()
    db, actor = uow.session(), current_actor()
    if submit(form, lambda: attachments.add_link(db, actor, standard.id, form.url.data or "", form.label.data or "")):
        flash(_("链接已添加。"), "success")
        return redirect(url_for("library.staff_detail", standard_id=standard.id))
    return _staff_page(standard, form_status(form), link_form=form)


@bp.post("/staff/standards/<int:standard_id>/files/<int:attachment_id>/delete")
@staff_required
def delete_attachment(standard_id: int, attachment_id: int):
    attachments.delete_attachment(uow.session(), current_actor(), standard_id, attachment_id)
    flash(_("附件已删除。"), "success")
    return redirect(url_for("library.staff_detail", standard_id=standard_id))
