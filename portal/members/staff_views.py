"""Staff pages: the work-bench, the review queue, memberships and fees, the whitelist requests.

(The internal accounts page lives in portal.auth, the audit log in portal.audit.)
"""

from __future__ import annotations

from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth import queries as auth_queries
from portal.core import clock, enums, roles, uow
from portal.core.actors import is_staff
from portal.core.files import send_upload
from portal.core.money import parse_yuan
from portal.core.paging import paginate, parse_paging
from portal.core.permissions import roles_required, staff_read_required, staff_required
from portal.core.views import PROPAGATED, current_actor, form_status, submit
from portal.errors import DomainError
from portal.members import applications, enterprises, memberships, queries, terms
from portal.members import staff_bp as bp
from portal.members.forms import (
    AssignForm,
    CutoffForm,
    DecisionForm,
    OpinionForm,
    PaymentForm,
    SuspendForm,
    TierFeeForm,
    WhitelistDecisionForm,
    WhitelistSetForm,
)
from portal.members.models import MembershipApplication
from portal.members.workbench import workbench

review_roles = roles_required(*roles.STAFF_READ, roles.REVIEWER)


def _refused(err: DomainError, endpoint: str, **values):
    """Back to the page with the refusal and its field details flashed (answered 303)."""
    flash(err.message + (" " + "；".join(err.fields.values()) if err.fields else ""), "error")
    return redirect(url_for(endpoint, **values)), 303


def _button(action, done: str | None, endpoint: str, **values):
    """Run a staff button's service call and go back to the page with done flashed (None: the call
    returns the message), or with the refusal. Not found, forbidden and too many requests go to the
    error pages."""
    try:
        result = action()
    except DomainError as err:
        if err.status in PROPAGATED:
            raise
        return _refused(err, endpoint, **values)
    flash(result if done is None else done, "success")
    return redirect(url_for(endpoint, **values))


def _amount(text: str, field: str, message: str, detail: str) -> int:
    """Yuan as typed (5000, 5000.00) in fen; DomainError naming field otherwise."""
    try:
        return parse_yuan(text)
    except ValueError:
        raise DomainError(message, {field: detail}) from None


def _id(raw: str | None) -> int:
    """An id chosen in a select (ASCII digits within the database's integers), -1 otherwise."""
    raw = raw or ""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else -1


@bp.get("/staff")
@staff_read_required
def dashboard():
    db = uow.session()
    return render_template("staff/dashboard.html", bench=workbench(db), memberships=queries.memberships_by_state(db))


# --- applications ---------------------------------------------------------------------------------


@bp.get("/staff/applications", endpoint="applications")
@review_roles
def application_queue():
    state = request.args.get("state") or "submitted"  # by default what awaits a decision; "all" for every state
    if state != "all" and state not in enums.APPLICATION_STATES.codes:
        raise DomainError(_("没有这个申请状态。"))
    q = (request.args.get("q") or "").strip()[:100]
    stmt = queries.application_queue(current_user, None if state == "all" else state, q)
    page, per_page = parse_paging(request.args)
    result = paginate(uow.session(), stmt, page, per_page)
    return render_template("staff/applications.html", page=result, state=state, q=q)


def _visible_application(application_id: int) -> MembershipApplication:
    application = queries.find_application(uow.session(), application_id)
    if application is None:
        abort(404)
    if not applications.can_view_application(current_actor(), application) or current_user.is_member:
        abort(403)
    return application


@bp.get("/staff/applications/<int:application_id>")
@review_roles
def application(application_id: int):
    application = _visible_application(application_id)
    db = uow.session()
    reviewers = auth_queries.reviewers(db)
    assign_form = AssignForm()
    assign_form.reviewer_id.choices = [(str(u.id), u.name or u.email) for u in reviewers]
    return render_template(
        "staff/application.html",
        application=application,
        applicant=auth_queries.user_by_id(db, application.applicant_id),
        decision_form=DecisionForm(),
        assign_form=assign_form,
        opinion_form=OpinionForm(),
        can_act=is_staff(current_actor()),
        reviewer_names={u.id: u.name or u.email for u in reviewers},
        decided_by=_user_label(db, application.decided_by_id),
    )


