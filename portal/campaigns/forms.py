"""Campaign forms: input shape only; the rules live in services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, DateInput, ListWidget

from portal.campaigns.checklist import RESULTS
from portal.core.enums import CITIES


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CampaignForm(FlaskForm):
    name = StringField(_l("核查活动名称"))
    # Dates stay text: the service parses them and names a bad one in Chinese.
    starts_on = StringField(_l("开始日期"), widget=DateInput())
    ends_on = StringField(_l("结束日期"), widget=DateInput())
    cities = MultiCheckboxField(_l("城市（可多选）"), choices=[], validate_choice=False)
    operators = SelectMultipleField(
        _l("运营企业（可多选，按住 Ctrl 或 ⌘ 选择多个）"),
        choices=[],
        validate_choice=False,
        description=_l("只选城市：这些城市的全部网点；只选企业：这些企业的全部网点；都选：这些企业在这些城市的网点。"),
    )

    def __init__(self, *args, operators: list[tuple[str, int]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.cities.choices = CITIES.choices()
        self.operators.choices = [(name, f"{name}（{n}）") for name, n in operators]


class InspectionForm(FlaskForm):
    """The fixed part of an inspection; the checklist items are read by ``item_marks``."""

    inspected_on = StringField(_l("核查日期"), widget=DateInput())
    result = SelectField(_l("核查结论"), choices=[], validate_choice=False)
    deadline = StringField(_l("整改期限（结论为“需整改”时必填）"), widget=DateInput())
    summary = TextAreaField(_l("核查意见"))
    photos = MultipleFileField(_l("现场照片（JPG 或 PNG，每张不超过 5 MB，可多选）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.result.choices = RESULTS.choices(blank=str(_l("请选择")))


def item_marks(formdata, checklist_items: list[dict]) -> tuple:
    """The checklist part of a submitted inspection: fields item-<code> and note-<code>."""
    from portal.campaigns.services import ItemMark

    return tuple(
        ItemMark(
            code=item["code"],
            outcome=formdata.get(f"item-{item['code']}", ""),
            note=formdata.get(f"note-{item['code']}", "")[:2000],
        )
        for item in checklist_items
    )


class AnswerForm(FlaskForm):
    text = TextAreaField(_l("整改情况说明"))
    evidence = MultipleFileField(_l("证明材料（PDF、JPG 或 PNG，每个不超过 10 MB，可多选）"))


class DecisionForm(FlaskForm):
    reason = TextAreaField(_l("理由（驳回时必填，企业将看到）"))
