"""Reporting lifecycle events: the batch, its checks, and the moves that do not change hands or hand over.

Intakes (confirming a transfer, or taking over from outside) are in ``intakes``; corrections in
``event_corrections``; both use this module's batch context and helpers.

Every move goes through ``report_events`` (one event is a batch of one), which applies the state
machine of ``lifecycle`` and the custody rules: only the holder moves a battery (or a car maker for
an outlet in its network, or staff); a dispatch to a member leaves the battery in transit, held by
nobody, until the receiver confirms the intake or refuses it; a counter-party outside the
association is recorded by the reporter with a document as evidence. A late report is accepted and
flagged with how many working days late it is. Nothing is edited: a correction is a new event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.core import clock
from portal.core.actors import TokenActor, actor_label, is_staff
from portal.core.creditcode import CreditCodeError, validate_credit_code
from portal.core.dates import parse_datetime
from portal.core.sql import insert_ignore_many
from portal.core.vin import normalize_vin, vin_errors
from portal.errors import DomainError
from portal.registry import access, codes, event_corrections, intakes, signals, transfers
from portal.registry.lifecycle import (
    DISPATCH,
    EVENTS,
    INTAKE,
    RECOVERED_METALS,
    REGISTER,
    RULES,
    STATES,
    TERMINAL,
    allowed_events,
)
from portal.registry.models import Battery, BatteryEvent, BatteryParty, BatteryTransfer
from portal.registry.queries import recoded_products
from portal.registry.services import FUTURE_TOLERANCE, MAX_BATCH, EventInput, Problems, _by_codes, _decimal


@dataclass
class _Context:
    """What a batch looks up once: the actor's network of outlets, outlets and members by code, the calendar."""

    session: Session
    actor: object
    enterprise_id: int | None
    staff: bool
    now: dt.datetime
    network: set[int]
    outlets: dict
    members: dict
    pending: dict[int, BatteryTransfer]
    calendar: object
    sent: list = field(default_factory=list)
    parties: set[int] | None = None  # batteries the actor's enterprise is a party to
    enterprises: dict = field(default_factory=dict)  # id -> EnterpriseBrief, read once per batch
    outlets_by_id: dict = field(default_factory=dict)


class _Refused(Exception):
    """One item's refusal: the field at fault and the message."""

    def __init__(self, name: str, message: str) -> None:
        self.name, self.message = name, message


def report_events(session: Session, actor, items: Sequence[EventInput], *, batch: bool = True, demo: bool = False):
    """Report events (a batch of up to 1,000, in order, all or nothing); returns the new events."""
    if not items:
        raise DomainError(_("没有要报送的事件。"), {"items": _("至少需要一项。")})
    if len(items) > MAX_BATCH:
        raise DomainError(_("一次最多报送%(n)d个事件。", n=MAX_BATCH), {"items": _("超过%(n)d项。", n=MAX_BATCH)})
    ctx = _context(session, actor, items)
    batteries = {b.code: b for b in _by_codes(session, {codes.normalize(str(i.code or "")) for i in items})}
    ids = [b.id for b in batteries.values()]
    ctx.pending = _pending(session, ids)
    ctx.parties = access.party_battery_ids(session, ctx.enterprise_id, ids)
    ctx.outlets_by_id = {o.id: o for o in ctx.outlets.values()}
    problems = Problems(batch)
    made: list[BatteryEvent] = []
    parties: list[tuple[int, int]] = []
    # Checked in memory against what the batch read at the start: no query (or flush) per item.
    with session.no_autoflush:
        for index, item in enumerate(items):
            try:
                event, new_parties = _apply(ctx, batteries, item)
            except _Refused as refused:
                problems.add(index, refused.name, refused.message)
                continue
            event.is_demo = demo
            made.append(event)
            parties.extend(new_parties)
            ctx.parties.update(b for b, e in new_parties if e == ctx.enterprise_id)
    problems.raise_if_any(_("事件未报送：请更正标出的错误（整批均未写入）。"))
    session.flush()
    transfers.notify_receivers(session, ctx.sent)
    insert_ignore_many(session, BatteryParty, [{"battery_id": b, "enterprise_id": e} for b, e in set(parties)])
    signals.intakes_recorded(session, actor, [e for e in made if RULES[e.event].kind == INTAKE], demo=demo)
    return made


