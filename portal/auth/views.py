"""Thin routes over portal.auth.services."""

from __future__ import annotations

import datetime as dt

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import bp, services
from portal.auth.forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, ResetPasswordForm
from portal.core import uow
from portal.errors import DomainError, TooManyRequests, apply_to_form
from portal.notify.services import queue_mail


def start_session(user) -> None:
    """Log the user in on a fresh session (no data carried over from before login)."""
    session.clear()
    login_user(user)


def home_for(user) -> str:
    if user.is_staff or user.role == "observer":
        return url_for("staff.dashboard")
    if user.role == "reviewer":
        return url_for("staff.applications")
    return url_for("account.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
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
        except TooManyRequests:
            raise
        except DomainError as err:
            uow.commit()  # keep the failure count
            apply_to_form(form, err)
            return render_template("auth/login.html", form=form), 401
        start_session(user)
        return redirect(services.safe_next(form.next.data) or home_for(user))
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    services.end_all_sessions(uow.session(), current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("main.index"))


@bp.get("/verify/<token>")
@uow.writes
def verify_email(token: str):
    try:
        services.verify_email(uow.session(), token)
    except DomainError as err:
        return render_template("auth/message.html", title=_("验证失败"), message=err.message), 400
    flash(_("电子邮箱已验证，现在可以登录。"), "success")
    return redirect(url_for("auth.login"))


@bp.route("/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        db = uow.session()
        user = services.find_user_by_email(db, form.email.data)
        if user is not None and user.is_active:
            minutes = current_app.config["TOKEN_RESET_PASSWORD_MINUTES"]
            token = services.issue_token(db, user, "reset_password", dt.timedelta(minutes=minutes))
            queue_mail(db, user.email, _("重置密码"), "reset_password", token=token, minutes=minutes)
        # The same answer whether or not the address is known.
        return render_template(
            "auth/message.html",
            title=_("请查收邮件"),
            message=_("如果该邮箱已注册，您将收到一封重置密码的邮件，链接在一小时内有效。"),
        )
    return render_template("auth/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(uow.session(), token, form.password.data)
        except DomainError as err:
            apply_to_form(form, err)
        else:
            flash(_("密码已重置，请用新密码登录。"), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form), 422 if form.errors or form.form_errors else 200


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(uow.session(), user, form.current_password.data, form.password.data)
        except DomainError as err:
            apply_to_form(form, err)
        else:
            start_session(user)  # this session continues under the new epoch; all others end
            flash(_("密码已修改，其他设备上的登录已失效。"), "success")
            return redirect(home_for(user))
    return render_template("auth/change_password.html", form=form), 422 if form.errors or form.form_errors else 200
