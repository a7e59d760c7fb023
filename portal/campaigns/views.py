"""Campaign pages: staff open campaigns and record inspections; members read findings and answer."""

from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.campaigns import bp, queries, services
from portal.campaigns.checklist import OUTLET_PROGRESS, applies
from portal.campaigns.forms import AnswerForm, CampaignForm, DecisionForm, InspectionForm, item_marks
from portal.core import clock, uow
from portal.core.enums import CITIES
from portal.core.files import CheckedUpload, check_upload, send_upload
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
from portal.errors import DomainError, Forbidden, NotFound, apply_to_form
from portal.outlets import queries as outlet_queries
from portal.outlets import services as outlet_services

viewer_required = roles_required(*STAFF_READ, *MEMBER)


def _me():
    return current_user._get_current_object()


def _status(form) -> int:
    return 422 if form.errors or form.form_errors else 200


def _checked(files, *, field: str, allowed: tuple[str, ...], max_bytes: int, limit: int) -> list[CheckedUpload]:
    """Check every uploaded file of a multiple-file field (type from the content, size); nothing is stored."""
    files = [f for f in (files or []) if getattr(f, "filename", "")]
    if len(files) > limit:
        raise DomainError(_("最多上传%(n)d个文件。", n=limit), {field: _("最多上传%(n)d个文件。", n=limit)})
    return [check_upload(f, field=field, allowed=allowed, max_bytes=max_bytes) for f in files]


# --- staff: campaigns ---------------------------------------------------------------------------------


@bp.get("/staff/campaigns")
@staff_read_required
def index():
    db = uow.session()
    return render_template(
        "campaigns/index.html", campaigns=queries.campaigns(db), awaiting=queries.awaiting_review(db)
    )


@bp.route("/staff/campaigns/new", methods=["GET", "POST"])
@staff_required
def create():
    db = uow.session()
    form = CampaignForm(operators=outlet_queries.operators(db))
    if request.method == "GET":
        today = clock.today()
        form.starts_on.data, form.ends_on.data = today.isoformat(), (today + dt.timedelta(days=60)).isoformat()
    if form.validate_on_submit():
        data = services.CampaignInput(
            name=form.name.data or "",
            starts_on=form.starts_on.data or "",
            ends_on=form.ends_on.data or "",
            cities=tuple(form.cities.data or ()),
            operators=tuple(form.operators.data or ()),
        )
        try:
            campaign = services.open_campaign(db, _me(), data)
        except DomainError as err:
            apply_to_form(form, err)
        else:
            flash(_("核查活动已开启。"), "success")
            return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    return render_template("campaigns/form.html", form=form), _status(form)


@bp.get("/staff/campaigns/<int:campaign_id>")
@staff_read_required
def detail(campaign_id: int):
    db = uow.session()
    campaign = services.get_campaign(db, campaign_id)
    city, state = (request.args.get("city") or "").strip(), (request.args.get("state") or "").strip()
    city_code, state_code = CITIES.parse(city) if city else None, OUTLET_PROGRESS.parse(state) if state else None
    if (city and city_code is None) or (state and state_code is None):
        raise DomainError(_("查询参数无效。"))
    page, per_page = parse_paging(request.args, default_per_page=50)
    rows = queries.progress(db, campaign.id)
    outlets = paginate(
        db, queries.campaign_outlets(campaign.id, city=city_code, state=state_code), page, per_page, scalars=False
    )
    return render_template(
        "campaigns/detail.html",
        campaign=campaign,
        progress=rows,
        total=queries.total(rows),
        outlets=outlets,
        city=city_code,
        state=state_code,
        state_choices=OUTLET_PROGRESS.choices(),
        can_act=current_user.is_staff,
    )


@bp.route("/staff/campaigns/<int:campaign_id>/outlets/<int:outlet_id>/inspect", methods=["GET", "POST"])
@staff_required
def inspect(campaign_id: int, outlet_id: int):
    db = uow.session()
    campaign = services.get_campaign(db, campaign_id)
    if not queries.in_scope(db, campaign.id, outlet_id):
        raise NotFound(_("该网点不在本次核查范围内。"))
    outlet = outlet_services.get_outlet(db, outlet_id)
    existing = queries.inspection_for(db, campaign.id, outlet.id)
    if existing is not None:
        flash(_("该网点在本次核查中已有核查记录。"), "error")
        return redirect(url_for("campaigns.inspection", inspection_id=existing.id))
    form = InspectionForm()
    today = clock.today()
    if request.method == "GET" and campaign.starts_on <= today <= campaign.ends_on:
        form.inspected_on.data = today.isoformat()
    items = campaign.checklist.items
    if form.validate_on_submit():
        data = services.InspectionInput(
            inspected_on=form.inspected_on.data or "",
            result=form.result.data or "",
            deadline=form.deadline.data or "",
            summary=form.summary.data or "",
            items=item_marks(request.form, items),
        )
        try:
            max_bytes = current_app.config.get("UPLOAD_MAX_INSPECTION_PHOTO", services.PHOTO_MAX_BYTES)
            photos = _checked(
                form.photos.data,
                field="photos",
                allowed=services.PHOTO_KINDS,
                max_bytes=max_bytes,
                limit=services.MAX_PHOTOS,
            )
            inspection = services.record_inspection(db, _me(), campaign.id, outlet.id, data, photos)
        except (Forbidden, NotFound):
            raise
        except DomainError as err:
            apply_to_form(form, err)
            item_errors = err.fields
        else:
            flash(_("已记录“%(o)s”的核查结果。", o=outlet.name), "success")
            return redirect(url_for("campaigns.inspection", inspection_id=inspection.id))
    else:
        item_errors = {}
    return render_template(
        "campaigns/inspect.html",
        campaign=campaign,
        outlet=outlet,
        form=form,
        items=items,
        applicable={i["code"]: applies(i, outlet.type) for i in items},
        marks=request.form,
        item_errors=item_errors,
    ), _status(form)


