"""How the registry API shows a battery, its chain and its events (to someone allowed to see them)."""

from __future__ import annotations

from portal.core import clock
from portal.registry import queries
from portal.registry.lifecycle import CHEMISTRIES, EVENTS, STATES


def _iso(value):
    return clock.local(value).isoformat() if value is not None else None


def _number(value):
    return float(value) if value is not None else None


def _party(name: str, credit_code: str) -> dict | None:
    return {"name": name, "credit_code": credit_code or None} if name else None


def battery_item(session, battery, *, with_events: bool = False) -> dict:
    """The battery as the API shows it to someone allowed to see it."""
    transfer = queries.pending_transfer(session, battery) if battery.in_transit else None
    item = {
        "code": battery.code,
        "product_type": battery.product_type,
        "battery_type": battery.battery_type,
        "chemistry": battery.chemistry,
        "chemistry_label": CHEMISTRIES.label(battery.chemistry),
        "rated_capacity_kwh": _number(battery.rated_capacity_kwh),
        "mass_kg": _number(battery.mass_kg),
        "produced_on": battery.produced_on.isoformat() if battery.produced_on else None,
        "maker": _party(battery.maker_name, battery.maker_credit_code),
        "pack_code": queries.pack_of(session, battery).code if battery.pack_id else None,
        "vin": battery.vin,
        "state": battery.shown_state,
        "state_label": STATES.label(battery.shown_state),
        "lifecycle_state": battery.state,
        "holder": None if battery.in_transit else _party(battery.holder_name, battery.holder_credit_code),
        "in_transit_to": (
            {
                "name": transfer.receiver_name,
                "credit_code": _receiver_code(session, transfer),
                "since": _iso(transfer.sent_at),
            }
            if transfer
            else None
        ),
        "custodian": _party(transfer.sender_name, transfer.sender_credit_code) if transfer else None,
        "location": queries.location(session, battery),
        "url": f"/registry/batteries/{battery.code}",
    }
    if with_events:
        item["recoded_from"] = [b.code for b in queries.recoded_from(session, battery)]
        item["recoded_as"] = [b.code for b in queries.recoded_as(session, battery)]
        item["parts"] = [b.code for b in queries.parts(session, battery)]
        item["events"] = [event_item(entry) for entry in queries.chain(session, battery)]
    return item


def _receiver_code(session, transfer) -> str | None:
    from portal.members.queries import get_enterprise

    return get_enterprise(session, transfer.receiver_enterprise_id).credit_code


def event_item(entry) -> dict:
    """One event of a chain, its transfer and its corrections."""
    e = entry.event
    item = {
        "id": e.id,
        "event": e.event,
        "event_label": EVENTS.label(e.event),
        "occurred_at": _iso(e.occurred_at),
        "reported_at": _iso(e.reported_at),
        "reporter": e.reporter_label,
        "outlet_code": entry.outlet_code,
        "site": e.site or None,
        "counterparty": (
            {
                "name": e.counterparty_name,
                "credit_code": e.counterparty_credit_code or None,
                "member": e.counterparty_enterprise_id is not None,
                "recorded_by_reporter": e.counterparty_by_reporter,
                "evidence_document": e.evidence_document or None,
            }
            if e.counterparty_name
            else None
        ),
        "from_state": e.from_state or None,
        "to_state": e.to_state,
        "vin": e.vin,
        "recovered_kg": {k: _number(v) for k, v in entry.recovered.items()} if entry.recovered else None,
        "deadline_working_days": e.deadline_working_days,
        "working_days_taken": e.working_days_taken,
        "late_by_working_days": e.late_by_working_days,
        "corrects_event_id": e.corrects_event_id,
        "note": e.note or None,
    }
    t = entry.transfer
    item["transfer"] = (
        {
            "state": t.state,
            "receiver": t.receiver_name,
            "decided_at": _iso(t.decided_at),
            "refusal_reason": t.refusal_reason or None,
        }
        if t
        else None
    )
    if entry.corrections:
        item["corrections"] = [
            {"id": c.id, "occurred_at": _iso(c.occurred_at), "reported_at": _iso(c.reported_at), "note": c.note}
            for c in entry.corrections
        ]
    return item


def short_event(event) -> dict:
    """An event as a write answers it: enough to find it again."""
    return {
        "id": event.id,
        "event": event.event,
        "occurred_at": _iso(event.occurred_at),
        "to_state": event.to_state,
        "late_by_working_days": event.late_by_working_days,
        "corrects_event_id": event.corrects_event_id,
    }
