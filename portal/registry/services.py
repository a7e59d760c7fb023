"""Registering batteries and reporting their lifecycle events: the registry's one write path.

The browser forms, the bulk upload, the API and the demo seed all call these services, so every rule
(the state machine in ``lifecycle``, custody, deadlines, who may move what) holds the same way. They
take a session, flush, never commit; a batch is all-or-nothing: every bad item is reported (by index
and field) and, since the caller's unit of work rolls back on the error, nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.core import clock
from portal.core.actors import TokenActor, actor_label, is_staff
from portal.core.sql import insert_ignore_many
from portal.core.vin import normalize_vin, vin_errors
from portal.errors import DomainError
from portal.registry import access, codes
from portal.registry.lifecycle import CHEMISTRIES, CHEMISTRY_OF_TYPE, STATES, TERNARY
from portal.registry.models import Battery, BatteryEvent, BatteryLink, BatteryParty

MAX_BATCH = 1000
FUTURE_TOLERANCE = dt.timedelta(minutes=10)  # clocks of member systems drift a little


@dataclass(frozen=True)
class BatteryInput:
    """One battery to register; numbers may come as text (forms, spreadsheets) or numbers (JSON)."""

    code: str
    rated_capacity_kwh: object
    mass_kg: object
    pack_code: str | None = None
    vin: str | None = None
    chemistry: str | None = None
    source_codes: tuple[str, ...] = ()  # cascade-use re-coding: the original packs or modules


@dataclass(frozen=True)
class EventInput:
    """One event to report on the battery with this code.

    For a dispatch the counter-party is the receiver and ``outlet_code`` the outlet it is sent to;
    for an intake from someone outside the association, the counter-party is the sender.
    """

    code: str
    event: str
    occurred_at: object
    outlet_code: str | None = None
    site: str = ""
    counterparty_credit_code: str | None = None
    counterparty_name: str | None = None
    evidence_document: str = ""
    vin: str | None = None
    recovered_kg: dict | None = None
    note: str = ""
    corrects_event_id: int | None = None


@dataclass
class Problems:
    """Field errors of a batch, keyed ``items.<index>.<field>`` (or just ``<field>`` for one item)."""

    batch: bool
    fields: dict[str, str] = field(default_factory=dict)

    def add(self, index: int, name: str, message: str) -> None:
        key = f"items.{index}.{name}" if self.batch else name
        self.fields[key] = f"{self.fields[key]}；{message}" if key in self.fields else message

    def raise_if_any(self, message: str) -> None:
        if self.fields:
            raise DomainError(message, dict(self.fields))


def _decimal(raw, *, maximum: Decimal, places: int) -> Decimal | str | None:
    """A positive decimal, or an error message (str), or None when empty."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        return _("应为数字。")
    try:
        value = Decimal(str(raw).strip().replace("，", ".").replace(",", "."))
    except InvalidOperation:
        return _("应为数字。")
    if not value.is_finite() or value <= 0:
        return _("应为大于0的数字。")
    if value > maximum:
        return _("不能超过%(max)s。", max=maximum)
    return value.quantize(Decimal(1).scaleb(-places))


def _maker_of(session: Session, actor, maker_enterprise_id: int | None):
    """The registering enterprise: the actor's own (members, tokens) or one named by staff."""
    from portal.members.queries import get_enterprise

    own = access.enterprise_of(actor)
    if own is None and not is_staff(actor):
        raise DomainError(_("只有会员单位可以登记电池。"))
    enterprise = get_enterprise(session, maker_enterprise_id or own) if (maker_enterprise_id or own) else None
    if enterprise is None:
        raise DomainError(_("请指明登记电池的会员单位。"))
    if own is not None and maker_enterprise_id not in (None, own) and not is_staff(actor):
        raise DomainError(_("只能以本单位名义登记电池。"))
    if enterprise.status != "member":
        raise DomainError(_("只有已入会的会员单位可以登记电池。"))
    return enterprise


