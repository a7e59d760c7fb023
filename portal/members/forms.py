"""Membership forms: input shape only; rules live in services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.core import roles
from portal.core.enums import ACTIVITIES, CITIES, TIERS, WHITELIST_ACTIVITIES

REQUIRED = _l("此项为必填项。")
MEMBER_ROLE_CHOICES = [(roles.MEMBER_EDITOR, _l("企业编辑")), (roles.MEMBER_ADMIN, _l("企业管理员"))]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ApplicationForm(FlaskForm):
    name = StringField(_l("企业（单位）全称"), validators=[DataRequired(REQUIRED), Length(max=200)])
    credit_code = StringField(
        _l("统一社会信用代码"),
        validators=[DataRequired(REQUIRED), Length(max=40)],
        description=_l("18位，见营业执照或登记证书"),
    )
    # Choices are checked by the service, which accepts codes and labels and names the error.
    activities = MultiCheckboxField(_l("业务类型（可多选）"), choices=[], validate_choice=False)
    city = SelectField(_l("所在城市"), choices=[], validate_choice=False)
    address = StringField(_l("详细地址"), validators=[DataRequired(REQUIRED), Length(max=300)])
    legal_representative = StringField(
        _l("法定代表人"), validators=[DataRequired(REQUIRED), Length(max=100)], description=_l("与营业执照一致")
    )
    contact_name = StringField(_l("联系人"), validators=[DataRequired(REQUIRED), Length(max=100)])
    contact_title = StringField(
        _l("联系人职务"), validators=[DataRequired(REQUIRED), Length(max=100)], description=_l("如：办公室主任")
    )
    contact_phone = StringField(
        _l("联系电话"),
        validators=[DataRequired(REQUIRED), Length(max=30)],
        description=_l("手机号或固定电话，如 0531-88888888"),
    )
    contact_email = EmailField(
        _l("电子邮箱（登录账号）"),
        validators=[DataRequired(REQUIRED), Length(max=254)],
        description=_l("我们会向此邮箱发送验证链接"),
    )
    licence = FileField(_l("营业执照或登记证书"), description=_l("PDF、JPG 或 PNG，不超过 10 MB"))
    requested_tier = SelectField(_l("申请会员级别"), choices=[], validate_choice=False)
    password = PasswordField(_l("设置登录密码（至少10个字符）"), validators=[DataRequired(REQUIRED), Length(max=200)])
    confirm = PasswordField(
        _l("再次输入密码"), validators=[DataRequired(REQUIRED), EqualTo("password", _l("两次输入的密码不一致。"))]
    )
    privacy = BooleanField(_l("我已阅读并同意《个人信息处理规则》"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.activities.choices = ACTIVITIES.choices()
        self.city.choices = CITIES.choices(blank=str(_l("请选择")))
        self.requested_tier.choices = TIERS.choices(blank=str(_l("请选择")))

    def show_fees(self, fees: dict[str, int]) -> None:
        """Each tier's choice names its annual fee, e.g. 会长单位（年费 50,000.00 元）."""
        from flask_babel import gettext

        from portal.core.money import format_fen

        def label_with_fee(code: str, label: str) -> str:
            if code not in fees:
                return label
            return gettext("%(tier)s（年费 %(fee)s 元）", tier=label, fee=format_fen(fees[code]))

        choices = self.requested_tier.choices
        self.requested_tier.choices = [(code, label_with_fee(code, label)) for code, label in choices]


class ResubmitForm(FlaskForm):
    note = TextAreaField(_l("补充说明"), validators=[Length(max=2000)])
    licence = FileField(_l("新的证照文件（可选）"))


class ProfileForm(FlaskForm):
    description = TextAreaField(_l("企业简介"), validators=[Length(max=5000)])
    website = StringField(_l("网站"), validators=[Length(max=300)])
    address = StringField(_l("详细地址"), validators=[DataRequired(REQUIRED), Length(max=300)])
    contact_name = StringField(_l("联系人"), validators=[DataRequired(REQUIRED), Length(max=100)])
    contact_title = StringField(_l("联系人职务"), validators=[Length(max=100)])
    contact_phone = StringField(_l("联系电话"), validators=[DataRequired(REQUIRED), Length(max=30)])
    contact_email = EmailField(_l("联系邮箱"), validators=[DataRequired(REQUIRED), Length(max=254)])
    bank_name = StringField(_l("开户银行（用于押金退还）"), validators=[Length(max=200)])
    bank_account_name = StringField(_l("账户名称"), validators=[Length(max=200)])
    bank_account_no = StringField(_l("银行账号"), validators=[Length(max=40)])


