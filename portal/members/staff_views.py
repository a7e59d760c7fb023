"""Staff pages: dashboard, review queue, memberships and fees, whitelist, audit log, internal users."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from portal.auth import services as auth_services
from portal.auth.forms import InternalUserForm
from portal.auth.models import User
from portal.core import audit, clock, uow
from portal.core.enums import ROLES
from portal.core.files import send_upload
from portal.core.money import parse_yuan
from portal.core.paging import paginate, parse_paging
from portal.core.permissions import admin_required, roles_required, staff_read_required, staff_required
from portal.errors import DomainError, apply_to_form
from portal.members import queries, services
from portal.members import staff_bp as bp
from portal.members.forms import (
    AssignForm,
    DecisionForm,
    OpinionForm,
    PaymentForm,
    SuspendForm,
    TierFeeForm,
    WhitelistDecisionForm,
    WhitelistSetForm,
)
from portal.members.models import Membership, MembershipApplication, WhitelistRequest

review_roles = roles_required("staff", "admin", "observer", "reviewer")


def _me():
    return current_user._get_current_object()


def _back(endpoint: str, **values):
    return redirect(url_for(endpoint, **values))


def _fail(err: DomainError, endpoint: str, **values):
    flash(err.message + (" " + "；".join(err.fields.values()) if err.fields else ""), "error")
    return redirect(url_for(endpoint, **values)), 303


@bp.get("/staff")
@staff_read_required
def dashboard():
    db = uow.session()
    applications = dict(
        db.execute(select(MembershipApplication.state, func.count()).group_by(MembershipApplication.state)).all()
    )
    memberships = dict(db.execute(select(Membership.state, func.count()).group_by(Membership.state)).all())
    pending_whitelist = db.scalar(select(func.count()).where(WhitelistRequest.state == "pending"))
    return render_template(
        "staff/dashboard.html", applications=applications, memberships=memberships, pending_whitelist=pending_whitelist
    )


@bp.get("/staff/applications")
@review_roles
def applications():
    state = request.args.get("state") or None
    page, per_page = parse_paging(request.args)
    result = paginate(uow.session(), queries.application_queue(current_user, state), page, per_page)
    return render_template("staff/applications.html", page=result, state=state)


def _visible_application(application_id: int) -> MembershipApplication:
    application = uow.session().get(MembershipApplication, application_id)
    if application is None:
        abort(404)
    if not services.can_view_application(current_user, application) or current_user.is_member:
        abort(403)
    return application


@bp.get("/staff/applications/<int:application_id>")
@review_roles
def application(application_id: int):
    application = _visible_application(application_id)
    db = uow.session()
    assign_form = AssignForm()
    assign_form.reviewer_id.choices = [(str(u.id), u.name or u.email) for u in queries.reviewers(db)]
    return render_template(
        "staff/application.html",
        application=application,
        applicant=db.get(User, application.applicant_id),
        decision_form=DecisionForm(),
        assign_form=assign_form,
        opinion_form=OpinionForm(),
        can_act=current_user.is_staff,
        reviewer_names={u.id: u.name or u.email for u in queries.reviewers(db)},
    )


@bp.get("/staff/applications/<int:application_id>/licence")
@review_roles
def licence(application_id: int):
    application = _visible_application(application_id)
    return send_upload(application.licence_file, application.licence_mime, application.licence_name, attachment=True)


@bp.post("/staff/applications/<int:application_id>/decide")
@staff_required
def decide(application_id: int):
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("请检查填写的内容。"), "error")
        return _back("staff.application", application_id=application_id), 303
    db = uow.session()
    try:
        if form.action.data == "approve":
            membership = services.approve_application(db, _me(), application_id, form.tier.data or None)
            flash(_("已批准，会员编号 %(number)s。", number=membership.number), "success")
        elif form.action.data == "reject":
            services.reject_application(db, _me(), application_id, form.reason.data)
            flash(_("已作出不予通过的决定。"), "success")
        elif form.action.data == "request_info":
            services.request_information(db, _me(), application_id, form.reason.data)
            flash(_("已通知申请人补充材料。"), "success")
        else:
            raise DomainError(_("请选择处理方式。"))
    except DomainError as err:
        return _fail(err, "staff.application", application_id=application_id)
    return _back("staff.application", application_id=application_id)


@bp.post("/staff/applications/<int:application_id>/assign")
@staff_required
def assign(application_id: int):
    form = AssignForm()
    form.validate_on_submit()
    raw = form.reviewer_id.data or ""
    try:
        services.assign_reviewer(
            uow.session(), _me(), application_id, int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else -1
        )
    except DomainError as err:
        return _fail(err, "staff.application", application_id=application_id)
    flash(_("已指派评审专家。"), "success")
    return _back("staff.application", application_id=application_id)


@bp.post("/staff/applications/<int:application_id>/opinion")
@roles_required("reviewer")
def opinion(application_id: int):
    form = OpinionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.record_opinion(uow.session(), _me(), application_id, form.opinion.data, form.comment.data)
    except DomainError as err:
        if err.status == 403:
            abort(403)
        return _fail(err, "staff.application", application_id=application_id)
    flash(_("评审意见已提交。"), "success")
    return _back("staff.application", application_id=application_id)


@bp.get("/staff/memberships")
@staff_read_required
def memberships():
    state = request.args.get("state") or None
    page, per_page = parse_paging(request.args)
    result = paginate(uow.session(), queries.memberships(state), page, per_page)
    return render_template("staff/memberships.html", page=result, state=state)


@bp.get("/staff/memberships/<int:membership_id>")
@staff_read_required
def membership(membership_id: int):
    db = uow.session()
    item = services.get_membership(db, membership_id)
    payment_form = PaymentForm(term_year=item.term_end.year, paid_on=clock.today())
    whitelist_form = WhitelistSetForm(
        batch=item.enterprise.whitelist_batch, activity=item.enterprise.whitelist_activity
    )
    return render_template(
        "staff/membership.html",
        membership=item,
        payment_form=payment_form,
        suspend_form=SuspendForm(),
        whitelist_form=whitelist_form,
        fees=services.tier_fees(db),
        can_act=current_user.is_staff,
    )


@bp.post("/staff/memberships/<int:membership_id>/payment")
@staff_required
def payment(membership_id: int):
    form = PaymentForm()
    if not form.validate_on_submit():
        return _fail(
            DomainError(_("请完整填写缴费信息。"), {k: v[0] for k, v in form.errors.items()}),
            "staff.membership",
            membership_id=membership_id,
        )
    try:
        try:
            amount = parse_yuan(form.amount.data)
        except ValueError:
            raise DomainError(_("金额格式不正确，例如 5000 或 5000.00。"), {"amount": _("金额格式不正确。")}) from None
        services.record_payment(
            uow.session(), _me(), membership_id, form.term_year.data, amount, form.paid_on.data, form.note.data or ""
        )
    except DomainError as err:
        return _fail(err, "staff.membership", membership_id=membership_id)
    flash(_("缴费已登记。"), "success")
    return _back("staff.membership", membership_id=membership_id)


@bp.post("/staff/memberships/<int:membership_id>/suspend")
@staff_required
def suspend(membership_id: int):
    form = SuspendForm()
    form.validate_on_submit()
    try:
        services.suspend(uow.session(), _me(), membership_id, form.reason.data or "")
    except DomainError as err:
        return _fail(err, "staff.membership", membership_id=membership_id)
    flash(_("会员资格已暂停。"), "success")
    return _back("staff.membership", membership_id=membership_id)


@bp.post("/staff/memberships/<int:membership_id>/reinstate")
@staff_required
def reinstate(membership_id: int):
    try:
        services.reinstate(uow.session(), _me(), membership_id)
    except DomainError as err:
        return _fail(err, "staff.membership", membership_id=membership_id)
    flash(_("会员资格已恢复。"), "success")
    return _back("staff.membership", membership_id=membership_id)


@bp.post("/staff/memberships/<int:membership_id>/whitelist")
@staff_required
def set_whitelist(membership_id: int):
    form = WhitelistSetForm()
    db = uow.session()
    item = services.get_membership(db, membership_id)
    if not form.validate_on_submit():
        return _fail(DomainError(_("批次应为整数。")), "staff.membership", membership_id=membership_id)
    try:
        services.set_whitelist(db, _me(), item.enterprise_id, form.batch.data, form.activity.data or None)
    except DomainError as err:
        return _fail(err, "staff.membership", membership_id=membership_id)
    flash(_("白名单信息已更新。"), "success")
    return _back("staff.membership", membership_id=membership_id)


@bp.route("/staff/fees", methods=["GET", "POST"])
@staff_read_required
def fees():
    form = TierFeeForm()
    if request.method == "POST":
        if not current_user.is_staff:
            abort(403)
        if form.validate_on_submit():
            try:
                try:
                    fee = parse_yuan(form.fee.data)
                except ValueError:
                    raise DomainError(
                        _("金额格式不正确。"), {"fee": _("金额格式不正确，例如 20000 或 20000.00。")}
                    ) from None
                services.set_tier_fee(uow.session(), _me(), form.tier.data, fee)
            except DomainError as err:
                apply_to_form(form, err)
            else:
                flash(_("会费标准已更新。"), "success")
                return _back("staff.fees")
    status = 422 if form.errors or form.form_errors else 200
    return render_template("staff/fees.html", form=form, fees=services.tier_fees(uow.session())), status


@bp.get("/staff/whitelist")
@staff_read_required
def whitelist_requests():
    rows = uow.session().scalars(select(WhitelistRequest).order_by(WhitelistRequest.id.desc()).limit(200)).all()
    names = {e.id: e.name for e in (services.get_enterprise(uow.session(), r.enterprise_id) for r in rows)}
    return render_template("staff/whitelist.html", rows=rows, names=names, form=WhitelistDecisionForm())


@bp.post("/staff/whitelist/<int:request_id>/<any(approve,reject):decision>")
@staff_required
def decide_whitelist(request_id: int, decision: str):
    form = WhitelistDecisionForm()
    form.validate_on_submit()
    try:
        services.decide_whitelist(uow.session(), _me(), request_id, decision == "approve", form.reason.data or "")
    except DomainError as err:
        return _fail(err, "staff.whitelist_requests")
    flash(_("已处理。"), "success")
    return _back("staff.whitelist_requests")


@bp.get("/staff/whitelist/<int:request_id>/evidence")
@staff_read_required
def whitelist_evidence(request_id: int):
    row = uow.session().get(WhitelistRequest, request_id)
    if row is None:
        abort(404)
    return send_upload(row.evidence_file, row.evidence_mime, row.evidence_name, attachment=True)


@bp.get("/staff/audit")
@admin_required
def audit_log():
    page, per_page = parse_paging(request.args, default_per_page=50)
    stmt = audit.entries_query(object_type=request.args.get("object_type") or None)
    return render_template("staff/audit.html", page=paginate(uow.session(), stmt, page, per_page))


@bp.route("/staff/users", methods=["GET", "POST"])
@admin_required
def internal_users():
    db = uow.session()
    form = InternalUserForm()
    form.role.choices = [(r, ROLES.label(r)) for r in ("staff", "admin", "reviewer", "observer")]
    if form.validate_on_submit():
        try:
            user = auth_services.create_internal_user(db, _me(), form.email.data, form.name.data, form.role.data)
        except DomainError as err:
            apply_to_form(form, err)
        else:
            flash(_("账户已创建，设置密码的邮件已发送至 %(email)s。", email=user.email), "success")
            return _back("staff.internal_users")
    users = db.scalars(select(User).where(User.enterprise_id.is_(None)).order_by(User.id)).all()
    return render_template("staff/users.html", form=form, users=users), 422 if form.errors or form.form_errors else 200
