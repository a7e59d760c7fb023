"""The member area /account: status, profile, colleagues, whitelist request, certificate."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.views import start_session
from portal.core import roles, uow
from portal.core.files import check_upload
from portal.core.permissions import enterprise_admin_required, member_required
from portal.core.views import attempt, current_actor, render_form, submit
from portal.errors import DomainError
from portal.members import account_bp as bp
from portal.members import applications, enterprises, memberships, queries, standing, terms
from portal.members.forms import (
    AcceptInvitationForm,
    ColleagueForm,
    InviteForm,
    LogoForm,
    ProfileForm,
    ResubmitForm,
    WhitelistRequestForm,
)
from portal.members.views import checked_licence
from portal.pdf import render_pdf

LOGO_TYPES = ("png", "jpg")


def _button(action, endpoint: str, done: str):
    """Run a button's service call and go back to endpoint: done flashed, or the refusal (then 303)."""
    if attempt(lambda: action() or True) is None:
        return redirect(url_for(endpoint)), 303
    flash(done, "success")
    return redirect(url_for(endpoint))


def profile_data(form: ProfileForm, *, with_bank: bool) -> enterprises.ProfileData:
    """The profile form's values as the service's input; the bank fields only for the enterprise's admin."""
    return enterprises.ProfileData(
        description=form.description.data or "",
        website=form.website.data or "",
        address=form.address.data or "",
        contact_name=form.contact_name.data or "",
        contact_title=form.contact_title.data or "",
        contact_phone=form.contact_phone.data or "",
        contact_email=form.contact_email.data or "",
        bank_name=form.bank_name.data if with_bank else None,
        bank_account_name=form.bank_account_name.data if with_bank else None,
        bank_account_no=form.bank_account_no.data if with_bank else None,
    )


@bp.get("/account")
@member_required
def index():
    from portal.registry import queries as registry

    db = uow.session()
    enterprise_id = current_user.enterprise_id
    enterprise = queries.get_enterprise(db, enterprise_id)
    membership = enterprise.membership if enterprise.status == "member" else None
    return render_template(
        "account/index.html",
        batteries=registry.counts(db, enterprise_id),
        incoming=registry.transfers_to(db, enterprise_id)[:5],
        enterprise=enterprise,
        application=queries.current_application(db, current_user),
        fees=queries.tier_fees(db),
        fee_state=terms.fee_state(db, membership) if membership else None,
        closed_reason=standing.closed_reason(membership) if membership else None,
        resubmit_form=ResubmitForm(),
    )


@bp.post("/account/resubmit")
@member_required
def resubmit():
    form = ResubmitForm()
    if not form.validate_on_submit():
        return redirect(url_for("account.index"))

    def answer():
        storage = form.licence.data
        licence = checked_licence(storage) if storage and getattr(storage, "filename", "") else None
        applications.resubmit_application(uow.session(), current_actor(), form.note.data, licence)

    return _button(answer, "account.index", _("已重新提交，协会将尽快处理。"))


@bp.route("/account/profile", methods=["GET", "POST"])
@member_required
def profile():
    enterprise = queries.get_enterprise(uow.session(), current_user.enterprise_id)
    form = ProfileForm(obj=enterprise)
    is_admin = current_user.role == roles.MEMBER_ADMIN

    def save():
        return enterprises.update_profile(
            uow.session(), current_actor(), enterprise.id, profile_data(form, with_bank=is_admin)
        )

    if submit(form, save):
        flash(_("企业信息已保存。"), "success")
        return redirect(url_for("account.profile"))
    return render_form("account/profile.html", form, logo_form=LogoForm(), enterprise=enterprise, is_admin=is_admin)


@bp.post("/account/logo")
@member_required
def logo():
    form = LogoForm()
    if not form.validate_on_submit():
        return redirect(url_for("account.profile"))

    def replace():
        limit = current_app.config["UPLOAD_MAX_IMAGE"]
        checked = check_upload(form.logo.data, field="logo", allowed=LOGO_TYPES, max_bytes=limit)
        enterprises.set_logo(uow.session(), current_actor(), current_user.enterprise_id, checked)

    return _button(replace, "account.profile", _("企业标志已更新。"))


@bp.route("/account/users", methods=["GET", "POST"])
@enterprise_admin_required
def users():
    db, form = uow.session(), InviteForm()
    days = current_app.config["TOKEN_INVITATION_DAYS"]
    if submit(
        form, lambda: enterprises.invite_colleague(db, current_actor(), form.email.data, form.role.data, days=days)
    ):
        flash(_("邀请邮件已发送至 %(email)s。", email=form.email.data), "success")
        return redirect(url_for("account.users"))
    return render_form(
        "account/users.html",
        form,
        colleagues=queries.colleagues(db, current_user.enterprise_id),
        invitations=queries.pending_invitations(db, current_user.enterprise_id),
        manage_form=ColleagueForm(),
    )


@bp.post("/account/users/<int:user_id>")
@enterprise_admin_required
def manage_user(user_id: int):
    form = ColleagueForm()
    if not form.validate_on_submit():
        return redirect(url_for("account.users"))
    role, active = form.role.data, form.active.data == "1"

    def change():
        enterprises.manage_colleague(uow.session(), current_actor(), user_id, role=role, active=active)

    return _button(change, "account.users", _("已保存。"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    db = uow.session()
    try:
        invitation = queries.find_invitation(db, token)
    except DomainError as err:
        return render_template("auth/message.html", title=_("邀请无效"), message=err.message), 400
    form = AcceptInvitationForm()
    user = submit(form, lambda: enterprises.accept_invitation(db, token, form.name.data, form.password.data))
    if user is not None:
        start_session(user)
        flash(_("欢迎加入！"), "success")
        return redirect(url_for("account.index"))
    enterprise = queries.get_enterprise(db, invitation.enterprise_id)
    return render_form("account/accept_invitation.html", form, invitation=invitation, enterprise=enterprise)


@bp.route("/account/whitelist", methods=["GET", "POST"])
@enterprise_admin_required
def whitelist():
    db, form = uow.session(), WhitelistRequestForm()

    def request_listing():
        evidence = checked_licence(form.evidence.data, field="evidence")
        return enterprises.request_whitelist(
            db, current_actor(), form.batch.data, form.activity.data, evidence, form.note.data
        )

    if submit(form, request_listing):
        flash(_("申请已提交，协会核实后将更新贵单位的白名单信息。"), "success")
        return redirect(url_for("account.index"))
    enterprise = queries.get_enterprise(db, current_user.enterprise_id)
    return render_form("account/whitelist.html", form, enterprise=enterprise)


@bp.get("/account/certificate.pdf")
@enterprise_admin_required
@uow.writes
def certificate():
    context = attempt(lambda: memberships.certificate_context(uow.session(), current_actor()))
    if context is None:
        return redirect(url_for("account.index")), 303
    pdf = render_pdf("pdf/membership_certificate.html", context)  # a PdfError is answered 503 (portal.errors)
    filename = f"membership-certificate-{context['number']}.pdf"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(pdf, mimetype="application/pdf", headers=headers)
