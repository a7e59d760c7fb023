"""Notice forms: input shape only."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length


class NoticeForm(FlaskForm):
    kind = SelectField(_l("类别"), choices=[], validate_choice=False)
    title = StringField(_l("标题"), validators=[Length(max=300)])
    source = StringField(_l("发文单位"), validators=[Length(max=200)])
    published_on = StringField(_l("发布日期"), description=_l("例如 2026-11-26"), validators=[Length(max=20)])
    expires_on = StringField(
        _l("有效期至（可不填）"),
        description=_l("过期后不再显示在首页和列表中，但链接仍可访问"),
        validators=[Length(max=20)],
    )
    body = TextAreaField(_l("正文"))
    attachments = MultipleFileField(_l("附件（PDF，每个不超过 20 MB，可多选）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from portal.notices.services import NOTICE_KINDS

        self.kind.choices = NOTICE_KINDS.choices(blank=str(_l("请选择")))
