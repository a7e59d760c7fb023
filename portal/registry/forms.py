"""Registry forms: input shape only; every rule lives in the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length

from portal.registry.lifecycle import CHEMISTRIES, EVENTS

TIME_HINT = _l("例如 2026-12-01 09:30（北京时间）")


class BatteryForm(FlaskForm):
    code = StringField(_l("电池编码（GB/T 34014，24位）"), validators=[Length(max=60)])
    rated_capacity_kwh = StringField(_l("额定能量（kWh）"), validators=[Length(max=20)])
    mass_kg = StringField(_l("质量（kg）"), validators=[Length(max=20)])
    chemistry = SelectField(_l("化学体系"), choices=[], validate_choice=False)
    pack_code = StringField(_l("所属电池包或模组的编码（模组、单体填写）"), validators=[Length(max=60)])
    vin = StringField(_l("车辆识别代号 VIN（如已装车）"), validators=[Length(max=30)])
    source_codes = TextAreaField(
        _l("梯次利用重新编码：原电池编码（每行一个）"),
        validators=[Length(max=20000)],
        description=_l("梯次利用企业为其产品登记新编码时填写；原电池须由本单位入库。"),
    )

    def fill_choices(self) -> BatteryForm:
        self.chemistry.choices = CHEMISTRIES.choices(blank=str(_l("按编码第5位推断")))
        return self


class EventForm(FlaskForm):
    event = SelectField(_l("事件"), choices=[], validate_choice=False)
    occurred_at = StringField(_l("发生时间"), validators=[Length(max=40)], description=TIME_HINT)
    outlet_code = StringField(
        _l("回收服务网点编码"), validators=[Length(max=40)], description=_l("在网点发生，或移交去往的网点")
    )
    site = StringField(_l("其他地点"), validators=[Length(max=200)])
    counterparty_credit_code = StringField(
        _l("对方统一社会信用代码"),
        validators=[Length(max=40)],
        description=_l("出库、移交：接收方；从非会员处入库：交出方"),
    )
    counterparty_name = StringField(_l("对方名称（非会员单位填写）"), validators=[Length(max=200)])
    evidence_document = StringField(
        _l("凭证单据（对方为非会员单位时必填）"),
        validators=[Length(max=300)],
        description=_l("交接单、合同等的编号或名称"),
    )
    vin = StringField(_l("车辆识别代号 VIN（装车时必填）"), validators=[Length(max=30)])
    recovered_li = StringField(_l("回收锂（kg）"), validators=[Length(max=20)])
    recovered_ni = StringField(_l("回收镍（kg）"), validators=[Length(max=20)])
    recovered_co = StringField(_l("回收钴（kg）"), validators=[Length(max=20)])
    recovered_mn = StringField(_l("回收锰（kg）"), validators=[Length(max=20)])
    note = TextAreaField(_l("备注"), validators=[Length(max=2000)])

    def fill_choices(self, codes: list[str]) -> EventForm:
        self.event.choices = [(c, EVENTS.label(c)) for c in codes]
        return self


class ReceiptForm(FlaskForm):
    event = SelectField(_l("入库事件"), choices=[], validate_choice=False)
    occurred_at = StringField(_l("接收时间"), validators=[Length(max=40)], description=TIME_HINT)
    outlet_code = StringField(_l("入库网点编码（网点入库时）"), validators=[Length(max=40)])
    site = StringField(_l("地点"), validators=[Length(max=200)])


class RefuseForm(FlaskForm):
    reason = TextAreaField(_l("拒收原因"), validators=[Length(max=2000)])


class UploadForm(FlaskForm):
    kind = SelectField(
        _l("文件内容"),
        choices=[("batteries", _l("电池登记")), ("events", _l("溯源事件"))],
        validate_choice=False,
    )
    file = FileField(_l("CSV 或 XLSX 文件（第一行为表头）"))
