"""Staff pages: calls, the projects' board and table with filters and export, a project's review,
decisions, confidential figures and milestones, and the matches made with financiers."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.core import roles, uow
from portal.core.enums import ROLES
from portal.core.paging import parse_paging
from portal.core.permissions import staff_read_required, staff_required
from portal.core.views import current_actor, done, render_form, submit
from portal.errors import DomainError
from portal.projects import bp, calls, exports, lifecycle, progress, queries, reviews, scoring, states
from portal.projects.applications import set_confidential
from portal.projects.forms import AssignForm, CallForm, MilestoneForm, TransitionForm


def _filters():
    return queries.parse_filters(request.args, public=False)


@bp.get("/staff/projects")
@staff_read_required
def staff_index():
    db = uow.session()
    try:
        filters = _filters()
        page, per_page = parse_paging(request.args, default_per_page=50)
    except DomainError as err:
        empty = {"page": None, "board": None, "filters": queries.ProjectFilters(), "calls": queries.calls(db)}
        return render_template("projects/staff_index.html", **empty, errors=err.fields, late=set(), names={}), 422
    overview = queries.staff_overview(db, filters, page, per_page, as_board=request.args.get("view") == "board")
    return render_template("projects/staff_index.html", **overview, errors={})


@bp.get("/staff/projects/export.xlsx")
@staff_read_required
def staff_export():
    data = exports.projects_xlsx(uow.session(), _filters())
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename=projects.xlsx"},
    )


@bp.get("/staff/projects/calls")
@staff_read_required
def staff_calls():
    return render_template("projects/staff_calls.html", calls=queries.calls(uow.session()))


@bp.route("/staff/projects/calls/new", methods=["GET", "POST"])
@staff_required
def create_call():
    form = CallForm()
    if request.method == "GET" and not form.criteria.data:
        form.criteria.data = "技术先进性 30\n示范带动作用 25\n经济可行性 20\n安全与环保 15\n实施基础 10"
        form.documents.data = ["feasibility", "licence"]

    def save():
        data = calls.CallInput(
            title=form.title.data or "",
            description=form.description.data or "",
            types=tuple(form.types.data or ()),
            opens_on=form.opens_on.data or "",
            closes_on=form.closes_on.data or "",
            criteria=form.criteria.data or "",
            documents=tuple(form.documents.data or ()),
        )
        return calls.create_call(uow.session(), current_actor(), data)

    if submit(form, save) is not None:
        flash(_("申报通知已发布。"), "success")
        return redirect(url_for("projects.staff_calls"))
    return render_form("projects/call_form.html", form)


def _staff_page(project, status: int = 200, **forms):
    from portal.auth.queries import internal_users, user_by_id
    from portal.auth.queries import reviewers as reviewer_accounts

    db = uow.session()
    project_reviews = queries.reviews(db, project.id)
    criteria = calls.criteria_of(project.call)
    summary = reviews.summary(db, current_actor(), project)
    assign = forms.get("assign_form") or AssignForm()
    # Outside experts (reviewer accounts) first, then the association's own staff, who may review too.
    experts = [*reviewer_accounts(db), *(u for u in internal_users(db) if u.is_active and u.role in roles.STAFF)]
    assign.reviewer_id.choices = [(str(u.id), f"{u.name or u.email}（{ROLES.label(u.role)}）") for u in experts]
    people = {r.reviewer_id: user_by_id(db, r.reviewer_id) for r in project_reviews}
    return render_template(
        "projects/staff_detail.html",
        project=project,
        names=queries.enterprise_names(db, [project.lead_id, *(p.enterprise_id for p in project.partners)]),
        reviews=project_reviews,
        people=people,
        criteria=criteria,
        totals={
            r.id: scoring.weighted_total(criteria, reviews.review_scores(r)) for r in project_reviews if r.submitted_at
        },
        summary=summary,
        shown=scoring.shown,
        moves=states.moves_from(project.state, {states.STAFF}),
        history=lifecycle.history(db, project.id),
        attachments=queries.attachments(db, project.id),
        milestones=[(m, queries.is_late(m, project.state)) for m in project.milestones],
        reports=queries.reports(db, project.id),
        actuals=queries.latest_actuals(db, [project.id]),
        interests=queries.interests(db, project_id=project.id),
        assign_form=assign,
        milestone_form=forms.get("milestone_form") or MilestoneForm(),
        transition_form=TransitionForm(),
    ), status


@bp.get("/staff/projects/<int:project_id>")
@staff_read_required
def staff_detail(project_id: int):
    return _staff_page(queries.get_project(uow.session(), project_id))


@bp.post("/staff/projects/<int:project_id>/reviewers")
@staff_required
def assign(project_id: int):
    project = queries.get_project(uow.session(), project_id)
    raw = request.form.get("reviewer_id", "")
    reviewer_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else 0
    if done(lambda: reviews.assign_reviewer(uow.session(), current_actor(), project.id, reviewer_id)):
        flash(_("已指派评审专家。"), "success")
    return redirect(url_for("projects.staff_detail", project_id=project.id))


@bp.post("/staff/projects/<int:project_id>/reviewers/<int:reviewer_id>/delete")
@staff_required
def unassign(project_id: int, reviewer_id: int):
    if done(lambda: reviews.unassign_reviewer(uow.session(), current_actor(), project_id, reviewer_id)):
        flash(_("已撤销指派。"), "success")
    return redirect(url_for("projects.staff_detail", project_id=project_id))


@bp.post("/staff/projects/<int:project_id>/state")
@staff_required
def staff_change_state(project_id: int):
    target, reason = request.form.get("target", ""), request.form.get("reason", "")
    if done(lambda: lifecycle.change_state(uow.session(), current_actor(), project_id, target, reason)):
        flash(_("项目状态已更新为“%(s)s”。", s=states.STATES.label(target)), "success")
    return redirect(url_for("projects.staff_detail", project_id=project_id))


@bp.post("/staff/projects/<int:project_id>/targets/<int:target_id>/confidential")
@staff_required
def confidential(project_id: int, target_id: int):
    value = request.form.get("confidential") == "1"
    if done(lambda: set_confidential(uow.session(), current_actor(), project_id, target_id, value)):
        flash(_("已设为保密，公众页面、接口和搜索不显示该指标。") if value else _("已取消保密。"), "success")
    return redirect(url_for("projects.staff_detail", project_id=project_id))


@bp.post("/staff/projects/<int:project_id>/milestones")
@staff_required
def staff_add_milestone(project_id: int):
    project = queries.get_project(uow.session(), project_id)
    form = MilestoneForm()
    data = progress.MilestoneInput(form.name.data or "", form.due_on.data or "", form.deliverable.data or "")
    if submit(form, lambda: progress.add_milestone(uow.session(), current_actor(), project.id, data)) is None:
        return _staff_page(project, 422, milestone_form=form)
    flash(_("里程碑已添加。"), "success")
    return redirect(url_for("projects.staff_detail", project_id=project.id))


@bp.get("/staff/projects/finance")
@staff_read_required
def staff_finance():
    from portal.auth.queries import user_by_id

    db = uow.session()
    matches = queries.interests(db)
    projects = {i.project_id: queries.get_project(db, i.project_id) for i in matches}
    people = {i.financier_id: user_by_id(db, i.financier_id) for i in matches}
    names = queries.enterprise_names(db, [p.lead_id for p in projects.values()])
    return render_template(
        "projects/staff_finance.html",
        matches=matches,
        projects=projects,
        people=people,
        names=names,
        seeking=queries.seeking_finance(db),
    )