class LogoForm(FlaskForm):
    logo = FileField(_l("企业标志（PNG 或 JPG，不超过 2 MB）"))


class InviteForm(FlaskForm):
    email = EmailField(_l("同事的电子邮箱"), validators=[DataRequired(REQUIRED), Length(max=254)])
    role = SelectField(
        _l("角色"),
        choices=MEMBER_ROLE_CHOICES,
        validate_choice=False,
    )


class ColleagueForm(FlaskForm):
    role = SelectField(
        _l("角色"),
        choices=MEMBER_ROLE_CHOICES,
        validate_choice=False,
    )
    active = SelectField(_l("状态"), choices=[("1", _l("启用")), ("0", _l("停用"))], validate_choice=False)


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(REQUIRED), Length(max=100)])
    password = PasswordField(_l("设置密码（至少10个字符）"), validators=[DataRequired(REQUIRED), Length(max=200)])
    confirm = PasswordField(
        _l("再次输入密码"), validators=[DataRequired(REQUIRED), EqualTo("password", _l("两次输入的密码不一致。"))]
    )


class WhitelistRequestForm(FlaskForm):
    batch = IntegerField(
        _l("公告批次"), validators=[InputRequired(REQUIRED), NumberRange(1, 50, _l("批次应为1至50之间的整数。"))]
    )
    activity = SelectField(_l("类别"), choices=[], validate_choice=False)
    evidence = FileField(_l("证明材料（工信部公告截图或文件，PDF/JPG/PNG）"))
    note = TextAreaField(_l("说明"), validators=[Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.activity.choices = WHITELIST_ACTIVITIES.choices(blank=str(_l("请选择")))


class DecisionForm(FlaskForm):
    action = SelectField(
        _l("处理"),
        choices=[("approve", _l("批准入会")), ("request_info", _l("要求补充材料")), ("reject", _l("不予通过"))],
        validate_choice=False,
    )
    tier = SelectField(_l("会员级别"), choices=[], validate_choice=False)
    reason = TextAreaField(_l("理由或需补充的内容（申请人可见）"), validators=[Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tier.choices = TIERS.choices(blank=str(_l("按申请")))


class AssignForm(FlaskForm):
    reviewer_id = SelectField(_l("评审专家"), choices=[], validate_choice=False)


class OpinionForm(FlaskForm):
    opinion = SelectField(
        _l("评审意见"), choices=[("approve", _l("建议通过")), ("reject", _l("建议不通过"))], validate_choice=False
    )
    comment = TextAreaField(_l("说明"), validators=[Length(max=2000)])


class PaymentForm(FlaskForm):
    term_year = IntegerField(_l("会费年度"), validators=[InputRequired(REQUIRED)])
    amount = StringField(_l("金额（元）"), validators=[DataRequired(REQUIRED), Length(max=20)])
    paid_on = DateField(_l("缴费日期"), validators=[InputRequired(REQUIRED)])
    note = StringField(_l("备注（凭证号等）"), validators=[Optional(), Length(max=300)])


class TierFeeForm(FlaskForm):
    tier = SelectField(_l("会员级别"), choices=[], validate_choice=False)
    fee = StringField(_l("年费（元）"), validators=[DataRequired(REQUIRED), Length(max=20)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tier.choices = TIERS.choices()


class CutoffForm(FlaskForm):
    cutoff = StringField(
        _l("入会截止日（月-日）"),
        validators=[Length(max=10)],
        description=_l("在此日及之后批准入会的，首个会期和会费从下一年度起算，当年剩余时间免费；留空表示不设截止日。"),
    )


class SuspendForm(FlaskForm):
    reason = TextAreaField(_l("暂停原因"), validators=[Length(max=2000)])


class WhitelistSetForm(FlaskForm):
    batch = IntegerField(_l("批次（留空表示不在白名单）"), validators=[Optional()])
    activity = SelectField(_l("类别"), choices=[], validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.activity.choices = WHITELIST_ACTIVITIES.choices(blank="—")


class WhitelistDecisionForm(FlaskForm):
    reason = TextAreaField(_l("驳回理由"), validators=[Length(max=2000)])
