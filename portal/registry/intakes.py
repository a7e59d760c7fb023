"""The receiver's intake of a battery: confirming a pending transfer, or taking it over from a holder
outside the association (with the sender named and a document as evidence). Part of ``events``' batch."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from portal.core import clock
from portal.core.actors import actor_label
from portal.registry import events as ev
from portal.registry import transfers
from portal.registry.models import Battery, BatteryTransfer
from portal.registry.services import EventInput


def intake(ctx: ev._Context, battery: Battery, rule, item: EventInput, occurred: dt.datetime):
    """The receiver's intake: confirming a transfer, or taking over from a holder outside the association."""
    pending = ctx.pending.get(battery.id)
    to_state = rule.moves.get(battery.state)
    outlet, site = ev._place(ctx, item)
    if pending is not None:
        if not _may_receive(ctx, pending):
            raise ev._Refused(
                "event", _("电池正移交给%(receiver)s，只有接收方可以确认入库。", receiver=pending.receiver_name)
            )
        if to_state is None:
            raise ev._state_refusal(battery, rule)
        if outlet is None and pending.outlet_id is not None:
            outlet = ev._outlet(ctx, pending.outlet_id)
        if "outlet" in rule.needs and outlet is None:
            raise ev._Refused("outlet_code", _("网点入库须填写回收服务网点编码。"))
        if pending.sent_at and occurred < pending.sent_at:
            raise ev._Refused(
                "occurred_at", _("入库时间不能早于出库时间（%(at)s）。", at=clock.format_datetime(pending.sent_at))
            )
        event = ev._new_event(ctx, battery, rule, item, occurred, to_state)
        event.from_state = battery.state
        event.outlet_id, event.site = (outlet.id if outlet else None), site
        event.counterparty_enterprise_id = pending.sender_enterprise_id
        event.counterparty_name, event.counterparty_credit_code = pending.sender_name, pending.sender_credit_code
        pending.state = "confirmed"
        pending.intake_event = event
        pending.decided_at = ctx.now
        pending.decided_by = actor_label(ctx.actor)
        del ctx.pending[battery.id]
        receiver = ev._enterprise(ctx, pending.receiver_enterprise_id)
        battery.hold(receiver.id, receiver.name, receiver.credit_code, outlet.id if outlet else None, site)
        battery.state = to_state
        battery.last_event_at = occurred
        parties = [(battery.id, receiver.id)] + ([(battery.id, ctx.enterprise_id)] if ctx.enterprise_id else [])
        return event, parties
    if battery.holder_enterprise_id is not None:
        raise ev._Refused(
            "event",
            _(
                "该电池由%(holder)s持有，尚未移交给贵单位：请由持有方先报送出库（移交），再确认入库。",
                holder=battery.holder_name,
            ),
        )
    # Held outside the association: the receiver records the take-over, with the sender named and evidence.
    if ctx.enterprise_id is None:
        raise ev._Refused("event", _("持有方不是会员单位时，须由接收的会员单位报送入库。"))
    if to_state is None:
        raise ev._state_refusal(battery, rule)
    if "outlet" in rule.needs and outlet is None:
        raise ev._Refused("outlet_code", _("网点入库须填写回收服务网点编码。"))
    sender_id, sender_name, sender_code = ev._counterparty(ctx, item, role="sender")
    if sender_code != battery.holder_credit_code:
        raise ev._Refused(
            "counterparty_credit_code",
            _("交出方与电池的当前持有方（%(holder)s）不符。", holder=battery.holder_name),
        )
    evidence = ev._evidence(item)
    event = ev._new_event(ctx, battery, rule, item, occurred, to_state)
    event.outlet_id, event.site = (outlet.id if outlet else None), site
    event.counterparty_enterprise_id = sender_id
    event.counterparty_name, event.counterparty_credit_code = sender_name, sender_code
    event.counterparty_by_reporter = True
    event.evidence_document = evidence
    me = ev._enterprise(ctx, ctx.enterprise_id)
    battery.hold(me.id, me.name, me.credit_code, outlet.id if outlet else None, site)
    battery.state = to_state
    battery.last_event_at = occurred
    return event, [(battery.id, me.id)]


def _may_receive(ctx: ev._Context, transfer: BatteryTransfer) -> bool:
    """The receiver, a car maker for a destination outlet in its network, or staff."""
    if ctx.staff:
        return True
    return transfers.receives(ctx.enterprise_id, transfer, ctx.network)