def register_batteries(
    session: Session,
    actor,
    items: Sequence[BatteryInput],
    *,
    maker_enterprise_id: int | None = None,
    batch: bool = True,
    demo: bool = False,
) -> list[Battery]:
    """Register batteries (a batch of up to 1,000, all or nothing); the maker is their first holder."""
    maker = _maker_of(session, actor, maker_enterprise_id)
    if not items:
        raise DomainError(_("没有要登记的电池。"), {"items": _("至少需要一项。")})
    if len(items) > MAX_BATCH:
        raise DomainError(_("一次最多登记%(n)d块电池。", n=MAX_BATCH), {"items": _("超过%(n)d项。", n=MAX_BATCH)})
    problems = Problems(batch)
    now = clock.now()
    today = clock.today()
    checked = [codes.check(str(item.code or ""), today=today) for item in items]
    wanted = {c.normalized for c in checked}
    for item in items:
        wanted.update(codes.normalize(str(c)) for c in (item.pack_code, *item.source_codes) if c)
    known = {b.code: b for b in _by_codes(session, wanted)}
    in_batch: dict[str, int] = {}
    prepared: list[tuple[BatteryInput, codes.CodeCheck, dict]] = []
    for index, (item, check) in enumerate(zip(items, checked, strict=True)):
        values = _check_battery(session, item, check, index, problems, known, in_batch, maker.id, checked)
        prepared.append((item, check, values))
        if check.valid:
            in_batch.setdefault(check.normalized, index)
    problems.raise_if_any(_("电池未登记：请更正标出的错误（整批均未写入）。"))

    created: dict[str, Battery] = {}
    rows: list[Battery] = []
    for _item, check, values in prepared:
        produced_on = _production_date(check, today)
        battery = Battery(
            code=check.normalized,
            product_type=check.fields["product_type"],
            battery_type=check.fields["battery_type"],
            chemistry=values["chemistry"],
            rated_capacity_kwh=values["capacity"],
            mass_kg=values["mass"],
            produced_on=produced_on,
            maker_enterprise_id=maker.id,
            maker_name=maker.name,
            maker_credit_code=maker.credit_code,
            vin=values["vin"],
            state="new",
            holder_enterprise_id=maker.id,
            holder_name=maker.name,
            holder_credit_code=maker.credit_code,
            is_demo=demo,
        )
        parent_code = values["pack_code"]
        if parent_code:
            battery.pack = created.get(parent_code) or known[parent_code]
        created[battery.code] = battery
        rows.append(battery)
    session.add_all(rows)
    session.flush()
    label = actor_label(actor)
    token_id = actor.token_id if isinstance(actor, TokenActor) else None
    events = []
    for battery, (_item, _check, values) in zip(rows, prepared, strict=True):
        events.append(
            BatteryEvent(
                battery_id=battery.id,
                event="produced",
                occurred_at=clock.local_midnight_utc(battery.produced_on) if battery.produced_on else now,
                reported_at=now,
                reporter_enterprise_id=maker.id,
                reporter_label=label,
                reporter_token_id=token_id,
                to_state="new",
                note=_("梯次利用产品，由原编码重新编码") if values["sources"] else "",
                is_demo=demo,
            )
        )
        for original in values["sources"]:
            session.add(BatteryLink(product_id=battery.id, original_id=original.id))
            original.state = "recoded"
    session.add_all(events)
    session.flush()
    _add_parties(session, [(b.id, maker.id) for b in rows])
    return rows


def _add_parties(session: Session, pairs: list[tuple[int, int]]) -> None:
    if pairs:
        insert_ignore_many(session, BatteryParty, [{"battery_id": b, "enterprise_id": e} for b, e in pairs])


def _by_codes(session: Session, wanted: set[str]) -> list[Battery]:
    found: list[Battery] = []
    ordered = sorted(c for c in wanted if c)
    for start in range(0, len(ordered), 900):
        found.extend(session.scalars(select(Battery).where(Battery.code.in_(ordered[start : start + 900]))))
    return found


def _production_date(check: codes.CodeCheck, today: dt.date) -> dt.date | None:
    raw = check.fields.get("production_date")
    if not raw:
        return None
    day = dt.date.fromisoformat(raw)
    return day if day <= today else None


