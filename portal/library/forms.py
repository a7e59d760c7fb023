"""Standard forms: input shape only."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from portal.core.enums import STANDARD_LEVELS, STANDARD_STATES, STANDARD_TOPICS


class StandardForm(FlaskForm):
    number = StringField(_l("标准编号"), validators=[Length(max=60)], description=_l("如 GB/T 34015.3-2021"))
    title_zh = StringField(_l("中文名称"), validators=[Length(max=300)])
    title_en = StringField(_l("英文名称"), validators=[Length(max=300)])
    level = SelectField(_l("标准级别"), choices=[], validate_choice=False)
    topic = SelectField(_l("类别"), choices=[], validate_choice=False)
    status = SelectField(_l("状态"), choices=[], validate_choice=False)
    published_on = StringField(_l("发布日期"), validators=[Length(max=20)], description=_l("YYYY-MM-DD"))
    effective_on = StringField(_l("实施日期"), validators=[Length(max=20)], description=_l("YYYY-MM-DD"))
    needs_check = BooleanField(_l("日期待核实"))
    issuing_body = StringField(_l("发布机构"), validators=[Length(max=300)])
    drafting_bodies = TextAreaField(
        _l("起草单位"),
        validators=[Length(max=5000)],
        description=_l("每行一个单位，按排名顺序；与会员单位名称完全一致的，在标准页面链接到该会员。"),
    )
    scope = TextAreaField(_l("适用范围"), validators=[Length(max=10000)])
    keywords = StringField(_l("关键词"), validators=[Length(max=500)])
    replaces = StringField(
        _l("代替标准"), validators=[Length(max=500)], description=_l("被本标准代替的标准编号，多个用逗号分隔")
    )
    official_url = StringField(_l("官方信息页链接"), validators=[Length(max=500)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.level.choices = STANDARD_LEVELS.choices(blank=str(_l("请选择")))
        self.topic.choices = STANDARD_TOPICS.choices(blank=str(_l("请选择")))
        self.status.choices = STANDARD_STATES.choices(blank=str(_l("按实施日期自动确定")))


class AttachmentForm(FlaskForm):
    file = FileField(_l("标准全文（PDF）"))
    label = StringField(_l("说明"), validators=[Length(max=200)])


class LinkForm(FlaskForm):
    url = StringField(_l("官方全文链接"), validators=[Length(max=500)])
    label = StringField(_l("说明"), validators=[Length(max=200)])