def _context(session: Session, actor, items) -> _Context:
    from portal.members.queries import enterprise_ids_by_credit_code
    from portal.outlets.queries import by_codes, outlets_in_network
    from portal.workdays.calendar import WorkCalendar

    enterprise_id = access.require_reporter(session, actor)
    staff = is_staff(actor)
    now = clock.now()
    outlet_codes = {(i.outlet_code or "").strip().upper() for i in items}
    occurred = [_occurred_or_none(i.occurred_at) for i in items]
    first = min((o.astimezone(clock.LOCAL_TZ).date() for o in occurred if o), default=clock.today())
    return _Context(
        session=session,
        actor=actor,
        enterprise_id=enterprise_id,
        staff=staff,
        now=now,
        network=outlets_in_network(session, enterprise_id) if enterprise_id else set(),
        outlets=by_codes(session, outlet_codes),
        members=enterprise_ids_by_credit_code(session),
        pending={},
        calendar=WorkCalendar.load(session, min(first, clock.today()), clock.today()),
    )


def _occurred_or_none(raw) -> dt.datetime | None:
    try:
        return parse_datetime(raw if isinstance(raw, str | dt.datetime) else None)
    except DomainError:
        return None


def _pending(session: Session, battery_ids: list[int]) -> dict[int, BatteryTransfer]:
    found: dict[int, BatteryTransfer] = {}
    for start in range(0, len(battery_ids), 900):
        chunk = battery_ids[start : start + 900]
        query = select(BatteryTransfer).where(BatteryTransfer.battery_id.in_(chunk), BatteryTransfer.state == "pending")
        found.update({t.battery_id: t for t in session.scalars(query)})
    return found


def _apply(ctx: _Context, batteries: dict[str, Battery], item: EventInput):
    """Check one item against the battery's current state and apply it; raise _Refused."""
    code = codes.normalize(str(item.code or ""))
    battery = batteries.get(code)
    if not code:
        raise _Refused("code", _("请填写电池编码。"))
    if battery is None or not access.can_see(
        ctx.session, ctx.actor, battery, ctx.network, ctx.parties, ctx.pending.get(battery.id) if battery else None
    ):
        raise _Refused("code", _("没有找到编码为 %(code)s 的电池，或您无权查看。", code=code))
    if item.corrects_event_id is not None:
        return event_corrections.correction(ctx, battery, item), []
    event_code = (item.event or "").strip()
    rule = RULES.get(event_code) or RULES.get(EVENTS.parse(event_code) or "")
    if rule is None:
        raise _Refused(
            "event", _("未知的事件代码“%(code)s”；可用：%(codes)s。", code=event_code, codes=", ".join(EVENTS.codes))
        )
    if rule.kind == REGISTER:
        raise _Refused("event", _("“生产”事件在登记电池时自动记录，无需另行报送。"))
    occurred = _occurred(ctx, battery, item)
    if battery.state in TERMINAL:
        raise _Refused("event", _("该电池%(state)s，不能再报送事件。", state=STATES.label(battery.state)))
    if rule.kind == INTAKE:
        return intakes.intake(ctx, battery, rule, item, occurred)
    return _move(ctx, battery, rule, item, occurred)


def _occurred(ctx: _Context, battery: Battery, item: EventInput) -> dt.datetime:
    raw = item.occurred_at
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise _Refused("occurred_at", _("请填写事件发生时间。"))
    try:
        occurred = parse_datetime(raw if isinstance(raw, str | dt.datetime) else str(raw), field="occurred_at")
    except DomainError as err:
        raise _Refused("occurred_at", err.message) from err
    occurred = occurred.astimezone(dt.UTC)
    if occurred > ctx.now + FUTURE_TOLERANCE:
        raise _Refused("occurred_at", _("发生时间不能晚于现在。"))
    if battery.produced_on is not None and occurred < clock.local_midnight_utc(battery.produced_on):
        raise _Refused("occurred_at", _("发生时间早于电池的生产日期（%(day)s）。", day=battery.produced_on.isoformat()))
    if battery.last_event_at is not None and occurred < battery.last_event_at:
        raise _Refused(
            "occurred_at",
            _("发生时间早于该电池上一事件的发生时间（%(at)s）。", at=clock.format_datetime(battery.last_event_at)),
        )
    return occurred


def _counterparty(ctx: _Context, item: EventInput, *, role: str) -> tuple[int | None, str, str]:
    """(member id or None, name, credit code) of the named counter-party; the credit code is checked."""
    raw = (item.counterparty_credit_code or "").strip()
    if not raw:
        message = _("请填写接收方的统一社会信用代码。") if role == "receiver" else _("请填写交出方的统一社会信用代码。")
        raise _Refused("counterparty_credit_code", message)
    try:
        credit_code = validate_credit_code(raw)
    except CreditCodeError as err:
        raise _Refused("counterparty_credit_code", str(err)) from err
    member_id = ctx.members.get(credit_code)
    name = (item.counterparty_name or "").strip()
    if member_id is not None:
        name = _enterprise(ctx, member_id).name
    elif not name:
        raise _Refused("counterparty_name", _("对方不是协会会员单位：请填写其名称。"))
    elif len(name) > 200:
        raise _Refused("counterparty_name", _("名称不能超过200个字符。"))
    return member_id, name, credit_code


