"""Outlets: the one validation of an outlet's values, shared by the forms, the import and the API."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.core.creditcode import CreditCodeError, validate_credit_code
from portal.core.enums import CITIES, OUTLET_STATES, OUTLET_TYPE_RULES, OUTLET_TYPES
from portal.core.geo import SHANDONG_LAT, SHANDONG_LON, in_shandong, to_wgs84
from portal.core.validators import normalise_phone
from portal.errors import DomainError
from portal.outlets import districts

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9\-_]{2,39}$")


@dataclass(frozen=True)
class OutletInput:
    """Raw values as a person or a file gives them (strings; codes or Chinese labels)."""

    code: str = ""
    name: str = ""
    operator: str = ""
    operator_credit_code: str = ""
    city: str = ""
    district: str = ""
    address: str = ""
    type: str = ""
    contact: str = ""
    phone: str = ""
    lon: str = ""
    lat: str = ""
    status: str = ""
    opening_hours: str = ""
    storage_area: str = ""
    capacity: str = ""
    coordinate_system: str = "wgs84"


INPUT_FIELDS = [f.name for f in fields(OutletInput)]


def _number(raw: str, errors: dict, name: str, message: Callable[[], str]) -> float | None:
    """A finite number, or None when empty; message() (translated only when needed) on a bad one."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        errors[name] = message()
        return None
    if value != value or value in (float("inf"), float("-inf")):
        errors[name] = message()
        return None
    return value


def validate(session: Session, data: OutletInput, *, members_by_code: dict[str, int] | None = None) -> dict:
    """Check raw input; return clean values or raise DomainError with a Chinese message per field."""
    errors: dict[str, str] = {}
    values: dict = {}
    code = re.sub(r"\s+", "", data.code or "").upper()
    if not CODE_RE.match(code):
        errors["code"] = _("网点编号应为3至40位字母、数字或连字符。")
    values["code"] = code
    name = (data.name or "").strip()
    if not (2 <= len(name) <= 200):
        errors["name"] = _("请填写网点名称。")
    values["name"] = name
    operator = (data.operator or "").strip()
    if not operator:
        errors["operator"] = _("请填写运营企业。")
    values["operator_name"] = operator[:200]
    credit = (data.operator_credit_code or "").strip()
    values["operator_credit_code"] = ""
    values["operator_enterprise_id"] = None
    if credit:
        try:
            values["operator_credit_code"] = validate_credit_code(credit)
        except CreditCodeError as exc:
            errors["operator_credit_code"] = str(exc)
        else:
            if members_by_code is None:
                from portal.members.queries import enterprise_ids_by_credit_code

                members_by_code = enterprise_ids_by_credit_code(session)
            lookup = members_by_code
            values["operator_enterprise_id"] = lookup.get(values["operator_credit_code"])
    city = CITIES.parse(data.city)
    if city is None:
        errors["city"] = _("未知城市“%(v)s”：应为山东省16个地级市之一。", v=data.city or "")
    values["city"] = city
    values["district"] = ""
    if city is not None:
        try:
            district = districts.resolve(data.district, city)
        except districts.DistrictError as exc:
            errors["district"] = str(exc)
        else:
            values["district"] = district.name if district else ""
    address = (data.address or "").strip()
    if len(address) < 4:
        errors["address"] = _("请填写详细地址。")
    values["address"] = address[:300]
    outlet_type = OUTLET_TYPES.parse(data.type)
    if outlet_type is None:
        errors["type"] = _("网点类型应为“收集型”或“集中贮存型”。")
    values["type"] = outlet_type
    values["contact_name"] = (data.contact or "").strip()[:100]
    phone = (data.phone or "").strip()
    if phone:
        normal = normalise_phone(phone)
        if normal is None:
            errors["phone"] = _("联系电话“%(v)s”格式不正确。", v=phone)
        values["phone"] = normal or phone
    else:
        values["phone"] = ""
    values["opening_hours"] = (data.opening_hours or "").strip()[:100]
    area = _number(data.storage_area, errors, "storage_area", lambda: _("贮存面积应为数字（平方米）。"))
    capacity = _number(data.capacity, errors, "capacity", lambda: _("贮存能力应为数字（吨）。"))
    if outlet_type and "storage_area" not in errors and "capacity" not in errors:
        rules = OUTLET_TYPE_RULES[outlet_type]
        if area is not None and area < rules.get("min_area_m2", 0):
            errors["storage_area"] = _("收集型网点贮存面积不应小于%(n)d平方米。", n=rules["min_area_m2"])
        if capacity is not None and "max_stored_t" in rules and capacity > rules["max_stored_t"]:
            errors["capacity"] = _("收集型网点贮存量不应超过%(n)d吨。", n=rules["max_stored_t"])
        if capacity is not None and capacity < rules.get("min_capacity_t", 0):
            errors["capacity"] = _("集中贮存型网点贮存能力不应小于%(n)d吨。", n=rules["min_capacity_t"])
    values["storage_area_m2"], values["capacity_t"] = area, capacity
    lat = _number(data.lat, errors, "lat", lambda: _("纬度应为数字。"))
    lon = _number(data.lon, errors, "lon", lambda: _("经度应为数字。"))
    values["lat"] = values["lon"] = None
    if (lat is None) != (lon is None) and "lat" not in errors and "lon" not in errors:
        errors["lon" if lon is None else "lat"] = _("经度和纬度应同时填写。")  # under the one left empty
    elif lat is not None and lon is not None:
        try:
            lat, lon = to_wgs84(lat, lon, data.coordinate_system)
        except ValueError:
            errors["coordinate_system"] = _(
                "未知坐标系“%(v)s”（应为 WGS-84、GCJ-02 或 BD-09）。", v=data.coordinate_system
            )
        else:
            if not in_shandong(lat, lon):
                # Reported under the coordinate that is out of the province's range (under both when both are).
                message = _("坐标（%(lat).4f, %(lon).4f）不在山东省范围内。", lat=lat, lon=lon)
                lon_out, lat_out = not in_shandong(SHANDONG_LAT[0], lon), not in_shandong(lat, SHANDONG_LON[0])
                for key, out in (("lat", lat_out), ("lon", lon_out)):
                    if out:
                        errors[key] = message
            values["lat"], values["lon"] = round(lat, 6), round(lon, 6)
    status = (data.status or "").strip()
    values["status"] = None
    if status:
        values["status"] = OUTLET_STATES.parse(status)
        if values["status"] is None:
            errors["status"] = _("状态应为待核查、合规、整改中或已关闭。")
    if errors:
        raise DomainError(_("网点信息有误。"), errors)
    return values
