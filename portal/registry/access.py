"""Who may see a battery and who may move it: one rule each, asked by the views, the API and the services.

* see: staff and observers; every enterprise that has held the battery or been sent it (its
  parties); a car maker while the battery is stored at, or on its way to, an outlet in its network
  (an event that merely names an outlet gives nobody rights). Everyone else is told the battery
  does not exist (404), so a code's existence is not disclosed.
* move: the current holder; a car maker for a battery stored at an outlet in its network; staff.
* receive (transfers.may_receive): the receiver of a pending transfer; a car maker for a transfer to
  an outlet in its network, unless it sent the battery itself; staff.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.core.actors import is_staff, is_staff_reader
from portal.errors import NotFound
from portal.registry.models import Battery, BatteryParty


def enterprise_of(actor) -> int | None:
    return getattr(actor, "enterprise_id", None) if getattr(actor, "is_member", False) else None


def is_party(session: Session, battery_id: int, enterprise_id: int | None) -> bool:
    if enterprise_id is None:
        return False
    return session.get(BatteryParty, (battery_id, enterprise_id)) is not None


def can_see(
    session: Session,
    actor,
    battery: Battery,
    network: set[int] | None = None,
    parties: set[int] | None = None,
    pending=None,
) -> bool:
    """May actor see this battery and its whole chain? (parties: the ids of the batteries the actor's
    enterprise is a party to, when a batch has read them already.)"""
    if actor is None:
        return False
    if is_staff_reader(actor):
        return True
    enterprise_id = enterprise_of(actor)
    if enterprise_id is None:
        return False
    if (battery.id in parties) if parties is not None else is_party(session, battery.id, enterprise_id):
        return True
    if battery.in_transit:
        # A car maker sees a battery on its way to an outlet of its network (it may take it in there).
        transfer = pending if pending is not None else _pending_transfer(session, battery)
        return bool(transfer and transfer.outlet_id and transfer.outlet_id in _network(session, enterprise_id, network))
    return _stored_in_network(session, battery, enterprise_id, network)


def _pending_transfer(session: Session, battery: Battery):
    from portal.registry.models import BatteryTransfer

    return session.scalar(
        select(BatteryTransfer).where(BatteryTransfer.battery_id == battery.id, BatteryTransfer.state == "pending")
    )


def _stored_in_network(session: Session, battery: Battery, enterprise_id: int, network: set[int] | None) -> bool:
    """Is the battery stored at an outlet of the car maker's network (taken in there, not merely named)?"""
    return (
        battery.state == "at_outlet"
        and not battery.in_transit
        and battery.location_outlet_id is not None
        and battery.location_outlet_id in _network(session, enterprise_id, network)
    )


def _network(session: Session, enterprise_id: int, network: set[int] | None) -> set[int]:
    if network is not None:
        return network
    from portal.outlets.queries import outlets_in_network

    return outlets_in_network(session, enterprise_id)


def may_move(session: Session, actor, battery: Battery, network: set[int] | None = None) -> bool:
    """May actor report the battery's next move (not an intake: see may_receive)?"""
    if is_staff(actor):
        return True
    enterprise_id = enterprise_of(actor)
    if enterprise_id is None or battery.in_transit:
        return False
    if battery.holder_enterprise_id == enterprise_id:
        return True
    return _stored_in_network(session, battery, enterprise_id, network)


def visible_battery(session: Session, actor, code: str) -> Battery:
    """The battery with this normalised code if actor may see it; NotFound otherwise (also when it exists)."""
    battery = session.scalar(select(Battery).where(Battery.code == code))
    if battery is None or not can_see(session, actor, battery):
        raise NotFound(_("没有找到编码为 %(code)s 的电池，或您无权查看。", code=code))
    return battery


def party_battery_ids(session: Session, enterprise_id: int | None, battery_ids: list[int]) -> set[int]:
    """Which of these batteries the enterprise is a party to (one query per 900)."""
    if enterprise_id is None:
        return set()
    found: set[int] = set()
    for start in range(0, len(battery_ids), 900):
        chunk = battery_ids[start : start + 900]
        found.update(
            session.scalars(
                select(BatteryParty.battery_id).where(
                    BatteryParty.enterprise_id == enterprise_id, BatteryParty.battery_id.in_(chunk)
                )
            )
        )
    return found


def require_reporter(session: Session, actor) -> int | None:
    """Staff, or a user or token of an admitted member (its enterprise id); DomainError otherwise."""
    from portal.errors import DomainError

    enterprise_id = enterprise_of(actor)
    if is_staff(actor):
        return enterprise_id
    if enterprise_id is None:
        raise DomainError(_("只有会员单位或协会工作人员可以报送溯源事件。"))
    from portal.members.queries import enterprise_briefs

    own = enterprise_briefs(session, [enterprise_id]).get(enterprise_id)
    if own is None or own.status != "member":
        raise DomainError(_("只有已入会的会员单位可以报送溯源事件。"))
    return enterprise_id
