"""The registry's read side: a battery's chain, a member's batteries, transfers and late reports.

Reads the outlets' table (codes and names of outlets) and the members' enterprises (names) through
their queries; never writes anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from portal.core import clock
from portal.registry.lifecycle import IN_TRANSIT, RECOVERED_METALS
from portal.registry.models import Battery, BatteryEvent, BatteryLink, BatteryParty, BatteryTransfer


@dataclass
class ChainEntry:
    """One event of a chain with what people need beside it: its transfer, its corrections, places."""

    event: BatteryEvent
    outlet_code: str | None = None
    outlet_name: str | None = None
    transfer: BatteryTransfer | None = None
    corrections: list[BatteryEvent] = field(default_factory=list)

    @property
    def recovered(self) -> dict | None:
        values = {m: getattr(self.event, f"recovered_{m}_kg") for m in RECOVERED_METALS}
        return values if any(v is not None for v in values.values()) else None


def outlet_names(session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    """Code and name of the given outlets, by id (read from the outlets' table)."""
    if not ids:
        return {}
    from portal.outlets.models import Outlet

    rows = session.execute(select(Outlet.id, Outlet.code, Outlet.name).where(Outlet.id.in_(ids)))
    return {i: (code, name) for i, code, name in rows}


def chain(session: Session, battery: Battery) -> list[ChainEntry]:
    """The battery's events in the order they happened, corrections under the event they correct."""
    events = list(
        session.scalars(
            select(BatteryEvent)
            .where(BatteryEvent.battery_id == battery.id)
            .order_by(BatteryEvent.occurred_at, BatteryEvent.id)
        )
    )
    transfers = {
        t.dispatch_event_id: t
        for t in session.scalars(select(BatteryTransfer).where(BatteryTransfer.battery_id == battery.id))
    }
    outlets = outlet_names(session, {e.outlet_id for e in events if e.outlet_id})
    entries: dict[int, ChainEntry] = {}
    ordered: list[ChainEntry] = []
    for event in events:
        if event.corrects_event_id:
            continue
        code, name = outlets.get(event.outlet_id, (None, None))
        entry = ChainEntry(event, code, name, transfers.get(event.id))
        entries[event.id] = entry
        ordered.append(entry)
    for event in sorted((e for e in events if e.corrects_event_id), key=lambda e: e.id):
        entries[event.corrects_event_id].corrections.append(event)
    return ordered


def pending_transfer(session: Session, battery: Battery) -> BatteryTransfer | None:
    return session.scalar(
        select(BatteryTransfer).where(BatteryTransfer.battery_id == battery.id, BatteryTransfer.state == "pending")
    )


def location(session: Session, battery: Battery) -> dict | None:
    """Where the battery is: an outlet (code, name) or a site; None when unknown or in transit."""
    if battery.location_outlet_id:
        code, name = outlet_names(session, {battery.location_outlet_id})[battery.location_outlet_id]
        return {"outlet_code": code, "outlet_name": name, "site": battery.location_site or None}
    if battery.location_site:
        return {"outlet_code": None, "outlet_name": None, "site": battery.location_site}
    return None


def parts(session: Session, battery: Battery) -> list[Battery]:
    """The modules and cells registered as belonging to this battery."""
    return list(session.scalars(select(Battery).where(Battery.pack_id == battery.id).order_by(Battery.code)))


def pack_of(session: Session, battery: Battery) -> Battery | None:
    return session.get(Battery, battery.pack_id) if battery.pack_id else None


def recoded_from(session: Session, battery: Battery) -> list[Battery]:
    """The original packs or modules a cascade-use product was made from."""
    stmt = (
        select(Battery)
        .join(BatteryLink, BatteryLink.original_id == Battery.id)
        .where(BatteryLink.product_id == battery.id)
    )
    return list(session.scalars(stmt.order_by(Battery.code)))


def recoded_as(session: Session, battery: Battery) -> list[Battery]:
    """The cascade-use products an original battery became part of."""
    stmt = (
        select(Battery)
        .join(BatteryLink, BatteryLink.product_id == Battery.id)
        .where(BatteryLink.original_id == battery.id)
    )
    return list(session.scalars(stmt.order_by(Battery.code)))


def batteries_query(
    *, enterprise_id: int | None, holder_me: bool = False, state: str | None = None, staff: bool = False
) -> Select:
    """Batteries a caller may list: staff all; a member those it holds (holder_me) or has been party to."""
    stmt = select(Battery)
    if not staff or holder_me:
        if enterprise_id is None:
            return stmt.where(False)
        if holder_me:
            stmt = stmt.where(Battery.holder_enterprise_id == enterprise_id)
        else:
            stmt = stmt.join(BatteryParty, BatteryParty.battery_id == Battery.id).where(
                BatteryParty.enterprise_id == enterprise_id
            )
    if state == IN_TRANSIT:
        stmt = stmt.where(Battery.in_transit.is_(True))
    elif state:
        stmt = stmt.where(Battery.state == state, Battery.in_transit.is_(False))
    return stmt.order_by(Battery.id.desc())


def transfers_to(session: Session, enterprise_id: int) -> list[tuple[BatteryTransfer, Battery]]:
    """Transfers waiting for this member's confirmation, oldest first."""
    stmt = (
        select(BatteryTransfer, Battery)
        .join(Battery, Battery.id == BatteryTransfer.battery_id)
        .where(BatteryTransfer.receiver_enterprise_id == enterprise_id, BatteryTransfer.state == "pending")
        .order_by(BatteryTransfer.sent_at)
    )
    return [tuple(row) for row in session.execute(stmt.limit(500))]


def transfers_from(session: Session, enterprise_id: int) -> list[tuple[BatteryTransfer, Battery]]:
    """This member's dispatches still waiting for the receiver, oldest first."""
    stmt = (
        select(BatteryTransfer, Battery)
        .join(Battery, Battery.id == BatteryTransfer.battery_id)
        .where(BatteryTransfer.sender_enterprise_id == enterprise_id, BatteryTransfer.state == "pending")
        .order_by(BatteryTransfer.sent_at)
    )
    return [tuple(row) for row in session.execute(stmt.limit(500))]


def late_reports(session: Session, enterprise_id: int, limit: int = 100) -> list[tuple[BatteryEvent, str]]:
    """This member's reports that came in after the national deadline, latest first, with the code."""
    stmt = (
        select(BatteryEvent, Battery.code)
        .join(Battery, Battery.id == BatteryEvent.battery_id)
        .where(BatteryEvent.reporter_enterprise_id == enterprise_id, BatteryEvent.late_by_working_days > 0)
        .order_by(BatteryEvent.reported_at.desc())
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(stmt)]


def counts(session: Session, enterprise_id: int) -> dict[str, int]:
    """How many batteries the member holds, has in transit to or from it, and its late reports."""
    held = session.scalar(
        select(func.count()).select_from(Battery).where(Battery.holder_enterprise_id == enterprise_id)
    )
    incoming = session.scalar(
        select(func.count())
        .select_from(BatteryTransfer)
        .where(BatteryTransfer.receiver_enterprise_id == enterprise_id, BatteryTransfer.state == "pending")
    )
    outgoing = session.scalar(
        select(func.count())
        .select_from(BatteryTransfer)
        .where(BatteryTransfer.sender_enterprise_id == enterprise_id, BatteryTransfer.state == "pending")
    )
    late = session.scalar(
        select(func.count())
        .select_from(BatteryEvent)
        .where(BatteryEvent.reporter_enterprise_id == enterprise_id, BatteryEvent.late_by_working_days > 0)
    )
    return {"held": held or 0, "incoming": incoming or 0, "outgoing": outgoing or 0, "late": late or 0}


def waiting_working_days(session: Session, transfers: list[BatteryTransfer]) -> dict[int, int]:
    """For each pending transfer, the working days it has waited since it was sent."""
    if not transfers:
        return {}
    from portal.workdays.calendar import WorkCalendar

    today = clock.today()
    first = min(t.sent_at.astimezone(clock.LOCAL_TZ).date() for t in transfers)
    calendar = WorkCalendar.load(session, min(first, today), today)
    return {t.id: calendar.working_days_between(t.sent_at.astimezone(clock.LOCAL_TZ).date(), today) for t in transfers}


def events_for_export(session: Session, enterprise_id: int, since: dt.datetime | None = None) -> Select:
    """Every event this member reported, or that was reported on a battery it holds or held, in order."""
    parties = select(BatteryParty.battery_id).where(BatteryParty.enterprise_id == enterprise_id)
    stmt = (
        select(BatteryEvent, Battery)
        .join(Battery, Battery.id == BatteryEvent.battery_id)
        .where(or_(BatteryEvent.reporter_enterprise_id == enterprise_id, BatteryEvent.battery_id.in_(parties)))
        .order_by(BatteryEvent.id)
    )
    if since is not None:
        stmt = stmt.where(BatteryEvent.reported_at >= since)
    return stmt


# --- for the deposit scheme (portal.ledger reads batteries only through these) --------------------


def _chunks(ids) -> list[list]:
    ordered = sorted(set(ids))
    return [ordered[start : start + 900] for start in range(0, len(ordered), 900)]


def batteries_by_codes(session: Session, wanted) -> dict[str, Battery]:
    """Batteries by their (normalised) codes, one query per 900."""
    found: dict[str, Battery] = {}
    for chunk in _chunks(c for c in wanted if c):
        found.update({b.code: b for b in session.scalars(select(Battery).where(Battery.code.in_(chunk)))})
    return found


def codes_of(session: Session, battery_ids) -> dict[int, str]:
    """Battery id -> code."""
    found: dict[int, str] = {}
    for chunk in _chunks(i for i in battery_ids if i is not None):
        found.update(dict(session.execute(select(Battery.id, Battery.code).where(Battery.id.in_(chunk))).all()))
    return found


def recoded_products(session: Session, battery_ids) -> set[int]:
    """Which of these batteries are cascade-use products re-coded from original ones."""
    found: set[int] = set()
    for chunk in _chunks(battery_ids):
        found.update(session.scalars(select(BatteryLink.product_id).where(BatteryLink.product_id.in_(chunk))))
    return found


def retired_before(session: Session, cutoff: dt.datetime, battery_ids=None) -> dict[int, dt.datetime]:
    """Batteries first retired (taken out of a vehicle or of cascade use) before cutoff, with when."""
    query = (
        select(BatteryEvent.battery_id, func.min(BatteryEvent.occurred_at))
        .where(BatteryEvent.to_state == "retired", BatteryEvent.from_state.in_(("in_vehicle", "in_use")))
        .group_by(BatteryEvent.battery_id)
        .having(func.min(BatteryEvent.occurred_at) < cutoff)
    )
    if battery_ids is not None:
        found: dict[int, dt.datetime] = {}
        for chunk in _chunks(battery_ids):
            found.update(dict(session.execute(query.where(BatteryEvent.battery_id.in_(chunk))).all()))
        return found
    return dict(session.execute(query).all())


def intake_receivers(session: Session, events) -> dict[int, int]:
    """Intake event id -> the member that took the battery in: the confirmed transfer's receiver, else the
    reporter (who recorded taking it over from outside the association)."""
    found = {e.id: e.reporter_enterprise_id for e in events if e.reporter_enterprise_id is not None}
    ids = [e.id for e in events]
    for chunk in _chunks(ids):
        rows = session.execute(
            select(BatteryTransfer.intake_event_id, BatteryTransfer.receiver_enterprise_id).where(
                BatteryTransfer.intake_event_id.in_(chunk)
            )
        )
        found.update(dict(rows.all()))
    return found


def pack_histories(session: Session, *, demo: bool) -> list[tuple[BatteryEvent, Battery]]:
    """Every event of the packs (product type P), demo ones or real ones, in the order they were reported."""
    stmt = (
        select(BatteryEvent, Battery)
        .join(Battery, Battery.id == BatteryEvent.battery_id)
        .where(Battery.product_type == "P", Battery.is_demo.is_(demo))
        .order_by(BatteryEvent.reported_at, BatteryEvent.id)
    )
    return [tuple(row) for row in session.execute(stmt)]


def states_at(session: Session, battery_ids, moment: dt.datetime) -> dict[int, str]:
    """Battery id -> its lifecycle state as the registry knew it at moment: where the latest event reported
    by then left it (a dispatch refused by then is undone; a correction keeps the state). Batteries with no
    event reported by then are left out."""
    refused = select(BatteryTransfer.dispatch_event_id).where(
        BatteryTransfer.state == "refused",
        BatteryTransfer.decided_at <= moment,
        BatteryTransfer.dispatch_event_id.is_not(None),
    )
    found: dict[int, str] = {}
    for chunk in _chunks(battery_ids):
        latest = (
            select(func.max(BatteryEvent.id))
            .where(
                BatteryEvent.battery_id.in_(chunk),
                BatteryEvent.reported_at <= moment,
                BatteryEvent.corrects_event_id.is_(None),
                BatteryEvent.id.not_in(refused),
            )
            .group_by(BatteryEvent.battery_id)
        )
        query = select(BatteryEvent.battery_id, BatteryEvent.to_state).where(BatteryEvent.id.in_(latest))
        rows = session.execute(query)
        found.update(dict(rows.all()))
    return found


def flows_of(session: Session, enterprise_id: int) -> dict[str, int]:
    """Packs (product type P) whose events this enterprise reported, by event code (read by benchmarks)."""
    rows = session.execute(
        select(BatteryEvent.event, func.count(func.distinct(BatteryEvent.battery_id)))
        .join(Battery, Battery.id == BatteryEvent.battery_id)
        .where(BatteryEvent.reporter_enterprise_id == enterprise_id, Battery.product_type == "P")
        .group_by(BatteryEvent.event)
    )
    return {event: count for event, count in rows}