# --- one inspection: staff and the outlet's member ------------------------------------------------------


def _visible(inspection_id: int):
    db = uow.session()
    inspection = services.get_inspection(db, inspection_id)
    outlet = outlet_services.get_outlet(db, inspection.outlet_id)
    if not services.can_view(current_user, outlet.operator_enterprise_id):
        abort(403)
    return inspection, outlet


def _render_inspection(inspection, outlet, *, answer_form=None, decision_form=None, status: int = 200):
    db = uow.session()
    campaign = services.get_campaign(db, inspection.campaign_id)
    texts = {i["code"]: i["text"] for i in campaign.checklist.items}
    people = [inspection.inspector_id, *(a.answered_by_id for a in inspection.answers)]
    people += [a.decided_by_id for a in inspection.answers]
    staff_view = current_user.role in STAFF_READ
    can_answer = current_user.role == "member_admin" and inspection.rectification_state == "open" and not staff_view
    return render_template(
        "campaigns/inspection.html",
        inspection=inspection,
        outlet=outlet,
        campaign=campaign,
        texts=texts,
        names=queries.user_names(db, people),
        staff_view=staff_view,
        can_decide=current_user.is_staff and inspection.rectification_state == "answered",
        can_answer=can_answer,
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
    if form.validate_on_submit():
        try:
            services.decide_rectification(uow.session(), _me(), inspection.id, decision == "accept", form.reason.data)
        except (Forbidden, NotFound):
            raise
        except DomainError as err:
            apply_to_form(form, err)
            return _render_inspection(inspection, outlet, decision_form=form, status=err.status)
        accepted, rejected = _("整改已通过，网点状态已改为“合规”。"), _("已驳回，企业将收到通知。")
        flash(accepted if decision == "accept" else rejected, "success")
        return redirect(url_for("campaigns.inspection", inspection_id=inspection.id))
    return _render_inspection(inspection, outlet, decision_form=form, status=422)


@bp.get("/account/inspections")
@member_required
def findings():
    rows = queries.member_findings(uow.session(), current_user.enterprise_id)
    return render_template("campaigns/findings.html", rows=rows)


@bp.get("/account/inspections/<int:inspection_id>")
@member_required
def finding(inspection_id: int):
    return _render_inspection(*_visible(inspection_id))


@bp.post("/account/inspections/<int:inspection_id>/answer")
@enterprise_admin_required
def answer(inspection_id: int):
    inspection, outlet = _visible(inspection_id)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            files = _checked(
                form.evidence.data,
                field="evidence",
                allowed=services.EVIDENCE_KINDS,
                max_bytes=services.EVIDENCE_MAX_BYTES,
                limit=services.MAX_EVIDENCE,
            )
            services.answer_rectification(uow.session(), _me(), inspection.id, form.text.data, files)
        except (Forbidden, NotFound):
            raise
        except DomainError as err:
            apply_to_form(form, err)
            return _render_inspection(inspection, outlet, answer_form=form, status=err.status)
        flash(_("整改情况已提交，协会审核后会通知您。"), "success")
        return redirect(url_for("campaigns.finding", inspection_id=inspection.id))
    return _render_inspection(inspection, outlet, answer_form=form, status=422)


# --- files: staff and the outlet's member only -------------------------------------------------------------


@bp.get("/campaigns/photos/<int:photo_id>")
@viewer_required
def photo(photo_id: int):
    found = queries.photo_owner(uow.session(), photo_id)
    if found is None:
        abort(404)
    photo, owner = found
    if not services.can_view(current_user, owner):
        abort(403)
    return send_upload(photo.file, photo.mime, photo.original_name, attachment=False)


@bp.get("/campaigns/evidence/<int:file_id>")
@viewer_required
def evidence(file_id: int):
    found = queries.evidence_owner(uow.session(), file_id)
    if found is None:
        abort(404)
    row, owner = found
    if not services.can_view(current_user, owner):
        abort(403)
    return send_upload(row.file, row.mime, row.original_name, attachment=True)
