"""Project forms: input shape only (the services check the rules and name the field at fault)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from portal.core.enums import CITIES
from portal.projects.kinds import ATTACHMENT_KINDS, FINANCE_FORMS, PROJECT_TYPES

TARGET_ROWS = 6
PARTNER_ROWS = 3


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CallForm(FlaskForm):
    title = StringField(_l("申报通知标题"), validators=[Length(max=200)])
    description = TextAreaField(_l("说明"), validators=[Length(max=10000)])
    types = MultiCheckboxField(_l("接受的项目类型"), choices=[], validate_choice=False)
    opens_on = StringField(_l("开始日期"), validators=[Length(max=20)], description=_l("YYYY-MM-DD"))
    closes_on = StringField(_l("截止日期"), validators=[Length(max=20)], description=_l("YYYY-MM-DD"))
    criteria = TextAreaField(
        _l("评审指标及权重"),
        validators=[Length(max=2000)],
        description=_l("每行一项，如“技术先进性 30”，权重合计100"),
    )
    documents = MultiCheckboxField(_l("申报须提交的材料"), choices=[], validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.types.choices = PROJECT_TYPES.choices()
        self.documents.choices = [(c, label) for c, label in ATTACHMENT_KINDS.choices() if c != "evidence"]


class TargetRow(Form):
    name = StringField(_l("指标名称"), validators=[Length(max=100)])
    value = StringField(_l("目标值"), validators=[Length(max=20)])
    unit = StringField(_l("单位"), validators=[Length(max=20)])


class PartnerRow(Form):
    credit_code = StringField(_l("合作单位统一社会信用代码"), validators=[Length(max=18)])
    role = StringField(_l("承担的工作"), validators=[Length(max=200)])


class RowList(FieldList):
    """FieldList whose row numbers are ASCII digits of sensible length: WTForms' own reading takes any
    Unicode digit (targets-²-name) or a number of thousands of digits, and int() of those fails."""

    def _extract_indices(self, prefix, formdata):
        offset = len(prefix) + 1
        for key in formdata:
            if key.startswith(prefix):
                index = key[offset:].split(self._field_separator, 1)[0]
                if index.isascii() and index.isdigit() and len(index) <= 4:
                    yield int(index)


class ProjectForm(FlaskForm):
    call_id = SelectField(_l("申报通知"), choices=[], validate_choice=False)
    title = StringField(_l("项目名称"), validators=[Length(max=200)])
    type = SelectField(_l("项目类型"), choices=[], validate_choice=False)
    city = SelectField(_l("所在城市"), choices=[], validate_choice=False)
    site = StringField(_l("建设地点"), validators=[Length(max=300)])
    lat = StringField(_l("纬度（WGS-84，选填）"), validators=[Length(max=20)])
    lon = StringField(_l("经度（WGS-84，选填）"), validators=[Length(max=20)])
    summary = TextAreaField(_l("项目简介"), validators=[Length(max=10000)])
    planned_start = StringField(_l("计划开始日期"), validators=[Length(max=20)], description=_l("YYYY-MM-DD"))
    planned_end = StringField(_l("计划完成日期"), validators=[Length(max=20)], description=_l("YYYY-MM-DD"))
    budget = StringField(_l("总投资（元）"), validators=[Length(max=20)])
    funding_enterprise = StringField(_l("企业自筹（元）"), validators=[Length(max=20)])
    funding_subsidy = StringField(_l("政府补助（元）"), validators=[Length(max=20)])
    funding_bank_loan = StringField(_l("银行贷款（元）"), validators=[Length(max=20)])
    funding_other = StringField(_l("其他（元）"), validators=[Length(max=20)])
    targets = RowList(FormField(TargetRow), min_entries=TARGET_ROWS, max_entries=12)
    partners = RowList(FormField(PartnerRow), min_entries=PARTNER_ROWS, max_entries=10)

    def __init__(self, *args, calls=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.call_id.choices = [(str(c.id), c.title) for c in calls]
        self.type.choices = PROJECT_TYPES.choices(blank=str(_l("请选择")))
        self.city.choices = CITIES.choices(blank=str(_l("请选择")))


class AttachmentForm(FlaskForm):
    kind = SelectField(_l("材料类别"), choices=[], validate_choice=False)
    file = FileField(_l("文件（PDF、PNG 或 JPG，不超过 20 MB）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(c, label) for c, label in ATTACHMENT_KINDS.choices() if c != "evidence"]


class TransitionForm(FlaskForm):
    target = HiddenField()
    reason = TextAreaField(_l("理由"), validators=[Length(max=5000)])


class AssignForm(FlaskForm):
    reviewer_id = SelectField(_l("评审专家"), choices=[], validate_choice=False)


class MilestoneForm(FlaskForm):
    name = StringField(_l("里程碑"), validators=[Length(max=200)])
    due_on = StringField(_l("计划完成日期"), validators=[Length(max=20)], description=_l("YYYY-MM-DD"))
    deliverable = StringField(_l("交付成果"), validators=[Length(max=2000)])


class FinanceForm(FlaskForm):
    amount = StringField(_l("金额（元）"), validators=[Length(max=20)])
    form = SelectField(_l("融资方式"), choices=[], validate_choice=False)
    note = TextAreaField(_l("说明"), validators=[Length(max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.choices = FINANCE_FORMS.choices(blank=str(_l("请选择")))


class ReportForm(FlaskForm):
    """The fixed part; report_form() adds a field per target and per open milestone."""

    period_start = StringField(_l("报告期开始"), validators=[Length(max=20)], description=_l("YYYY-MM-DD"))
    period_end = StringField(_l("报告期结束"), validators=[Length(max=20)], description=_l("YYYY-MM-DD"))
    narrative = TextAreaField(_l("本期进展"), validators=[Length(max=20000)])
    problems = TextAreaField(_l("存在的问题"), validators=[Length(max=10000)])
    evidence = MultipleFileField(_l("佐证材料（PDF、PNG 或 JPG）"))


def report_form(project, **kwargs) -> ReportForm:
    """A report form with an actual-figure field per target and a completion box per open milestone."""

    class ProjectReportForm(ReportForm):
        pass

    for target in project.targets:
        setattr(ProjectReportForm, f"actual_{target.id}", StringField(f"{target.name}（{target.unit}）"))
    for milestone in project.milestones:
        if milestone.completed_on is None:
            setattr(ProjectReportForm, f"done_{milestone.id}", BooleanField(milestone.name))
            setattr(ProjectReportForm, f"evidence_{milestone.id}", StringField(_l("完成情况说明")))
    return ProjectReportForm(**kwargs)


def review_form(criteria, **kwargs) -> FlaskForm:
    """A score (0-100) and a comment per criterion, and an overall comment."""

    class ReviewForm(FlaskForm):
        comment = TextAreaField(_l("总体意见"), validators=[Length(max=5000)])

    for c in criteria:
        setattr(ReviewForm, f"score_{c.key}", StringField(_l("评分（0–100）")))  # the criterion is the legend
        setattr(ReviewForm, f"comment_{c.key}", StringField(_l("意见")))
    return ReviewForm(**kwargs)
