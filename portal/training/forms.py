"""Training forms: input shape only."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length


class MaterialForm(FlaskForm):
    title = StringField(_l("标题"), validators=[Length(max=300)])
    summary = TextAreaField(_l("简介"))
    audience = StringField(_l("适用对象"), validators=[Length(max=200)])
    topic = SelectField(_l("主题"), choices=[], validate_choice=False)
    level = SelectField(_l("难度"), choices=[], validate_choice=False)
    members_only = BooleanField(_l("仅限会员（文件和视频链接只对会员开放）"))
    files = MultipleFileField(_l("文件（PDF 或 PPTX 幻灯片，每个不超过 50 MB）"))
    video_links = TextAreaField(_l("视频链接（每行一个）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from portal.training.services import LEVELS, TOPICS

        self.topic.choices = TOPICS.choices(blank=str(_l("请选择")))
        self.level.choices = LEVELS.choices(blank=str(_l("请选择")))


class EventForm(FlaskForm):
    title = StringField(_l("培训名称"), validators=[Length(max=300)])
    description = TextAreaField(_l("内容介绍"))
    starts_at = StringField(_l("开始时间"), description=_l("例如 2026-12-10 09:00"), validators=[Length(max=20)])
    ends_at = StringField(_l("结束时间"), validators=[Length(max=20)])
    place = StringField(_l("地点"), validators=[Length(max=300)])
    online_url = StringField(_l("线上链接"), validators=[Length(max=500)])
    capacity = StringField(_l("名额"), validators=[Length(max=6)])


class EmptyForm(FlaskForm):
    """CSRF only."""
