"""Outlets: validation shared by forms, import and API; create, edit, status changes with history."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields, replace

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import search
from portal.auth.models import User
from portal.core import audit
from portal.core.creditcode import CreditCodeError, validate_credit_code
from portal.core.enums import CITIES, OUTLET_STATES, OUTLET_TYPE_RULES, OUTLET_TYPES
from portal.core.geo import in_shandong, to_wgs84
from portal.core.permissions import require
from portal.core.validators import normalise_phone
from portal.errors import DomainError, NotFound
from portal.outlets.models import Outlet, OutletMaker, OutletStatusChange

KIND = "outlet"
# Reasons written to the status history are records kept in Chinese, not interface text: not translated.
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9\-_]{2,39}$")
# Fields whose change on a verified outlet sends it back to 待核查.
REVERIFY_FIELDS = ("address", "type", "city", "district", "lat", "lon")
VALUE_FIELDS = (
    "code",
    "name",
    "operator_name",
    "operator_credit_code",
    "operator_enterprise_id",
    "type",
    "city",
    "district",
    "address",
    "lat",
    "lon",
    "contact_name",
    "phone",
    "opening_hours",
    "storage_area_m2",
    "capacity_t",
)


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


def _number(raw: str, errors: dict, name: str, message: str) -> float | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        errors[name] = message
        return None
    if value != value or value in (float("inf"), float("-inf")):
        errors[name] = message
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
            lookup = members_by_code if members_by_code is not None else _members_by_code(session)
            values["operator_enterprise_id"] = lookup.get(values["operator_credit_code"])
    city = CITIES.parse(data.city)
    if city is None:
        errors["city"] = _("未知城市“%(v)s”：应为山东省16个地级市之一。", v=data.city or "")
    values["city"] = city
    values["district"] = (data.district or "").strip()[:50]
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
    area = _number(data.storage_area, errors, "storage_area", _("贮存面积应为数字（平方米）。"))
    capacity = _number(data.capacity, errors, "capacity", _("贮存能力应为数字（吨）。"))
    if outlet_type and "storage_area" not in errors and "capacity" not in errors:
        rules = OUTLET_TYPE_RULES[outlet_type]
        if area is not None and area < rules.get("min_area_m2", 0):
            errors["storage_area"] = _("收集型网点贮存面积不应小于%(n)d平方米。", n=rules["min_area_m2"])
        if capacity is not None and "max_stored_t" in rules and capacity > rules["max_stored_t"]:
            errors["capacity"] = _("收集型网点贮存量不应超过%(n)d吨。", n=rules["max_stored_t"])
        if capacity is not None and capacity < rules.get("min_capacity_t", 0):
            errors["capacity"] = _("集中贮存型网点贮存能力不应小于%(n)d吨。", n=rules["min_capacity_t"])
    values["storage_area_m2"], values["capacity_t"] = area, capacity
    lat = _number(data.lat, errors, "lat", _("纬度应为数字。"))
    lon = _number(data.lon, errors, "lon", _("经度应为数字。"))
    values["lat"] = values["lon"] = None
    if (lat is None) != (lon is None) and "lat" not in errors and "lon" not in errors:
        errors["lat"] = _("经度和纬度应同时填写。")
    elif lat is not None and lon is not None:
        try:
            lat, lon = to_wgs84(lat, lon, data.coordinate_system)
        except ValueError:
            errors["lat"] = _("未知坐标系“%(v)s”（应为 WGS-84、GCJ-02 或 BD-09）。", v=data.coordinate_system)
        else:
            if not in_shandong(lat, lon):
                errors["lat"] = _("坐标（%(lat).4f, %(lon).4f）不在山东省范围内。", lat=lat, lon=lon)
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


def _members_by_code(session: Session) -> dict[str, int]:
    from portal.members.models import Enterprise

    rows = session.execute(select(Enterprise.credit_code, Enterprise.id).where(Enterprise.status == "member"))
    return {code: enterprise_id for code, enterprise_id in rows}


def get_outlet(session: Session, outlet_id: int) -> Outlet:
    outlet = session.get(Outlet, outlet_id)
    if outlet is None:
        raise NotFound(_("网点不存在。"))
    return outlet


def get_by_code(session: Session, code: str) -> Outlet | None:
    return session.scalar(select(Outlet).where(Outlet.code == (code or "").strip().upper()))


def _actor_label(actor) -> str:
    if isinstance(actor, str):
        return actor
    return getattr(actor, "name", "") or getattr(actor, "email", "") or "system"


def _record_status(session: Session, outlet: Outlet, to_status: str, actor, reason: str = "") -> None:
    if outlet.status == to_status and outlet.id is not None:
        return
    previous = outlet.status if outlet.id is not None else None
    outlet.status = to_status
    session.flush()
    session.add(
        OutletStatusChange(
            outlet_id=outlet.id,
            from_status=previous,
            to_status=to_status,
            actor_label=_actor_label(actor),
            reason=reason,
        )
    )


def can_edit(actor: User, outlet: Outlet) -> bool:
    """Staff edit any outlet; an enterprise admin only the outlets its enterprise operates."""
    if actor.is_staff:
        return True
    return (
        actor.role == "member_admin"
        and actor.enterprise_id is not None
        and (outlet.operator_enterprise_id == actor.enterprise_id)
    )


def require_admitted(session: Session, actor: User) -> None:
    """Only an admitted member's admin (not an applicant's or a rejected enterprise's) manages outlets."""
    if actor.is_staff:
        return
    from portal.members.services import is_admitted_member

    require(
        actor.role == "member_admin" and is_admitted_member(session, actor),
        _("只有已入会企业的管理员可以管理网点。"),
    )


