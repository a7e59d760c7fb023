"""Transfers between holders: who may take one in, confirming a receipt, refusing, telling the parties.

A transfer is started by a dispatch event (``events.report_events``); the receiver confirms it with
its intake event (through ``report_events`` too) or, where no intake event fits, a plain receipt
here, or refuses it here, which returns the battery to the sender exactly as it was.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal.core import clock
from portal.core.actors import actor_label, is_staff
from portal.core.dates import parse_datetime
from portal.errors import DomainError
from portal.registry import access, codes
from portal.registry.lifecycle import INTAKE, RULES
from portal.registry.models import Battery, BatteryTransfer
from portal.registry.services import FUTURE_TOLERANCE, EventInput


def receives(enterprise_id: int | None, transfer: BatteryTransfer, network: set[int]) -> bool:
    """The receiver, or a car maker for a destination outlet in its network that did not send it."""
    if enterprise_id is None:
        return False
    if enterprise_id == transfer.receiver_enterprise_id:
        return True
    return (
        enterprise_id != transfer.sender_enterprise_id
        and transfer.outlet_id is not None
        and transfer.outlet_id in network
    )


def may_receive(session: Session, actor, transfer: BatteryTransfer) -> bool:
    """May actor confirm or refuse this pending transfer?"""
    from portal.outlets.queries import outlets_in_network

    enterprise_id = access.enterprise_of(actor)
    if is_staff(actor):
        return True
    network = outlets_in_network(session, enterprise_id) if enterprise_id is not None else set()
    return receives(enterprise_id, transfer, network)


def needs_no_intake(state: str) -> bool:
    """A battery sent on in this state (a sale, a cascade product shipped) is taken over by a plain receipt:
    no intake event applies to it."""
    return not any(rule.kind == INTAKE and state in rule.moves for rule in RULES.values())


def _decide(session: Session, actor, code: str) -> tuple[Battery, BatteryTransfer]:
    """The battery and its pending transfer, if actor may confirm or refuse it."""
    from portal.registry.queries import pending_transfer

    access.require_reporter(session, actor)
    battery = access.visible_battery(session, actor, codes.normalize(code))
    transfer = pending_transfer(session, battery)
    if transfer is None:
        raise DomainError(_("该电池没有等待确认的移交。"))
    if not may_receive(session, actor, transfer):
        raise DomainError(_("只有接收方（%(receiver)s）可以确认或拒收。", receiver=transfer.receiver_name))
    return battery, transfer


def refuse_transfer(session: Session, actor, code: str, reason: str) -> BatteryTransfer:
    """The receiver refuses a transfer, with a reason: custody returns to the sender, as before."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请说明拒收的原因。"), {"reason": _("请说明拒收的原因。")})
    if len(reason) > 2000:
        raise DomainError(_("原因不能超过2000个字符。"), {"reason": _("原因不能超过2000个字符。")})
    battery, transfer = _decide(session, actor, code)
    now = clock.now()
    transfer.state = "refused"
    transfer.refusal_reason = reason
    transfer.decided_at = now
    transfer.decided_by = actor_label(actor)
    battery.hold(
        transfer.sender_enterprise_id,
        transfer.sender_name,
        transfer.sender_credit_code,
        transfer.outlet_before_id,
        transfer.site_before,
    )
    battery.state = transfer.state_before
    session.flush()
    _notify_refused(session, transfer)
    return transfer


def confirm_receipt(
    session: Session, actor, code: str, occurred_at, *, event: str | None = None, demo: bool = False, **details
):
    """The receiver confirms a transfer: with its intake event, or (after a sale or the shipping of a
    cascade-use product, which no intake event fits) a plain receipt."""
    battery, transfer = _decide(session, actor, code)
    now = clock.now()
    if event:
        from portal.registry.events import report_events

        return report_events(
            session,
            actor,
            [EventInput(code=battery.code, event=event, occurred_at=occurred_at, **details)],
            batch=False,
            demo=demo,
        )[0]
    if not needs_no_intake(battery.state):
        raise DomainError(
            _("请选择入库事件（网点入库、梯次利用入库或再生利用入库）确认接收。"),
            {"event": _("请选择入库事件。")},
        )
    when = parse_datetime(str(occurred_at or ""), field="occurred_at", required=True).astimezone(dt.UTC)
    if when < transfer.sent_at or when > now + FUTURE_TOLERANCE:
        raise DomainError(
            _("接收时间须在出库之后、不晚于现在。"), {"occurred_at": _("接收时间须在出库之后、不晚于现在。")}
        )
    from portal.members.queries import get_enterprise

    receiver = get_enterprise(session, transfer.receiver_enterprise_id)
    transfer.state = "confirmed"
    transfer.decided_at = now
    transfer.decided_by = actor_label(actor)
    battery.hold(receiver.id, receiver.name, receiver.credit_code, None, "")
    battery.last_event_at = when
    session.flush()
    return transfer


def _notify_refused(session: Session, transfer: BatteryTransfer) -> None:
    """Tell the sender's users that the receiver refused (in the portal)."""
    if transfer.sender_enterprise_id is None:
        return
    from portal.auth.queries import enterprise_user_ids
    from portal.notify.services import notify

    battery = session.get(Battery, transfer.battery_id)
    notify(
        session,
        enterprise_user_ids(session, transfer.sender_enterprise_id),
        _l("电池 %(code)s 被拒收", code=battery.code),
        _l(
            "%(receiver)s 拒收了电池 %(code)s：%(reason)s。电池已退回贵单位。",
            receiver=transfer.receiver_name,
            code=battery.code,
            reason=transfer.refusal_reason,
        ),
        link=f"/registry/batteries/{battery.code}",
    )


def notify_receivers(session: Session, transfers: list[BatteryTransfer]) -> None:
    """Tell each receiving member, once per batch, how many batteries wait for its confirmation."""
    from portal.auth.queries import enterprise_user_ids
    from portal.notify.services import notify

    by_receiver: dict[int, int] = {}
    for transfer in transfers:
        by_receiver[transfer.receiver_enterprise_id] = by_receiver.get(transfer.receiver_enterprise_id, 0) + 1
    for receiver_id, count in by_receiver.items():
        notify(
            session,
            enterprise_user_ids(session, receiver_id),
            _l("%(n)d块电池等待贵单位确认接收", n=count),
            _l("请在会员中心的“电池溯源”中确认入库或拒收。"),
            link="/registry/account",
        )