def _user_label(db, user_id: int | None) -> str:
    user = auth_queries.user_by_id(db, user_id) if user_id else None
    return (user.name or user.email) if user else ""


@bp.get("/staff/applications/<int:application_id>/licence")
@review_roles
def licence(application_id: int):
    application = _visible_application(application_id)
    return send_upload(application.licence_file, application.licence_mime, application.licence_name, attachment=True)


def _decision(form: DecisionForm, application_id: int) -> str:
    """Carry out the chosen decision; the message to show."""
    db, actor, reason = uow.session(), current_actor(), form.reason.data
    if form.action.data == "approve":
        membership = applications.approve_application(db, actor, application_id, form.tier.data or None)
        return _("已批准，会员编号 %(number)s。", number=membership.number)
    if form.action.data == "reject":
        applications.reject_application(db, actor, application_id, reason)
        return _("已作出不予通过的决定。")
    if form.action.data == "request_info":
        applications.request_information(db, actor, application_id, reason)
        return _("已通知申请人补充材料。")
    raise DomainError(_("请选择处理方式。"))


@bp.post("/staff/applications/<int:application_id>/decide")
@staff_required
def decide(application_id: int):
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("请检查填写的内容。"), "error")
        return redirect(url_for("staff.application", application_id=application_id)), 303
    return _button(partial(_decision, form, application_id), None, "staff.application", application_id=application_id)


@bp.post("/staff/applications/<int:application_id>/assign")
@staff_required
def assign(application_id: int):
    form = AssignForm()
    action = partial(
        applications.assign_reviewer, uow.session(), current_actor(), application_id, _id(form.reviewer_id.data)
    )
    return _button(action, _("已指派评审专家。"), "staff.application", application_id=application_id)


@bp.post("/staff/applications/<int:application_id>/opinion")
@roles_required(roles.REVIEWER)
def opinion(application_id: int):
    form = OpinionForm()
    if not form.validate_on_submit():
        abort(400)

    def record():
        applications.record_opinion(
            uow.session(), current_actor(), application_id, form.opinion.data, form.comment.data
        )

    return _button(record, _("评审意见已提交。"), "staff.application", application_id=application_id)


# --- memberships and fees -------------------------------------------------------------------------


@bp.get("/staff/memberships", endpoint="memberships")
@staff_read_required
def membership_list():
    state = request.args.get("state") or None
    page, per_page = parse_paging(request.args)
    result = paginate(uow.session(), queries.memberships(state), page, per_page)
    return render_template("staff/memberships.html", page=result, state=state)


@bp.get("/staff/memberships/<int:membership_id>")
@staff_read_required
def membership(membership_id: int):
    db = uow.session()
    item = queries.get_membership(db, membership_id)
    enterprise = item.enterprise
    return render_template(
        "staff/membership.html",
        membership=item,
        payment_form=PaymentForm(term_year=item.term_end.year, paid_on=clock.today()),
        suspend_form=SuspendForm(),
        whitelist_form=WhitelistSetForm(batch=enterprise.whitelist_batch, activity=enterprise.whitelist_activity),
        fees=queries.tier_fees(db),
        can_act=is_staff(current_actor()),
    )


@bp.post("/staff/memberships/<int:membership_id>/payment")
@staff_required
def payment(membership_id: int):
    form = PaymentForm()
    back = {"endpoint": "staff.membership", "membership_id": membership_id}
    if not form.validate_on_submit():
        return _refused(DomainError(_("请完整填写缴费信息。"), {k: v[0] for k, v in form.errors.items()}), **back)

    def record():
        amount = _amount(form.amount.data, "amount", _("金额格式不正确，例如 5000 或 5000.00。"), _("金额格式不正确。"))
        year, paid_on, note = form.term_year.data, form.paid_on.data, form.note.data or ""
        memberships.record_payment(uow.session(), current_actor(), membership_id, year, amount, paid_on, note)

    return _button(record, _("缴费已登记。"), **back)


