"""Campaign pages: staff open campaigns and record inspections; members read findings and answer."""

from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.campaigns import bp, queries, rectifications, services
from portal.campaigns.checklist import OUTLET_PROGRESS, applies, item_text
from portal.campaigns.forms import AnswerForm, CampaignForm, DecisionForm, InspectionForm, item_marks
from portal.core import clock, uow
from portal.core.actors import is_staff, is_staff_reader
from portal.core.files import check_uploads, send_upload
from portal.core.paging import paginate, parse_paging
from portal.core.permissions import (
    MEMBER,
    STAFF_READ,
    enterprise_admin_required,
    member_required,
    roles_required,
    staff_read_required,
    staff_required,
)
from portal.core.roles import MEMBER_ADMIN
from portal.core.views import current_actor, render_form, submit
from portal.errors import DomainError, apply_to_form
from portal.outlets import queries as outlet_queries

viewer_required = roles_required(*STAFF_READ, *MEMBER)


# --- staff: campaigns ---------------------------------------------------------------------------------


@bp.get("/staff/campaigns")
@staff_read_required
def index():
    db = uow.session()
    running = request.args.get("open") == "1"  # the work-bench's link: campaigns open today
    rows = queries.running_on(db, clock.today()) if running else queries.campaigns(db)
    return render_template(
        "campaigns/index.html", campaigns=rows, awaiting=queries.awaiting_review(db), running=running
    )


def _campaign_input(form: CampaignForm) -> services.CampaignInput:
    return services.CampaignInput(
        name=form.name.data or "",
        starts_on=form.starts_on.data or "",
        ends_on=form.ends_on.data or "",
        cities=tuple(form.cities.data or ()),
        operators=tuple(form.operators.data or ()),
    )


@bp.route("/staff/campaigns/new", methods=["GET", "POST"])
@staff_required
def create():
    db = uow.session()
    form = CampaignForm(operators=outlet_queries.operators(db))
    if request.method == "GET":
        today = clock.today()
        form.starts_on.data, form.ends_on.data = today.isoformat(), (today + dt.timedelta(days=60)).isoformat()
    campaign = submit(form, lambda: services.open_campaign(db, current_actor(), _campaign_input(form)))
    if campaign is not None:
        flash(_("核查活动已开启。"), "success")
        return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    return render_form("campaigns/form.html", form)


@bp.get("/staff/campaigns/<int:campaign_id>")
@staff_read_required
def detail(campaign_id: int):
    db = uow.session()
    campaign = queries.get_campaign(db, campaign_id)
    city, state = queries.parse_progress_filters(request.args)
    page, per_page = parse_paging(request.args, default_per_page=50)
    rows = queries.progress(db, campaign.id)
    outlets = paginate(db, queries.campaign_outlets(campaign.id, city=city, state=state), page, per_page, scalars=False)
    return render_template(
        "campaigns/detail.html",
        campaign=campaign,
        progress=rows,
        total=queries.total(rows),
        outlets=outlets,
        city=city,
        state=state,
        state_choices=OUTLET_PROGRESS.choices(),
        can_act=is_staff(current_actor()),
    )


def _record(form: InspectionForm, campaign, outlet, item_errors: dict):
    """Check the photos and record the inspection; a refusal's messages per checklist item go to item_errors."""
    data = services.InspectionInput(
        inspected_on=form.inspected_on.data or "",
        result=form.result.data or "",
        deadline=form.deadline.data or "",
        summary=form.summary.data or "",
        items=item_marks(request.form, campaign.checklist.items),
    )
    try:
        photos = check_uploads(
            form.photos.data,
            field="photos",
            allowed=services.PHOTO_KINDS,
            max_bytes=current_app.config["UPLOAD_MAX_INSPECTION_PHOTO"],
            limit=current_app.config["UPLOAD_MAX_INSPECTION_PHOTOS"],
        )
        return services.record_inspection(uow.session(), current_actor(), campaign.id, outlet.id, data, photos)
    except DomainError as err:
        item_errors.update(err.fields)
        raise


@bp.route("/staff/campaigns/<int:campaign_id>/outlets/<int:outlet_id>/inspect", methods=["GET", "POST"])
@staff_required
def inspect(campaign_id: int, outlet_id: int):
    campaign, outlet = queries.scope_entry(uow.session(), campaign_id, outlet_id)
    existing = queries.inspection_for(uow.session(), campaign.id, outlet.id)
    if existing is not None:
        flash(_("该网点在本次核查中已有核查记录。"), "error")
        return redirect(url_for("campaigns.inspection", inspection_id=existing.id))
    form, item_errors, today = InspectionForm(), {}, clock.today()
    if request.method == "GET" and campaign.starts_on <= today <= campaign.ends_on:
        form.inspected_on.data = today.isoformat()
    inspection = submit(form, lambda: _record(form, campaign, outlet, item_errors))
    if inspection is not None:
        flash(_("已记录“%(o)s”的核查结果。", o=outlet.name), "success")
        return redirect(url_for("campaigns.inspection", inspection_id=inspection.id))
    items = campaign.checklist.items
    return render_form(
        "campaigns/inspect.html",
        form,
        campaign=campaign,
        outlet=outlet,
        items=items,
        applicable={i["code"]: applies(i, outlet.type) for i in items},
        marks=request.form,
        item_errors=item_errors,
    )