def _evidence(item: EventInput) -> str:
    document = (item.evidence_document or "").strip()
    if not document:
        raise _Refused(
            "evidence_document",
            _("对方不是协会会员单位，无法在平台确认：请填写作为凭证的单据（如交接单、合同的编号或名称）。"),
        )
    if len(document) > 300:
        raise _Refused("evidence_document", _("凭证说明不能超过300个字符。"))
    return document


def _place(ctx: _Context, item: EventInput):
    """(outlet or None, site) where the event happened (or, for a dispatch, where the battery goes)."""
    outlet = None
    outlet_code = (item.outlet_code or "").strip().upper()
    if outlet_code:
        outlet = ctx.outlets.get(outlet_code)
        if outlet is None:
            raise _Refused("outlet_code", _("回收服务网点 %(code)s 不存在。", code=outlet_code))
    site = (item.site or "").strip()
    if len(site) > 200:
        raise _Refused("site", _("地点不能超过200个字符。"))
    return outlet, site


def _new_event(ctx: _Context, battery: Battery, rule, item: EventInput, occurred: dt.datetime, to_state: str):
    reported = ctx.now
    taken = late = None
    if rule.deadline_working_days is not None:
        taken = _working_days(ctx, occurred, reported)
        late = max(0, taken - rule.deadline_working_days)
    note = (item.note or "").strip()
    if len(note) > 2000:
        raise _Refused("note", _("备注不能超过2000个字符。"))
    event = BatteryEvent(
        battery_id=battery.id,
        event=rule.code,
        occurred_at=occurred,
        reported_at=reported,
        reporter_enterprise_id=ctx.enterprise_id,
        reporter_label=actor_label(ctx.actor),
        reporter_token_id=ctx.actor.token_id if isinstance(ctx.actor, TokenActor) else None,
        from_state=battery.state,
        to_state=to_state,
        deadline_working_days=rule.deadline_working_days,
        working_days_taken=taken,
        late_by_working_days=late or 0,
        note=note,
    )
    ctx.session.add(event)
    return event


def _working_days(ctx: _Context, start: dt.datetime, end: dt.datetime) -> int:
    """Working days from the day start happened to the day end did (Shandong dates)."""
    from portal.workdays.calendar import WorkCalendar

    first, last = (t.astimezone(clock.LOCAL_TZ).date() for t in (start, end))
    if last <= first:
        return 0
    if first < ctx.calendar.first or last > ctx.calendar.last:
        ctx.calendar = WorkCalendar.load(ctx.session, min(first, ctx.calendar.first), max(last, ctx.calendar.last))
    return ctx.calendar.working_days_between(first, last)


def _state_refusal(battery: Battery, rule) -> _Refused:
    possible = [EVENTS.label(c) for c in allowed_events(battery.state)]
    return _Refused(
        "event",
        _(
            "“%(event)s”不适用于当前状态为“%(state)s”的电池；此状态下可报送：%(allowed)s。",
            event=EVENTS.label(rule.code),
            state=STATES.label(battery.state),
            allowed="、".join(possible) or _("无"),
        ),
    )


