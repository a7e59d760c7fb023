"""Thin routes over portal.auth.services: login, logout, e-mail links, passwords, internal accounts."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user

from portal.auth import bp, queries, services
from portal.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    InternalUserForm,
    LoginForm,
    ResendVerificationForm,
    ResetPasswordForm,
)
from portal.core import roles, uow
from portal.core.permissions import admin_required
from portal.core.views import current_actor, render_form, submit
from portal.errors import DomainError, apply_to_form

LANGUAGES = ("zh_Hans_CN", "en")


def start_session(user) -> None:
    """Log the user in on a fresh session (nothing carried over from before login but the language).

    The language a visitor chose before logging in wins and is kept on the account; without a
    choice, the language kept on the account applies.
    """
    chosen = session.get("lang")
    session.clear()
    login_user(user)
    if chosen in LANGUAGES:
        services.remember_language(uow.session(), user, chosen)
    lang = chosen if chosen in LANGUAGES else user.locale
    if lang in LANGUAGES:
        session["lang"] = lang


def home_for(user) -> str:
    """Where a user lands after logging in: the work-bench, the review queue or the member area."""
    if user.role in roles.STAFF_READ:
        return url_for("staff.dashboard")
    if user.role == roles.REVIEWER:
        return url_for("staff.applications")
    return url_for("account.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422 if form.errors else 200
    config = current_app.config
    try:
        user = services.authenticate(
            uow.session(),
            form.email.data,
            form.password.data,
            address=request.remote_addr,
            limit=config["LOGIN_FAILURE_LIMIT"],
            window=config["LOGIN_FAILURE_WINDOW_SECONDS"],
        )
    except DomainError as err:
        uow.commit()  # keep the failure count
        apply_to_form(form, err)  # too many failures: the 429 page, with Retry-After
        return render_template("auth/login.html", form=form), 401
    start_session(user)
    return redirect(services.safe_next(form.next.data) or home_for(user))


@bp.post("/logout")
@login_required
def logout():
    services.end_all_sessions(uow.session(), current_actor())
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang in LANGUAGES:
        session["lang"] = lang  # the visitor keeps the language
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("main.index"))


@bp.get("/verify/<token>")
@uow.writes
def verify_email(token: str):
    try:
        services.verify_email(uow.session(), token)
    except services.AlreadyVerified as err:
        return render_template("auth/message.html", title=_("邮箱已验证"), message=err.message, login_link=True)
    except DomainError as err:
        page = render_template("auth/message.html", title=_("验证失败"), message=err.message, resend_link=True)
        return page, 400
    flash(_("电子邮箱已验证，现在可以登录。"), "success")
    return redirect(url_for("auth.login"))


@bp.route("/verify/resend", methods=["GET", "POST"])
def resend_verification():
    form = ResendVerificationForm(email=request.args.get("email", ""))
    if not form.validate_on_submit():
        return render_template("auth/resend.html", form=form), 422 if form.errors else 200
    hours = current_app.config["TOKEN_VERIFY_EMAIL_HOURS"]
    services.resend_verification(uow.session(), form.email.data, hours=hours)
    # The same answer whether or not the address is known, unverified or just sent a link.
    flash(_("如果该邮箱已注册且尚未验证，我们已重新发送验证邮件，请查收（也请查看垃圾邮件文件夹）。"), "success")
    return redirect(url_for("auth.login"), 303)


@bp.route("/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return render_template("auth/forgot.html", form=form), 422 if form.errors else 200
    minutes = current_app.config["TOKEN_RESET_PASSWORD_MINUTES"]
    services.request_password_reset(uow.session(), form.email.data, minutes=minutes)
    # The same answer whether or not the address is known.
    return render_template(
        "auth/message.html",
        title=_("请查收邮件"),
        message=_("如果该邮箱已注册，您将收到一封重置密码的邮件，链接在一小时内有效。"),
    )


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    form = ResetPasswordForm()
    if submit(form, lambda: services.reset_password(uow.session(), token, form.password.data)):
        flash(_("密码已重置，请用新密码登录。"), "success")
        return redirect(url_for("auth.login"))
    return render_form("auth/reset.html", form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    user = current_actor()
    if submit(
        form, lambda: services.change_password(uow.session(), user, form.current_password.data, form.password.data)
    ):
        start_session(user)  # this session continues under the new epoch; all others end
        flash(_("密码已修改，其他设备上的登录已失效。"), "success")
        return redirect(home_for(user))
    return render_form("auth/change_password.html", form)


@bp.route("/staff/users", methods=["GET", "POST"])
@admin_required
def internal_users():
    """Administrators create staff, admin, reviewer and observer accounts."""
    form = InternalUserForm()
    create = services.create_internal_user
    user = submit(form, lambda: create(uow.session(), current_actor(), form.email.data, form.name.data, form.role.data))
    if user is not None:
        flash(_("账户已创建，设置密码的邮件已发送至 %(email)s。", email=user.email), "success")
        return redirect(url_for("auth.internal_users"))
    return render_form("staff/users.html", form, users=queries.internal_users(uow.session()))