# --- one inspection: staff and the outlet's member ------------------------------------------------------


def _visible(inspection_id: int):
    db = uow.session()
    inspection = queries.get_inspection(db, inspection_id)
    outlet = outlet_queries.get_outlet(db, inspection.outlet_id)
    if not services.can_view(current_actor(), outlet.operator_enterprise_id):
        abort(403)
    return inspection, outlet


def _render_inspection(inspection, outlet, *, answer_form=None, decision_form=None, status: int = 200):
    db, me = uow.session(), current_actor()
    campaign = queries.get_campaign(db, inspection.campaign_id)
    people = [inspection.inspector_id, *(a.answered_by_id for a in inspection.answers)]
    people += [a.decided_by_id for a in inspection.answers]
    staff_view = is_staff_reader(me)
    return render_template(
        "campaigns/inspection.html",
        inspection=inspection,
        outlet=outlet,
        campaign=campaign,
        texts={i["code"]: item_text(i) for i in campaign.checklist.items},
        names=queries.user_names(db, people),
        staff_view=staff_view,
        can_decide=is_staff(me) and inspection.rectification_state == "answered",
        can_answer=me.role == MEMBER_ADMIN and inspection.rectification_state == "open" and not staff_view,
        answer_form=answer_form or AnswerForm(),
        decision_form=decision_form or DecisionForm(),
    ), status


@bp.get("/staff/inspections/<int:inspection_id>")
@staff_read_required
def inspection(inspection_id: int):
    return _render_inspection(*_visible(inspection_id))


@bp.post("/staff/inspections/<int:inspection_id>/<any(accept, reject):decision>")
@staff_required
def decide(inspection_id: int, decision: str):
    inspection, outlet = _visible(inspection_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _render_inspection(inspection, outlet, decision_form=form, status=422)
    try:
        rectifications.decide_rectification(
            uow.session(), current_actor(), inspection.id, decision == "accept", form.reason.data
        )
    except DomainError as err:
        apply_to_form(form, err)
        return _render_inspection(inspection, outlet, decision_form=form, status=err.status)
    accepted, rejected = _("整改已通过，网点状态已改为“合规”。"), _("已驳回，企业将收到通知。")
    flash(accepted if decision == "accept" else rejected, "success")
    return redirect(url_for("campaigns.inspection", inspection_id=inspection.id))


@bp.get("/account/inspections")
@member_required
def findings():
    rows = queries.member_findings(uow.session(), current_actor().enterprise_id)
    return render_template("campaigns/findings.html", rows=rows)


@bp.get("/account/inspections/<int:inspection_id>")
@member_required
def finding(inspection_id: int):
    return _render_inspection(*_visible(inspection_id))


def _answer(form: AnswerForm, inspection) -> None:
    files = check_uploads(
        form.evidence.data,
        field="evidence",
        allowed=services.EVIDENCE_KINDS,
        max_bytes=current_app.config["UPLOAD_MAX_RECTIFICATION_FILE"],
        limit=current_app.config["UPLOAD_MAX_RECTIFICATION_FILES"],
    )
    rectifications.answer_rectification(uow.session(), current_actor(), inspection.id, form.text.data, files)


@bp.post("/account/inspections/<int:inspection_id>/answer")
@enterprise_admin_required
def answer(inspection_id: int):
    inspection, outlet = _visible(inspection_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _render_inspection(inspection, outlet, answer_form=form, status=422)
    try:
        _answer(form, inspection)
    except DomainError as err:
        apply_to_form(form, err)
        return _render_inspection(inspection, outlet, answer_form=form, status=err.status)
    flash(_("整改情况已提交，协会审核后会通知您。"), "success")
    return redirect(url_for("campaigns.finding", inspection_id=inspection.id))


# --- files: staff and the outlet's member only -------------------------------------------------------------


@bp.get("/campaigns/photos/<int:photo_id>")
@viewer_required
def photo(photo_id: int):
    found = queries.photo_owner(uow.session(), photo_id)
    if found is None:
        abort(404)
    photo, owner = found
    if not services.can_view(current_actor(), owner):
        abort(403)
    return send_upload(photo.file, photo.mime, photo.original_name, attachment=False)


@bp.get("/campaigns/evidence/<int:file_id>")
@viewer_required
def evidence(file_id: int):
    found = queries.evidence_owner(uow.session(), file_id)
    if found is None:
        abort(404)
    row, owner = found
    if not services.can_view(current_actor(), owner):
        abort(403)
    return send_upload(row.file, row.mime, row.original_name, attachment=True)
