"""The member area's projects: applications (draft, documents, submission), milestones, progress
reports, partners' right to report, and seeking finance. Only the lead's and partners' users."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core import uow
from portal.core.files import check_upload, check_uploads
from portal.core.money import format_fen
from portal.core.permissions import member_required
from portal.core.views import attempt, current_actor, done, form_status, render_form, submit
from portal.projects import access, applications, bp, finance, lifecycle, progress, queries, states
from portal.projects.figures import format_figure
from portal.projects.forms import (
    AttachmentForm,
    FinanceForm,
    MilestoneForm,
    ProjectForm,
    TransitionForm,
    report_form,
)
from portal.projects.kinds import FUNDING_SOURCES


def _own(project_id: int):
    """The project, when the user's enterprise leads it or is a partner; 404 otherwise."""
    project = queries.get_project(uow.session(), project_id)
    if not (access.is_lead(current_user, project) or access.is_partner(current_user, project)):
        abort(404)
    return project


@bp.get("/account/projects")
@member_required
def account_index():
    db = uow.session()
    projects = queries.of_enterprise(db, current_user.enterprise_id)
    late = queries.late_project_ids(db, [p.id for p in projects])
    return render_template("projects/account_index.html", projects=projects, late=late, calls=queries.open_calls(db))


def project_input(form: ProjectForm) -> applications.ProjectInput:
    raw_call = form.call_id.data or ""
    return applications.ProjectInput(
        call_id=int(raw_call) if raw_call.isascii() and raw_call.isdigit() and len(raw_call) < 10 else None,
        title=form.title.data or "",
        type=form.type.data or "",
        city=form.city.data or "",
        site=form.site.data or "",
        lat=form.lat.data or "",
        lon=form.lon.data or "",
        summary=form.summary.data or "",
        planned_start=form.planned_start.data or "",
        planned_end=form.planned_end.data or "",
        budget=form.budget.data or "",
        funding={s: getattr(form, f"funding_{s}").data or "" for s in FUNDING_SOURCES.codes},
        targets=tuple((r.form.name.data or "", r.form.value.data or "", r.form.unit.data or "") for r in form.targets),
        partners=tuple((r.form.credit_code.data or "", r.form.role.data or "") for r in form.partners),
    )


def _fill(form: ProjectForm, project) -> None:
    form.call_id.data = str(project.call_id)
    for name in ("title", "type", "city", "site", "summary"):
        getattr(form, name).data = getattr(project, name)
    form.lat.data = "" if project.lat is None else str(project.lat)
    form.lon.data = "" if project.lon is None else str(project.lon)
    form.planned_start.data = project.planned_start.isoformat() if project.planned_start else ""
    form.planned_end.data = project.planned_end.isoformat() if project.planned_end else ""
    form.budget.data = format_fen(project.budget_fen).replace(",", "") if project.budget_fen else ""
    amounts = {f.source: f.amount_fen for f in project.funding}
    for source in FUNDING_SOURCES.codes:
        value = amounts.get(source)
        getattr(form, f"funding_{source}").data = format_fen(value).replace(",", "") if value else ""
    for row, target in zip(form.targets, project.targets, strict=False):
        row.form.name.data, row.form.unit.data = target.name, target.unit
        row.form.value.data = format_figure(target.target_milli).replace(",", "")
    names = queries.enterprise_names(uow.session(), [p.enterprise_id for p in project.partners])
    from portal.members.queries import enterprise_briefs

    briefs = enterprise_briefs(uow.session(), names)
    for row, partner in zip(form.partners, project.partners, strict=False):
        row.form.credit_code.data, row.form.role.data = briefs[partner.enterprise_id].credit_code, partner.role


@bp.route("/account/projects/new", methods=["GET", "POST"])
@member_required
def create():
    db = uow.session()
    calls = queries.open_calls(db)
    if not calls:
        flash(_("目前没有开放申报的通知。"), "warning")
        return redirect(url_for("projects.account_index"))
    form = ProjectForm(calls=calls)
    if request.method == "GET" and request.args.get("call"):
        form.call_id.data = request.args["call"]
    project = submit(form, lambda: applications.create_draft(db, current_actor(), project_input(form)))
    if project is not None:
        flash(_("草稿已保存。上传所需材料后即可提交申报。"), "success")
        return redirect(url_for("projects.account_detail", project_id=project.id))
    return render_form("projects/form.html", form, project=None)


