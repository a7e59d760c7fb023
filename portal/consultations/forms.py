"""Consultation forms: input shape only."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length


class ConsultationForm(FlaskForm):
    code = StringField(_l("标准编号（征求意见稿）"), validators=[Length(max=60)])
    title = StringField(_l("标准名称"), validators=[Length(max=300)])
    description = TextAreaField(_l("说明"))
    deadline = StringField(_l("截止日期"), description=_l("当天24时截止，例如 2026-12-31"), validators=[Length(max=20)])
    clauses = TextAreaField(
        _l("条文"),
        description=_l("粘贴或输入条文：每条以章条编号开头（如“5.2.3 技术要求……”），其后的行属于同一条。"),
    )


class CommentForm(FlaskForm):
    clause = SelectField(_l("章条"), choices=[], validate_choice=False)
    text = TextAreaField(_l("意见内容"), validators=[Length(max=5000)])


class AnswerForm(FlaskForm):
    decision = SelectField(_l("处理意见"), choices=[], validate_choice=False)
    reason = TextAreaField(_l("理由（部分采纳或未采纳时必填）"), validators=[Length(max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from portal.consultations.services import DECISIONS

        self.decision.choices = DECISIONS.choices(blank=str(_l("请选择")))
