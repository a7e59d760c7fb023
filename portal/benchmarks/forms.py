"""The selection's forms: input shape only; the rules are in services.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from portal.benchmarks import sources


class SelectionForm(FlaskForm):
    year = StringField(_l("评选年度"), validators=[Length(max=4)])
    title = StringField(_l("评选名称"), validators=[Length(max=200)])
    opens_on = StringField(_l("申报开始日期"), validators=[Length(max=20)], render_kw={"type": "date"})
    closes_on = StringField(_l("申报截止日期"), validators=[Length(max=20)], render_kw={"type": "date"})
    criteria = HiddenField()  # where the service's message on the weights lands; the weights are weight_<code>

    def weights(self, formdata) -> tuple[tuple[str, str], ...]:
        """The weight typed for each criterion code (fields named weight_<code>)."""
        return tuple((code, formdata.get(f"weight_{code}", "")) for code in sources.criterion_names())


class ApplyForm(FlaskForm):
    statement = TextAreaField(_l("申报说明"), validators=[Length(max=3000)], render_kw={"rows": 8})


class NominateForm(FlaskForm):
    enterprise_id = IntegerField(_l("会员企业"), validators=[Optional()])
    statement = TextAreaField(_l("提名理由"), validators=[Length(max=3000)])


class ScoreForm(FlaskForm):
    score = StringField(_l("评分（0–100）"), validators=[Length(max=3)])
    note = StringField(_l("评分说明"), validators=[Length(max=500)])