def create_outlet(session: Session, actor: User, data: OutletInput, *, is_demo: bool = False) -> Outlet:
    """Staff create any outlet; an enterprise admin creates one operated by its own enterprise (待核查)."""
    require_admitted(session, actor)
    if not actor.is_staff:
        from portal.members.services import get_enterprise

        enterprise = get_enterprise(session, actor.enterprise_id)
        data = replace(data, operator=enterprise.name, operator_credit_code=enterprise.credit_code, status="")
    values = validate(session, data)
    if get_by_code(session, values["code"]) is not None:
        raise DomainError(_("网点编号已存在。"), {"code": _("网点编号已存在。")})
    status = values.pop("status") or "pending"
    if not actor.is_staff:
        values["operator_enterprise_id"] = actor.enterprise_id
    outlet = Outlet(**values, status=status, is_demo=is_demo)
    session.add(outlet)
    session.flush()
    session.add(
        OutletStatusChange(
            outlet_id=outlet.id, from_status=None, to_status=status, actor_label=_actor_label(actor), reason="新建"
        )
    )
    search.enqueue(session, KIND, outlet.id)
    if actor.is_staff:
        audit.record(session, actor, "outlet.create", "outlet", outlet.id, None, {"code": outlet.code})
    session.flush()
    return outlet


def update_outlet(session: Session, actor: User, outlet_id: int, data: OutletInput) -> Outlet:
    """Edit an outlet; a change of address or type on a verified outlet puts it back to 待核查."""
    outlet = get_outlet(session, outlet_id)
    require(can_edit(actor, outlet), _("您只能管理本企业运营的网点。"))
    require_admitted(session, actor)
    if not actor.is_staff:  # members keep the operator and code; only staff change the status
        data = replace(
            data,
            code=outlet.code,
            operator=outlet.operator_name,
            operator_credit_code=outlet.operator_credit_code,
            status="",
        )
    values = validate(session, data)
    status = values.pop("status")
    if values["code"] != outlet.code and get_by_code(session, values["code"]) is not None:
        raise DomainError(_("网点编号已存在。"), {"code": _("网点编号已存在。")})
    if not actor.is_staff:
        values["operator_enterprise_id"] = outlet.operator_enterprise_id
    before = audit.snapshot(outlet, (*VALUE_FIELDS, "status"))
    changed_place = any(values.get(f, getattr(outlet, f)) != getattr(outlet, f) for f in REVERIFY_FIELDS)
    for key, value in values.items():
        setattr(outlet, key, value)
    if status and actor.is_staff and status != outlet.status:
        _record_status(session, outlet, status, actor, "工作人员修改")
    elif changed_place and outlet.status in ("compliant", "rectifying"):
        _record_status(session, outlet, "pending", actor, "地址或类型变更，需重新核查")
    search.enqueue(session, KIND, outlet.id)
    if actor.is_staff:
        audit.record(
            session,
            actor,
            "outlet.update",
            "outlet",
            outlet.id,
            before,
            audit.snapshot(outlet, (*VALUE_FIELDS, "status")),
        )
    session.flush()
    return outlet


