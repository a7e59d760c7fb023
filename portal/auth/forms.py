"""Login and password forms: input shape only."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.core import roles
from portal.core.enums import ROLES

REQUIRED = _l("此项为必填项。")


class LoginForm(FlaskForm):
    email = EmailField(_l("电子邮箱"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("密码"), validators=[DataRequired(REQUIRED), Length(max=200)])
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("电子邮箱"), validators=[DataRequired(REQUIRED), Length(max=254)])


class ResendVerificationForm(FlaskForm):
    email = EmailField(_l("注册时使用的电子邮箱"), validators=[DataRequired(REQUIRED), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("新密码（至少10个字符）"), validators=[DataRequired(REQUIRED), Length(max=200)])
    confirm = PasswordField(
        _l("再次输入新密码"), validators=[DataRequired(REQUIRED), EqualTo("password", _l("两次输入的密码不一致。"))]
    )


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(_l("当前密码"), validators=[DataRequired(REQUIRED)])


class InternalUserForm(FlaskForm):
    """Administrators create staff, reviewer and observer accounts."""

    email = EmailField(_l("电子邮箱"), validators=[DataRequired(REQUIRED), Length(max=254)])
    name = StringField(_l("姓名"), validators=[DataRequired(REQUIRED), Length(max=100)])
    role = SelectField(_l("角色"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [(r, ROLES.label(r)) for r in INTERNAL_ROLES]


# in the order offered
INTERNAL_ROLES = (roles.STAFF_ROLE, roles.ADMIN, roles.REVIEWER, roles.OBSERVER, roles.FINANCIER)
