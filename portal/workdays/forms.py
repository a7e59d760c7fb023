"""Working-day calendar forms: input shape only (the services check the values)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField


class DayForm(FlaskForm):
    day = StringField(_l("日期"), description=_l("例如 2026-10-01"))
    kind = SelectField(_l("这一天是"), choices=[], validate_choice=False)
    name = StringField(_l("名称"), description=_l("例如 国庆节、调休上班（春节）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from portal.workdays.services import DAY_KINDS

        self.kind.choices = DAY_KINDS.choices(blank=str(_l("请选择")))
