"""The token form: input shape only."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from portal.members.forms import MultiCheckboxField


class TokenForm(FlaskForm):
    name = StringField(_l("令牌名称"), validators=[Length(max=100)], description=_l("例如“MES系统”“溯源对接”"))
    scopes = MultiCheckboxField(_l("权限范围"), choices=[], validate_choice=False)
