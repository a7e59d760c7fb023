"""The member area /account: status, profile, colleagues, whitelist request, certificate."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.views import start_session
from portal.core import uow
from portal.core.files import check_upload
from portal.core.permissions import enterprise_admin_required, member_required
from portal.errors import DomainError, apply_to_form
from portal.members import account_bp as bp
from portal.members import services
from portal.members.forms import (
    AcceptInvitationForm,
    ColleagueForm,
    InviteForm,
    LogoForm,
    ProfileForm,
    ResubmitForm,
    WhitelistRequestForm,
)
from portal.pdf import PdfError, render_pdf


def _me():
    return current_user._get_current_object()


def _status(form) -> int:
    return 422 if form.errors or form.form_errors else 200


@bp.get("/account")
@member_required
def index():
    db = uow.session()
    enterprise = services.get_enterprise(db, current_user.enterprise_id)
    return render_template(
        "account/index.html",
        enterprise=enterprise,
        application=services.current_application(db, current_user),
        fees=services.tier_fees(db),
        resubmit_form=ResubmitForm(),
    )


@bp.post("/account/resubmit")
@member_required
def resubmit():
    form = ResubmitForm()
    if form.validate_on_submit():
        try:
            licence = None
            if form.licence.data and getattr(form.licence.data, "filename", ""):
                licence = check_upload(
                    form.licence.data,
                    field="licence",
                    allowed=("pdf", "jpg", "png"),
                    max_bytes=current_app.config["UPLOAD_MAX_LICENCE"],
                )
            services.resubmit_application(uow.session(), _me(), form.note.data, licence)
        except DomainError as err:
            flash(err.message, "error")
            return redirect(url_for("account.index")), 303
        flash(_("已重新提交，协会将尽快处理。"), "success")
    return redirect(url_for("account.index"))


@bp.route("/account/profile", methods=["GET", "POST"])
@member_required
def profile():
    db = uow.session()
    enterprise = services.get_enterprise(db, current_user.enterprise_id)
    form = ProfileForm(obj=enterprise)
    is_admin = current_user.role == "member_admin"
    if form.validate_on_submit():
        data = services.ProfileData(
            description=form.description.data or "",
            website=form.website.data or "",
            address=form.address.data or "",
            contact_name=form.contact_name.data or "",
            contact_phone=form.contact_phone.data or "",
            contact_email=form.contact_email.data or "",
            bank_name=form.bank_name.data if is_admin else None,
            bank_account_name=form.bank_account_name.data if is_admin else None,
            bank_account_no=form.bank_account_no.data if is_admin else None,
        )
        try:
            services.update_profile(db, _me(), enterprise.id, data)
        except DomainError as err:
            apply_to_form(form, err)
        else:
            flash(_("企业信息已保存。"), "success")
            return redirect(url_for("account.profile"))
    return render_template(
        "account/profile.html", form=form, logo_form=LogoForm(), enterprise=enterprise, is_admin=is_admin
    ), _status(form)


@bp.post("/account/logo")
@member_required
def logo():
    form = LogoForm()
    if form.validate_on_submit():
        try:
            checked = check_upload(
                form.logo.data, field="logo", allowed=("png", "jpg"), max_bytes=current_app.config["UPLOAD_MAX_IMAGE"]
            )
            services.set_logo(uow.session(), _me(), current_user.enterprise_id, checked)
        except DomainError as err:
            flash(err.message, "error")
            return redirect(url_for("account.profile")), 303
        flash(_("企业标志已更新。"), "success")
    return redirect(url_for("account.profile"))


@bp.route("/account/users", methods=["GET", "POST"])
@enterprise_admin_required
def users():
    db = uow.session()
    form = InviteForm()
    if form.validate_on_submit():
        try:
            services.invite_colleague(
                db, _me(), form.email.data, form.role.data, days=current_app.config["TOKEN_INVITATION_DAYS"]
            )
        except DomainError as err:
            apply_to_form(form, err)
        else:
            flash(_("邀请邮件已发送至 %(email)s。", email=form.email.data), "success")
            return redirect(url_for("account.users"))
    return render_template(
        "account/users.html",
        form=form,
        colleagues=services.colleagues(db, current_user.enterprise_id),
        invitations=services.pending_invitations(db, current_user.enterprise_id),
        manage_form=ColleagueForm(),
    ), _status(form)


@bp.post("/account/users/<int:user_id>")
@enterprise_admin_required
def manage_user(user_id: int):
    form = ColleagueForm()
    if form.validate_on_submit():
        try:
            services.manage_colleague(
                uow.session(), _me(), user_id, role=form.role.data, active=form.active.data == "1"
            )
        except DomainError as err:
            flash(err.message, "error")
            return redirect(url_for("account.users")), 303
        flash(_("已保存。"), "success")
    return redirect(url_for("account.users"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    db = uow.session()
    try:
        invitation = services.find_invitation(db, token)
    except DomainError as err:
        return render_template("auth/message.html", title=_("邀请无效"), message=err.message), 400
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(db, token, form.name.data, form.password.data)
        except DomainError as err:
            apply_to_form(form, err)
        else:
            start_session(user)
            flash(_("欢迎加入！"), "success")
            return redirect(url_for("account.index"))
    enterprise = services.get_enterprise(db, invitation.enterprise_id)
    return render_template(
        "account/accept_invitation.html", form=form, invitation=invitation, enterprise=enterprise
    ), _status(form)


@bp.route("/account/whitelist", methods=["GET", "POST"])
@enterprise_admin_required
def whitelist():
    db = uow.session()
    form = WhitelistRequestForm()
    if form.validate_on_submit():
        try:
            evidence = check_upload(
                form.evidence.data,
                field="evidence",
                allowed=("pdf", "jpg", "png"),
                max_bytes=current_app.config["UPLOAD_MAX_LICENCE"],
            )
            services.request_whitelist(db, _me(), form.batch.data, form.activity.data, evidence, form.note.data)
        except DomainError as err:
            apply_to_form(form, err)
        else:
            flash(_("申请已提交，协会核实后将更新贵单位的白名单信息。"), "success")
            return redirect(url_for("account.index"))
    enterprise = services.get_enterprise(db, current_user.enterprise_id)
    return render_template("account/whitelist.html", form=form, enterprise=enterprise), _status(form)


@bp.get("/account/certificate.pdf")
@enterprise_admin_required
@uow.writes
def certificate():
    try:
        context = services.certificate_context(uow.session(), _me())
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("account.index")), 303
    try:
        pdf = render_pdf("pdf/membership_certificate.html", context)
    except PdfError as err:
        return render_template("errors/generic.html", status=503, message=str(err)), 503
    filename = f"membership-certificate-{context['number']}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
