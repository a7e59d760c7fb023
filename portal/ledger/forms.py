"""Deposit scheme forms: input shape only; every rule lives in the services (billing, refunds, rules ...)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from portal.registry.lifecycle import CHEMISTRIES

DATE_HINT = _l("例如 2026-12-01")


class BillForm(FlaskForm):
    codes = TextAreaField(
        _l("电池包编码（每行一个）"), validators=[Length(max=400_000)], description=_l("也可以上传文件，二者选一。")
    )
    file = FileField(_l("或上传 CSV / XLSX 文件（须有“电池编码”列）"))


class PaymentForm(FlaskForm):
    enterprise_id = SelectField(_l("缴款单位"), choices=[], validate_choice=False)
    amount = StringField(_l("到账金额（元）"), validators=[Length(max=20)])
    received_on = StringField(_l("到账日期"), validators=[Length(max=20)], description=DATE_HINT)
    reference = StringField(_l("银行流水号"), validators=[Length(max=100)])


class PayoutForm(FlaskForm):
    enterprise_id = SelectField(_l("收款单位"), choices=[], validate_choice=False)
    amount = StringField(_l("支付金额（元）"), validators=[Length(max=20)])
    paid_on = StringField(_l("支付日期"), validators=[Length(max=20)], description=DATE_HINT)
    reference = StringField(_l("银行流水号"), validators=[Length(max=100)])


class ReverseForm(FlaskForm):
    reason = TextAreaField(_l("冲销原因（必填）"), validators=[Length(max=2000)])


class AdjustmentForm(FlaskForm):
    lines = TextAreaField(
        _l("分录（每行：账户 D或C 金额）"),
        validators=[Length(max=20000)],
        description=_l("例如：recycling_fund D 120.00 和 refunds_payable:12 C 120.00"),
    )
    reason = TextAreaField(_l("原因（必填）"), validators=[Length(max=2000)])
    posted_on = StringField(_l("记账日期（默认今天）"), validators=[Length(max=20)], description=DATE_HINT)


class DecisionForm(FlaskForm):
    note = StringField(_l("驳回理由"), validators=[Length(max=2000)])


class CloseMonthForm(FlaskForm):
    month = StringField(_l("结账月份"), validators=[Length(max=20)], description=_l("例如 2026-11"))


class RuleForm(FlaskForm):
    effective_from = StringField(_l("生效日期"), validators=[Length(max=20)], description=DATE_HINT)
    collector_share_percent = StringField(_l("回收方分成（%）"), validators=[Length(max=10)])
    forfeit_after_days = StringField(_l("退役后转入基金的期限（天）"), validators=[Length(max=10)])
    flat_yuan_per_pack = StringField(
        _l("每包固定押金（元）"), validators=[Length(max=20)], description=_l("填写后不按容量计收。")
    )
    refund_via_outlets = BooleanField(_l("交投评级为“合规”的回收服务网点可退还押金"), default=True)
    refund_via_whitelist = BooleanField(_l("交投白名单梯次利用或再生利用企业可退还押金"), default=True)
    note = TextAreaField(_l("说明"), validators=[Length(max=2000)])

    def rate_fields(self):
        """(chemistry, its rate field) for every chemistry."""
        return [(code, getattr(self, f"rate_{code}")) for code in CHEMISTRIES.codes]


for _chemistry in CHEMISTRIES.codes:
    setattr(
        RuleForm,
        f"rate_{_chemistry}",
        StringField(_l("费率（元/kWh）"), validators=[Length(max=20)]),
    )