def set_status(
    session: Session, actor, outlet_id: int, status: str, reason: str = "", *, verified_on: dt.date | None = None
) -> Outlet:
    """Staff (or a verification result) change the public status; the history keeps every change."""
    if not isinstance(actor, str):
        require(actor.is_staff)
    outlet = get_outlet(session, outlet_id)
    code = OUTLET_STATES.parse(status)
    if code is None:
        raise DomainError(_("状态无效。"), {"status": _("状态无效。")})
    before = {"status": outlet.status}
    _record_status(session, outlet, code, actor, reason)
    if verified_on is not None:
        outlet.last_verified_on = verified_on
        outlet.last_verified_by = _actor_label(actor)
    search.enqueue(session, KIND, outlet.id)
    if not isinstance(actor, str):
        audit.record(session, actor, "outlet.status", "outlet", outlet.id, before, {"status": code, "reason": reason})
    session.flush()
    return outlet


def vehicle_makers(session: Session) -> list[tuple[int, str]]:
    """Member enterprises that make vehicles: (id, name), for choosing whom an outlet serves."""
    from portal.members.models import Enterprise, EnterpriseActivity

    rows = session.execute(
        select(Enterprise.id, Enterprise.name)
        .join(EnterpriseActivity, EnterpriseActivity.enterprise_id == Enterprise.id)
        .where(Enterprise.status == "member", EnterpriseActivity.activity == "vehicle_maker")
        .order_by(Enterprise.name)
    )
    return [(enterprise_id, name) for enterprise_id, name in rows]


def set_makers(session: Session, actor: User, outlet_id: int, enterprise_ids: list[int]) -> Outlet:
    """Record the car makers whose recycling network the outlet belongs to (they may report for it)."""
    outlet = get_outlet(session, outlet_id)
    require(can_edit(actor, outlet), _("您只能管理本企业运营的网点。"))
    require_admitted(session, actor)
    allowed = dict(vehicle_makers(session))
    chosen = list(dict.fromkeys(enterprise_ids))
    unknown = [i for i in chosen if i not in allowed]
    if unknown:
        raise DomainError(_("只能选择会员中的整车企业。"), {"makers": _("只能选择会员中的整车企业。")})
    before = sorted(m.enterprise_id for m in outlet.makers)
    outlet.makers = [OutletMaker(enterprise_id=i) for i in chosen]
    session.flush()
    if actor.is_staff:
        audit.record(
            session, actor, "outlet.makers", "outlet", outlet.id, {"makers": before}, {"makers": sorted(chosen)}
        )
    return outlet


def maker_names(session: Session, outlet: Outlet) -> list[tuple[int, str]]:
    from portal.members.models import Enterprise

    ids = [m.enterprise_id for m in outlet.makers]
    if not ids:
        return []
    return [(i, n) for i, n in session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids)))]


def history(session: Session, outlet_id: int) -> list[OutletStatusChange]:
    return list(
        session.scalars(
            select(OutletStatusChange).where(OutletStatusChange.outlet_id == outlet_id).order_by(OutletStatusChange.id)
        )
    )