def _check_battery(session, item, check, index, problems, known, in_batch, maker_id, checked) -> dict:
    """Every rule for one battery to register; records problems, returns the cleaned values."""
    values: dict = {"chemistry": None, "capacity": None, "mass": None, "vin": None, "pack_code": None, "sources": []}
    if not check.valid:
        problems.add(index, "code", "；".join(check.errors) or _("电池编码无效。"))
    elif check.normalized in known:
        problems.add(index, "code", _("编码 %(code)s 已登记。", code=check.normalized))
    elif check.normalized in in_batch:
        problems.add(index, "code", _("编码与第%(n)d项重复。", n=in_batch[check.normalized] + 1))
    for name, raw, maximum, places in (
        ("rated_capacity_kwh", item.rated_capacity_kwh, Decimal("100000"), 3),
        ("mass_kg", item.mass_kg, Decimal("100000"), 2),
    ):
        value = _decimal(raw, maximum=maximum, places=places)
        if value is None:
            problems.add(index, name, _("此项为必填项。"))
        elif isinstance(value, str):
            problems.add(index, name, value)
        else:
            values["capacity" if name.startswith("rated") else "mass"] = value
    battery_type = check.fields.get("battery_type") if check.valid else None
    chemistry = CHEMISTRIES.parse(item.chemistry) if item.chemistry else None
    if item.chemistry and chemistry is None:
        problems.add(index, "chemistry", _("未知的化学体系：%(value)s。", value=item.chemistry))
    elif chemistry is None and battery_type:
        chemistry = CHEMISTRY_OF_TYPE.get(battery_type)
        if chemistry is None:
            problems.add(
                index, "chemistry", _("电池类型代码“%(t)s”未对应确定的化学体系，请填写化学体系。", t=battery_type)
            )
    elif chemistry and battery_type in CHEMISTRY_OF_TYPE:
        implied = CHEMISTRY_OF_TYPE[battery_type]
        if chemistry != implied and not (implied in TERNARY and chemistry in TERNARY):
            problems.add(
                index,
                "chemistry",
                _(
                    "化学体系“%(c)s”与编码第5位电池类型“%(t)s”（%(label)s）不符。",
                    c=CHEMISTRIES.label(chemistry),
                    t=battery_type,
                    label=CHEMISTRIES.label(implied),
                ),
            )
    values["chemistry"] = chemistry
    if item.vin:
        vin = normalize_vin(str(item.vin))
        errors = vin_errors(vin)
        if errors:
            problems.add(index, "vin", "；".join(errors))
        values["vin"] = vin
    if item.pack_code:
        _check_parent(item, check, index, problems, known, in_batch, maker_id, checked, values)
    for raw in item.source_codes:
        source = codes.normalize(str(raw))
        original = known.get(source)
        if original is None:
            problems.add(index, "source_codes", _("原电池 %(code)s 未登记。", code=source))
        elif original.holder_enterprise_id != maker_id or original.in_transit or original.state != "at_cascade":
            problems.add(
                index,
                "source_codes",
                _(
                    "原电池 %(code)s 须由本单位作为梯次利用企业入库后才能重新编码（当前：%(state)s）。",
                    code=source,
                    state=STATES.label(original.shown_state),
                ),
            )
        elif original in values["sources"]:
            problems.add(index, "source_codes", _("原电池 %(code)s 重复。", code=source))
        else:
            values["sources"].append(original)
    return values


def _check_parent(item, check, index, problems, known, in_batch, maker_id, checked, values) -> None:
    parent_code = codes.normalize(str(item.pack_code))
    own_type = check.fields.get("product_type") if check.valid else None
    parent = known.get(parent_code)
    parent_type = parent.product_type if parent else None
    if parent is None and parent_code in in_batch:
        parent_type = checked[in_batch[parent_code]].fields.get("product_type")
    elif parent is not None and (parent.holder_enterprise_id != maker_id or parent.in_transit):
        problems.add(index, "pack_code", _("所属电池 %(code)s 不由本单位持有。", code=parent_code))
        return
    if parent_type is None:
        problems.add(index, "pack_code", _("所属电池 %(code)s 未登记（也不在本批中排在前面）。", code=parent_code))
        return
    allowed = {"M": {"P"}, "C": {"P", "M"}}.get(own_type or "", set())
    if own_type == "P":
        problems.add(index, "pack_code", _("电池包（P）不属于其他电池。"))
    elif own_type and parent_type not in allowed:
        problems.add(
            index, "pack_code", _("模组只能属于电池包，单体只能属于电池包或模组；%(code)s 不是。", code=parent_code)
        )
    else:
        values["pack_code"] = parent_code