@bp.post("/staff/memberships/<int:membership_id>/suspend")
@staff_required
def suspend(membership_id: int):
    form = SuspendForm()
    action = partial(memberships.suspend, uow.session(), current_actor(), membership_id, form.reason.data or "")
    return _button(action, _("会员资格已暂停。"), "staff.membership", membership_id=membership_id)


@bp.post("/staff/memberships/<int:membership_id>/reinstate")
@staff_required
def reinstate(membership_id: int):
    action = partial(memberships.reinstate, uow.session(), current_actor(), membership_id)
    return _button(action, _("会员资格已恢复。"), "staff.membership", membership_id=membership_id)


@bp.post("/staff/memberships/<int:membership_id>/whitelist")
@staff_required
def set_whitelist(membership_id: int):
    form = WhitelistSetForm()
    item = queries.get_membership(uow.session(), membership_id)
    if not form.validate_on_submit():
        return _refused(DomainError(_("批次应为整数。")), "staff.membership", membership_id=membership_id)

    def record():
        enterprises.set_whitelist(
            uow.session(), current_actor(), item.enterprise_id, form.batch.data, form.activity.data or None
        )

    return _button(record, _("白名单信息已更新。"), "staff.membership", membership_id=membership_id)


@bp.route("/staff/fees", methods=["GET", "POST"])
@staff_read_required
def fees():
    form = TierFeeForm()
    if request.method == "POST" and not is_staff(current_actor()):
        abort(403)

    def set_fee():
        fee = _amount(form.fee.data, "fee", _("金额格式不正确。"), _("金额格式不正确，例如 20000 或 20000.00。"))
        memberships.set_tier_fee(uow.session(), current_actor(), form.tier.data, fee)
        return True

    if submit(form, set_fee):
        flash(_("会费标准已更新。"), "success")
        return redirect(url_for("staff.fees"))
    return _fees_page(form, CutoffForm(cutoff=terms.late_join_cutoff(uow.session()) or ""))


def _fees_page(fee_form, cutoff_form):
    """The fee page: each tier's fee and the late-joiner cut-off, each with its form (422 on an error)."""
    db = uow.session()
    page = render_template(
        "members/staff_fees.html",
        form=fee_form,
        cutoff_form=cutoff_form,
        fees=queries.tier_fees(db),
        cutoff_label=terms.cutoff_label(terms.late_join_cutoff(db)),
    )
    return page, max(form_status(fee_form), form_status(cutoff_form))


@bp.post("/staff/fees/cutoff")
@staff_required
def fee_cutoff():
    form = CutoffForm()
    if submit(form, lambda: terms.set_late_join_cutoff(uow.session(), current_actor(), form.cutoff.data) or True):
        flash(_("入会截止日已保存。"), "success")
        return redirect(url_for("staff.fees"))
    return _fees_page(TierFeeForm(formdata=None), form)


# --- whitelist requests ---------------------------------------------------------------------------


@bp.get("/staff/whitelist")
@staff_read_required
def whitelist_requests():
    db = uow.session()
    pending = request.args.get("state") == "pending"  # the work-bench's link: only those waiting
    rows = queries.whitelist_requests(db, state="pending" if pending else None)
    names = queries.enterprise_names(db, [r.enterprise_id for r in rows])
    return render_template(
        "staff/whitelist.html", rows=rows, names=names, form=WhitelistDecisionForm(), pending=pending
    )


@bp.post("/staff/whitelist/<int:request_id>/<any(approve,reject):decision>")
@staff_required
def decide_whitelist(request_id: int, decision: str):
    form = WhitelistDecisionForm()

    def decide():
        approve, reason = decision == "approve", form.reason.data or ""
        enterprises.decide_whitelist(uow.session(), current_actor(), request_id, approve, reason)

    return _button(decide, _("已处理。"), "staff.whitelist_requests")


@bp.get("/staff/whitelist/<int:request_id>/evidence")
@staff_read_required
def whitelist_evidence(request_id: int):
    row = queries.find_whitelist_request(uow.session(), request_id)
    if row is None:
        abort(404)
    return send_upload(row.evidence_file, row.evidence_mime, row.evidence_name, attachment=True)