@bp.route("/account/projects/<int:project_id>/edit", methods=["GET", "POST"])
@member_required
def edit(project_id: int):
    project = _own(project_id)
    if not access.is_lead(current_user, project):
        abort(403)  # a partner sees the project but never edits it
    if request.method == "GET" and project.state not in states.EDITABLE:  # said on opening, not only on saving
        flash(_("项目已提交，不能再修改。"), "warning")
        return redirect(url_for("projects.account_detail", project_id=project.id))
    form = ProjectForm(calls=[project.call])
    if request.method == "GET":
        _fill(form, project)
    db = uow.session()
    if submit(form, lambda: applications.update_draft(db, current_actor(), project.id, project_input(form))):
        flash(_("草稿已保存。"), "success")
        return redirect(url_for("projects.account_detail", project_id=project.id))
    return render_form("projects/form.html", form, project=project)


def _detail(project, status: int = 200, **forms):
    db = uow.session()
    milestones = [(m, queries.is_late(m, project.state)) for m in project.milestones]
    return render_template(
        "projects/account_detail.html",
        project=project,
        lead=access.is_lead(current_user, project),
        lead_admin=access.is_lead_admin(current_user, project),
        may_report=access.may_report(current_user, project),
        names=queries.enterprise_names(db, [project.lead_id, *(p.enterprise_id for p in project.partners)]),
        # Submitting a draft has its own button (it checks the documents): not among the plain moves.
        moves=[
            m
            for m in states.moves_from(project.state, access.actor_kinds(current_user, project))
            if m.target != "applied"
        ],
        missing=applications.missing_for_submission(db, project) if project.state == "draft" else {},
        attachments=queries.attachments(db, project.id),
        milestones=milestones,
        reports=queries.reports(db, project.id),
        actuals=queries.latest_actuals(db, [project.id]),
        history=lifecycle.history(db, project.id),
        interests=queries.interests(db, project_id=project.id) if access.is_lead(current_user, project) else [],
        financiers=queries.financier_names(db, project.id),
        attachment_form=forms.get("attachment_form") or AttachmentForm(),
        milestone_form=forms.get("milestone_form") or MilestoneForm(),
        finance_form=forms.get("finance_form") or FinanceForm(),
        transition_form=TransitionForm(),
    ), status


@bp.get("/account/projects/<int:project_id>")
@member_required
def account_detail(project_id: int):
    return _detail(_own(project_id))


@bp.post("/account/projects/<int:project_id>/files")
@member_required
def upload(project_id: int):
    project = _own(project_id)
    form = AttachmentForm()

    def add():
        checked = check_upload(
            form.file.data, field="file", allowed=applications.UPLOAD_KINDS, max_bytes=applications.MAX_UPLOAD_BYTES
        )
        return applications.add_attachment(uow.session(), current_actor(), project.id, form.kind.data or "", checked)

    if submit(form, add) is None:
        return _detail(project, form_status(form), attachment_form=form)
    flash(_("材料已上传。"), "success")
    return redirect(url_for("projects.account_detail", project_id=project.id))


@bp.post("/account/projects/<int:project_id>/files/<int:attachment_id>/delete")
@member_required
def delete_file(project_id: int, attachment_id: int):
    project = _own(project_id)
    if done(lambda: applications.delete_attachment(uow.session(), current_actor(), project.id, attachment_id)):
        flash(_("材料已删除。"), "success")
    return redirect(url_for("projects.account_detail", project_id=project.id))


@bp.post("/account/projects/<int:project_id>/submit")
@member_required
def submit_application(project_id: int):
    project = _own(project_id)
    if attempt(lambda: applications.submit_application(uow.session(), current_actor(), project.id)) is not None:
        flash(_("项目已提交申报，秘书处将组织评审。"), "success")
    return redirect(url_for("projects.account_detail", project_id=project.id))


