"""Outlet forms: input shape only."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from portal.core.enums import CITIES, OUTLET_STATES, OUTLET_TYPES

COORDINATE_SYSTEMS = [
    ("wgs84", _l("WGS-84（GPS）")),
    ("gcj02", _l("GCJ-02（高德、腾讯地图）")),
    ("bd09", _l("BD-09（百度地图）")),
]


class OutletForm(FlaskForm):
    code = StringField(
        _l("网点编号"),
        validators=[Length(max=40)],
        description=_l("3至40位字母、数字、连字符或下划线，以字母或数字开头，如 SD-JN-0001；字母自动转为大写。"),
    )
    name = StringField(_l("网点名称"), validators=[Length(max=200)])
    operator = StringField(_l("运营企业"), validators=[Length(max=200)])
    operator_credit_code = StringField(_l("运营企业统一社会信用代码"), validators=[Length(max=40)])
    type = SelectField(_l("网点类型"), choices=[], validate_choice=False)
    city = SelectField(_l("城市"), choices=[], validate_choice=False)
    district = StringField(_l("区县"), validators=[Length(max=50)])
    address = StringField(_l("详细地址"), validators=[Length(max=300)])
    contact = StringField(_l("联系人"), validators=[Length(max=100)])
    phone = StringField(_l("联系电话"), validators=[Length(max=40)])
    opening_hours = StringField(_l("营业时间"), validators=[Length(max=100)])
    storage_area = StringField(_l("贮存面积（平方米）"), validators=[Length(max=20)])
    capacity = StringField(_l("贮存能力（吨）"), validators=[Length(max=20)])
    lat = StringField(_l("纬度"), validators=[Length(max=20)])
    lon = StringField(_l("经度"), validators=[Length(max=20)])
    coordinate_system = SelectField(
        _l("坐标系"),
        choices=COORDINATE_SYSTEMS,
        validate_choice=False,
    )
    status = SelectField(_l("状态（仅工作人员）"), choices=[], validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type.choices = OUTLET_TYPES.choices(blank=str(_l("请选择")))
        self.city.choices = CITIES.choices(blank=str(_l("请选择")))
        self.status.choices = OUTLET_STATES.choices(blank=str(_l("不变")))


class ImportForm(FlaskForm):
    file = FileField(_l("网点表（CSV 或 XLSX，第一行为表头）"))
    coordinate_system = SelectField(
        _l("文件中的坐标系"),
        choices=COORDINATE_SYSTEMS,
        validate_choice=False,
    )
    skip_invalid = BooleanField(_l("跳过有错误的行，只导入正确的行"))


class StatusForm(FlaskForm):
    status = SelectField(_l("新状态"), choices=[], validate_choice=False)
    reason = TextAreaField(_l("原因"), validators=[Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = OUTLET_STATES.choices()
