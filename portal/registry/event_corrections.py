"""Corrections of reported events: a new event pointing at the one it corrects; nothing is edited.
Part of ``events``' batch."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from portal.core.dates import parse_datetime
from portal.errors import DomainError
from portal.registry import events as ev
from portal.registry.lifecycle import RECOVERED_METALS, RULES
from portal.registry.models import Battery, BatteryEvent
from portal.registry.services import FUTURE_TOLERANCE, EventInput


def correction(ctx: ev._Context, battery: Battery, item: EventInput) -> BatteryEvent:
    """A new event correcting the details of an earlier one (time, place, note); the state stays."""
    original = ctx.session.get(BatteryEvent, item.corrects_event_id)
    if original is None or original.battery_id != battery.id:
        raise ev._Refused("corrects_event_id", _("要更正的事件不存在或不属于该电池。"))
    if not (ctx.staff or (ctx.enterprise_id is not None and ctx.enterprise_id == original.reporter_enterprise_id)):
        raise ev._Refused("corrects_event_id", _("只有原报送单位或协会工作人员可以更正该事件。"))
    if original.event == "produced":
        raise ev._Refused("corrects_event_id", _("“生产”事件不能更正：请联系协会。"))
    rule = RULES[original.event]
    occurred = original.occurred_at
    if item.occurred_at not in (None, ""):
        try:
            occurred = parse_datetime(str(item.occurred_at), field="occurred_at").astimezone(dt.UTC)
        except DomainError as err:
            raise ev._Refused("occurred_at", err.message) from err
        if occurred > ctx.now + FUTURE_TOLERANCE:
            raise ev._Refused("occurred_at", _("发生时间不能晚于现在。"))
    outlet, site = ev._place(ctx, item)
    if not (item.note or "").strip():
        raise ev._Refused("note", _("请说明更正的原因。"))
    event = ev._new_event(ctx, battery, rule, item, occurred, original.to_state)
    event.from_state = original.from_state
    event.corrects_event_id = original.id
    event.outlet_id = outlet.id if outlet else original.outlet_id
    event.site = site or original.site
    copied = (
        "counterparty_enterprise_id",
        "counterparty_name",
        "counterparty_credit_code",
        "counterparty_by_reporter",
        "evidence_document",
        "vin",
        *(f"recovered_{m}_kg" for m in RECOVERED_METALS),
    )
    for name in copied:
        setattr(event, name, getattr(original, name))
    if rule.deadline_working_days is not None:
        # Lateness is judged on when the event was first reported, not on the correction.
        taken = ev._working_days(ctx, occurred, original.reported_at)
        event.working_days_taken = taken
        event.late_by_working_days = max(0, taken - rule.deadline_working_days)
    return event