@bp.post("/account/projects/<int:project_id>/state")
@member_required
def change_state(project_id: int):
    project = _own(project_id)
    form = TransitionForm()
    db, target = uow.session(), request.form.get("target", "")
    if attempt(lambda: lifecycle.change_state(db, current_actor(), project.id, target, form.reason.data or "")):
        flash(_("项目状态已更新为“%(s)s”。", s=states.STATES.label(target)), "success")
    return redirect(url_for("projects.account_detail", project_id=project.id))


@bp.post("/account/projects/<int:project_id>/milestones")
@member_required
def add_milestone(project_id: int):
    project = _own(project_id)
    form = MilestoneForm()
    data = progress.MilestoneInput(form.name.data or "", form.due_on.data or "", form.deliverable.data or "")
    if submit(form, lambda: progress.add_milestone(uow.session(), current_actor(), project.id, data)) is None:
        return _detail(project, 422, milestone_form=form)
    flash(_("里程碑已添加。"), "success")
    return redirect(url_for("projects.account_detail", project_id=project.id))


@bp.post("/account/projects/<int:project_id>/milestones/<int:milestone_id>/delete")
@member_required
def delete_milestone(project_id: int, milestone_id: int):
    project = _own(project_id)
    if done(lambda: progress.delete_milestone(uow.session(), current_actor(), project.id, milestone_id)):
        flash(_("里程碑已删除。"), "success")
    return redirect(url_for("projects.account_detail", project_id=project.id))


def report_input(form, project) -> progress.ReportInput:
    completed = {
        m.id: getattr(form, f"evidence_{m.id}").data or ""
        for m in project.milestones
        if m.completed_on is None and getattr(form, f"done_{m.id}").data
    }
    return progress.ReportInput(
        period_start=form.period_start.data or "",
        period_end=form.period_end.data or "",
        narrative=form.narrative.data or "",
        problems=form.problems.data or "",
        actuals={t.id: getattr(form, f"actual_{t.id}").data or "" for t in project.targets},
        completed=completed,
    )


@bp.route("/account/projects/<int:project_id>/report", methods=["GET", "POST"])
@member_required
def report(project_id: int):
    project = _own(project_id)
    if not access.may_report(current_user, project):
        abort(403)
    form = report_form(project)

    def file():
        files = check_uploads(
            request.files.getlist("evidence"),
            field="evidence",
            allowed=applications.UPLOAD_KINDS,
            max_bytes=applications.MAX_UPLOAD_BYTES,
            limit=10,
        )
        return progress.file_report(uow.session(), current_actor(), project.id, report_input(form, project), files)

    if submit(form, file) is not None:
        flash(_("进展报告已提交。"), "success")
        return redirect(url_for("projects.account_detail", project_id=project.id))
    return render_form("projects/report_form.html", form, project=project)


@bp.post("/account/projects/<int:project_id>/partners/<int:enterprise_id>/right")
@member_required
def report_right(project_id: int, enterprise_id: int):
    project = _own(project_id)
    allowed = request.form.get("allowed") == "1"
    db = uow.session()
    if done(lambda: applications.set_report_right(db, current_actor(), project.id, enterprise_id, allowed)):
        flash(_("已更新合作单位的填报权限。"), "success")
    return redirect(url_for("projects.account_detail", project_id=project.id))


@bp.post("/account/projects/<int:project_id>/finance")
@member_required
def seek_finance(project_id: int):
    project = _own(project_id)
    form = FinanceForm()
    db = uow.session()
    if request.form.get("stop") == "1":
        attempt(lambda: finance.set_seeking_finance(db, current_actor(), project.id, None))
        return redirect(url_for("projects.account_detail", project_id=project.id))
    data = finance.FinanceInput(amount=form.amount.data or "", form=form.form.data or "", note=form.note.data or "")
    if submit(form, lambda: finance.set_seeking_finance(db, current_actor(), project.id, data)) is None:
        return _detail(project, 422, finance_form=form)
    flash(_("融资需求已发布，金融机构可以看到本项目。"), "success")
    return redirect(url_for("projects.account_detail", project_id=project.id))
