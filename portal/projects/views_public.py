"""Public pages: the showcase of approved projects with their outcomes and timeline, and the list
of projects seeking finance with the financiers' expression of interest."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from portal.core import roles, uow
from portal.core.files import send_upload
from portal.core.paging import parse_paging
from portal.core.permissions import roles_required
from portal.core.views import current_actor, render_form, submit
from portal.errors import DomainError
from portal.projects import access, bp, charts, finance, queries, states
from portal.projects.figures import format_figure
from portal.projects.forms import FinanceForm
from portal.projects.kinds import PROJECT_TYPES
from portal.projects.models import ProjectAttachment


@bp.app_template_filter("figure")
def _figure(milli) -> str:
    return format_figure(milli)


@bp.context_processor
def _project_globals() -> dict:
    return {
        "type_choices": PROJECT_TYPES.choices,
        "public_states": states.PUBLIC,
        "final_states": states.FINAL,
        "all_states": states.STATES.codes,
    }


@bp.get("/projects")
def index():
    db = uow.session()
    try:
        filters = queries.parse_filters(request.args, public=True)
        page, per_page = parse_paging(request.args)
    except DomainError as err:
        return render_template(
            "projects/index.html", page=None, filters=queries.ProjectFilters(), errors=err.fields
        ), 422
    result = queries.find_public(db, filters, page, per_page)
    views = queries.public_views(db, result.items)
    return render_template("projects/index.html", page=result, views=views, filters=filters, errors={})


@bp.get("/projects/<int:project_id>")
def detail(project_id: int):
    db = uow.session()
    project = queries.get_public(db, project_id)
    view = queries.public_view(db, project)
    timeline = Markup(charts.timeline(view["milestones"], view["planned_start"], view["planned_end"], view["title"]))  # noqa: S704 - every text in it is escaped by charts
    own = current_user.is_authenticated and access.may_see_private(db, current_user, project)
    return render_template("projects/detail.html", view=view, timeline=timeline, own=own)


@bp.get("/projects/<int:project_id>/files/<int:attachment_id>")
def download(project_id: int, attachment_id: int):
    """A project document, for those who may see the whole record (never the public)."""
    db = uow.session()
    project = queries.get_project(db, project_id)
    attachment = db.get(ProjectAttachment, attachment_id)
    if attachment is None or attachment.project_id != project.id:
        abort(404)
    if not (current_user.is_authenticated and access.may_see_private(db, current_user, project)):
        abort(404)
    return send_upload(attachment.file_name, attachment.mime, attachment.original_name, attachment=True)


@bp.get("/projects/finance")
@roles_required(roles.FINANCIER, *roles.STAFF_READ)
def finance_list():
    db = uow.session()
    projects = queries.seeking_finance(db)
    items = list(zip(projects, queries.public_views(db, projects), strict=True))
    sent = {i.project_id for i in queries.interests(db, financier_id=current_user.id)}
    return render_template("projects/finance_list.html", items=items, sent=sent)


@bp.route("/projects/<int:project_id>/interest", methods=["GET", "POST"])
@roles_required(roles.FINANCIER)
def interest(project_id: int):
    db = uow.session()
    project = queries.get_public(db, project_id)
    if not project.seeking_finance:
        abort(404)
    form = FinanceForm()

    def send():
        data = finance.FinanceInput(amount=form.amount.data or "", form=form.form.data or "", note=form.note.data or "")
        return finance.express_interest(db, current_actor(), project.id, data)

    if submit(form, send) is not None:
        flash(_("融资意向已发送给项目牵头单位。"), "success")
        return redirect(url_for("projects.finance_list"))
    return render_form("projects/interest.html", form, view=queries.public_view(db, project), project=project)