def _move(ctx: _Context, battery: Battery, rule, item: EventInput, occurred: dt.datetime):
    """A local event or a dispatch by the holder (or a car maker of the outlet's network, or staff)."""
    pending = ctx.pending.get(battery.id)
    if battery.in_transit and pending is not None:
        raise _Refused(
            "event",
            _(
                "电池正在移交给%(receiver)s途中，须等对方确认接收或拒收后才能报送新事件。",
                receiver=pending.receiver_name,
            ),
        )
    if not access.may_move(ctx.session, ctx.actor, battery, ctx.network):
        raise _Refused(
            "event",
            _(
                "只有电池的当前持有方（%(holder)s）或其网点所属的整车企业可以报送此事件。",
                holder=battery.holder_name or "—",
            ),
        )
    to_state = rule.moves.get(battery.state)
    if to_state is None:
        raise _state_refusal(battery, rule)
    if rule.code == "cascade_dispatch" and battery.state == "new" and not recoded_products(ctx.session, [battery.id]):
        raise _Refused("event", _("“梯次产品出库”只适用于梯次利用产品（由原电池重新编码的产品）。"))
    outlet, site = _place(ctx, item)
    if "vin" in rule.needs:
        vin = normalize_vin(str(item.vin or battery.vin or ""))
        if not vin:
            raise _Refused("vin", _("装车须填写车辆识别代号（VIN）。"))
        errors = vin_errors(vin)
        if errors:
            raise _Refused("vin", "；".join(errors))
    recovered = _recovered(battery, item) if "recovered" in rule.needs else None
    parties: list[tuple[int, int]] = []
    if rule.kind == DISPATCH:
        receiver_id, receiver_name, receiver_code = _counterparty(ctx, item, role="receiver")
        if receiver_id is not None and receiver_id == battery.holder_enterprise_id:
            raise _Refused("counterparty_credit_code", _("接收方不能是电池的当前持有方本身。"))
        evidence = _evidence(item) if receiver_id is None else ""
    event = _new_event(ctx, battery, rule, item, occurred, to_state)
    event.outlet_id = outlet.id if outlet else None
    event.site = site
    if ctx.enterprise_id is not None:
        parties.append((battery.id, ctx.enterprise_id))
    if "vin" in rule.needs:
        battery.vin = event.vin = vin
    elif battery.state == "in_vehicle" and to_state != "in_vehicle":
        # Out of the vehicle: the event keeps the VIN it left, the battery no longer has one.
        event.vin, battery.vin = battery.vin, None
    if recovered is not None:
        for metal, value in recovered.items():
            setattr(event, f"recovered_{metal}_kg", value)
    if rule.kind == DISPATCH:
        event.counterparty_enterprise_id = receiver_id
        event.counterparty_name = receiver_name
        event.counterparty_credit_code = receiver_code
        if receiver_id is None:
            # Outside the association: nobody can confirm in the portal; the reporter's document stands for it.
            event.counterparty_by_reporter = True
            event.evidence_document = evidence
            battery.hold(None, receiver_name, receiver_code, outlet.id if outlet else None, site)
            battery.state = to_state
        else:
            transfer = BatteryTransfer(
                battery_id=battery.id,
                dispatch_event=event,
                sender_enterprise_id=battery.holder_enterprise_id,
                sender_name=battery.holder_name,
                sender_credit_code=battery.holder_credit_code,
                receiver_enterprise_id=receiver_id,
                receiver_name=receiver_name,
                outlet_id=outlet.id if outlet else None,
                state_before=battery.state,
                outlet_before_id=battery.location_outlet_id,
                site_before=battery.location_site,
                sent_at=occurred,
            )
            ctx.session.add(transfer)
            ctx.pending[battery.id] = transfer
            ctx.sent.append(transfer)
            parties.append((battery.id, receiver_id))
            battery.state = to_state
            battery.in_transit = True
            battery.holder_enterprise_id = None
            battery.holder_name = battery.holder_credit_code = ""
            battery.location_outlet_id, battery.location_site = None, ""
    else:
        battery.state = to_state
        if outlet is not None or site:
            battery.location_outlet_id, battery.location_site = (outlet.id if outlet else None), site
    battery.last_event_at = occurred
    return event, parties


def _recovered(battery: Battery, item: EventInput) -> dict[str, Decimal]:
    raw = item.recovered_kg
    if not isinstance(raw, dict):
        raise _Refused("recovered_kg", _("最终处置须填写回收的锂、镍、钴、锰质量（千克，可为0）。"))
    values: dict[str, Decimal] = {}
    for metal in RECOVERED_METALS:
        value = raw.get(metal)
        if value in (None, ""):
            raise _Refused(f"recovered_kg.{metal}", _("请填写回收质量（千克，可为0）。"))
        if value in (0, "0") or (isinstance(value, str) and value.strip() in ("0", "0.0", "0.00")):
            values[metal] = Decimal(0)
            continue
        parsed = _decimal(value, maximum=Decimal("100000"), places=3)
        if parsed is None or isinstance(parsed, str):
            raise _Refused(f"recovered_kg.{metal}", parsed or _("应为数字。"))
        values[metal] = parsed
    if sum(values.values()) > battery.mass_kg:
        raise _Refused("recovered_kg", _("回收金属总质量不能超过电池质量（%(mass)s 千克）。", mass=battery.mass_kg))
    return values


def _outlet(ctx: _Context, outlet_id: int):
    """An outlet by id, read once per batch."""
    from portal.outlets.queries import get_by_id

    if outlet_id not in ctx.outlets_by_id:
        ctx.outlets_by_id[outlet_id] = get_by_id(ctx.session, outlet_id)
    return ctx.outlets_by_id[outlet_id]


def _enterprise(ctx: _Context, enterprise_id: int):
    """An enterprise's id, name and credit code, read once per batch."""
    from portal.members.queries import enterprise_briefs

    if enterprise_id not in ctx.enterprises:
        ctx.enterprises.update(enterprise_briefs(ctx.session, [enterprise_id]))
    return ctx.enterprises[enterprise_id]


def events_for(session: Session, battery: Battery) -> list[str]:
    """The events the holder may report next for this battery (what the form offers)."""
    codes_ = allowed_events(battery.state)
    if battery.state == "new" and not recoded_products(session, [battery.id]):
        codes_ = [c for c in codes_ if c != "cascade_dispatch"]
    return [c for c in codes_ if RULES[c].kind != INTAKE]
