"""The registry's API: register batteries, report events, confirm or refuse transfers, read chains.

Writes take a token with ``batteries:write``; reads a token with ``batteries:read`` or a logged-in
person. A battery the caller may not see is answered 404, exactly as one that does not exist.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from portal.api import bp
from portal.api.caller import caller
from portal.api.openapi import IDEMPOTENCY_KEY, PAGING, describe, error_response, write_errors
from portal.core import clock, uow
from portal.core.paging import paginate, parse_paging
from portal.errors import DomainError
from portal.registry import access, codes, events, queries, services, transfers
from portal.registry.lifecycle import CHEMISTRIES, EVENTS, STATES

BATTERY_FIELDS = {"code", "rated_capacity_kwh", "mass_kg", "pack_code", "vin", "chemistry", "source_codes"}
EVENT_FIELDS = {
    "code",
    "event",
    "occurred_at",
    "outlet_code",
    "site",
    "counterparty_credit_code",
    "counterparty_name",
    "evidence_document",
    "vin",
    "recovered_kg",
    "note",
    "corrects_event_id",
}


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


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError(_("请求体应为 JSON 对象（Content-Type: application/json）。"))
    return data


def _items(data: dict, known: set[str]) -> tuple[list[dict], bool]:
    """The items of a body: {"items": [...]} (a batch) or one object; unknown fields are refused."""
    batch = "items" in data
    raw = data["items"] if batch else [data]
    if not isinstance(raw, list) or not all(isinstance(i, dict) for i in raw):
        raise DomainError(_("items 应为对象的数组。"), {"items": _("items 应为对象的数组。")})
    problems: dict[str, str] = {}
    for index, item in enumerate(raw):
        for name in sorted(set(item) - known):
            key = f"items.{index}.{name}" if batch else name
            problems[key] = _("未知字段。可用字段：%(fields)s。", fields=", ".join(sorted(known)))
    if batch and set(data) - {"items"}:
        problems["items"] = _("批量请求只应包含 items。")
    if problems:
        raise DomainError(_("请求含有未知字段，未写入任何内容。"), problems)
    return raw, batch


def _text(value) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _battery_input(item: dict) -> services.BatteryInput:
    sources = item.get("source_codes") or ()
    if isinstance(sources, str):
        sources = [sources]
    return services.BatteryInput(
        code=_text(item.get("code")) or "",
        rated_capacity_kwh=item.get("rated_capacity_kwh"),
        mass_kg=item.get("mass_kg"),
        pack_code=_text(item.get("pack_code")),
        vin=_text(item.get("vin")),
        chemistry=_text(item.get("chemistry")),
        source_codes=tuple(str(s) for s in sources) if isinstance(sources, list | tuple) else (str(sources),),
    )


def _event_input(item: dict, code: str | None = None) -> services.EventInput:
    corrects = item.get("corrects_event_id")
    return services.EventInput(
        code=code or _text(item.get("code")) or "",
        event=_text(item.get("event")) or "",
        occurred_at=item.get("occurred_at"),
        outlet_code=_text(item.get("outlet_code")),
        site=_text(item.get("site")) or "",
        counterparty_credit_code=_text(item.get("counterparty_credit_code")),
        counterparty_name=_text(item.get("counterparty_name")),
        evidence_document=_text(item.get("evidence_document")) or "",
        vin=_text(item.get("vin")),
        recovered_kg=item.get("recovered_kg"),
        note=_text(item.get("note")) or "",
        corrects_event_id=corrects
        if isinstance(corrects, int) and not isinstance(corrects, bool)
        else (-1 if corrects is not None else None),
    )


@bp.post("/batteries")
def register_batteries():
    actor = caller("batteries:write")
    items, batch = _items(_body(), BATTERY_FIELDS)
    db = uow.session()
    rows = services.register_batteries(db, actor, [_battery_input(i) for i in items], batch=batch)
    if batch:
        return jsonify(count=len(rows), items=[battery_item(db, b) for b in rows]), 201
    return jsonify(battery_item(db, rows[0], with_events=True)), 201


@bp.post("/batteries/<code>/events")
def report_event(code: str):
    actor = caller("batteries:write")
    data = _body()
    if "items" in data:
        raise DomainError(_("批量报送请使用 POST /api/v1/events。"), {"items": _("此接口一次报送一个事件。")})
    items, _batch = _items(data, EVENT_FIELDS - {"code"})
    db = uow.session()
    made = events.report_events(db, actor, [_event_input(items[0], code)], batch=False)
    battery = access.visible_battery(db, actor, codes.normalize(code))
    return jsonify(event=_short_event(made[0]), battery=battery_item(db, battery)), 201


@bp.post("/events")
def report_events():
    actor = caller("batteries:write")
    data = _body()
    if "items" not in data:
        raise DomainError(_('请求体应为 {"items": [...]}。'), {"items": _("此项为必填项。")})
    items, _batch = _items(data, EVENT_FIELDS)
    made = events.report_events(uow.session(), actor, [_event_input(i) for i in items], batch=True)
    return jsonify(count=len(made), items=[_short_event(e) for e in made]), 201


def _short_event(event) -> dict:
    return {
        "id": event.id,
        "event": event.event,
        "occurred_at": _iso(event.occurred_at),
        "to_state": event.to_state,
        "late_by_working_days": event.late_by_working_days,
        "corrects_event_id": event.corrects_event_id,
    }


@bp.post("/batteries/<code>/receipt")
def receipt(code: str):
    actor = caller("batteries:write")
    data = _body()
    accept = data.get("accept")
    if not isinstance(accept, bool):
        raise DomainError(_("accept 应为 true（确认接收）或 false（拒收）。"), {"accept": _("应为 true 或 false。")})
    db = uow.session()
    if accept:
        details = _event_input(data, code)
        transfers.confirm_receipt(
            db,
            actor,
            code,
            data.get("occurred_at"),
            event=details.event or None,
            outlet_code=details.outlet_code,
            site=details.site,
            note=details.note,
        )
    else:
        transfers.refuse_transfer(db, actor, code, _text(data.get("reason")) or "")
    return jsonify(battery_item(db, access.visible_battery(db, actor, codes.normalize(code)), with_events=True))


@bp.get("/batteries/<code>")
def battery(code: str):
    actor = caller("batteries:read")
    db = uow.session()
    return jsonify(battery_item(db, access.visible_battery(db, actor, codes.normalize(code)), with_events=True))


@bp.get("/batteries")
def batteries():
    actor = caller("batteries:read")
    holder = request.args.get("holder", "")
    state = request.args.get("state") or None
    if holder not in ("", "me"):
        raise DomainError(_("holder 只能为 me。"), {"holder": _("holder 只能为 me。")})
    if state is not None and state not in STATES:
        raise DomainError(_("未知的状态：%(s)s。", s=state), {"state": _("可用：%(s)s。", s=", ".join(STATES.codes))})
    from portal.core.actors import is_staff_reader

    db = uow.session()
    page, per_page = parse_paging(request.args)
    query = queries.batteries_query(
        enterprise_id=access.enterprise_of(actor), holder_me=holder == "me", state=state, staff=is_staff_reader(actor)
    )
    result = paginate(db, query, page, per_page)
    return jsonify(
        items=[battery_item(db, b) for b in result.items],
        total=result.total,
        page=result.page,
        per_page=result.per_page,
    )


PARTY = {
    "type": ["object", "null"],
    "required": ["name", "credit_code"],
    "properties": {"name": {"type": "string"}, "credit_code": {"type": ["string", "null"]}},
}
BATTERY_INPUT = {
    "type": "object",
    "required": ["code", "rated_capacity_kwh", "mass_kg"],
    "additionalProperties": False,
    "properties": {
        "code": {
            "type": "string",
            "description": "GB/T 34014 code (24 characters; spaces, hyphens, lower case accepted).",
        },
        "rated_capacity_kwh": {"type": ["number", "string"], "description": "Rated energy in kWh, > 0."},
        "mass_kg": {"type": ["number", "string"], "description": "Mass in kg, > 0."},
        "pack_code": {"type": ["string", "null"], "description": "The pack (or, for a cell, module) it belongs to."},
        "vin": {"type": ["string", "null"], "description": "17-character VIN (GB 16735 check digit verified)."},
        "chemistry": {"type": ["string", "null"], "enum": [*CHEMISTRIES.codes, None]},
        "source_codes": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Cascade-use re-coding: the original batteries (held by the caller, at cascade use).",
        },
    },
}
EVENT_INPUT = {
    "type": "object",
    "required": ["event", "occurred_at"],
    "additionalProperties": False,
    "properties": {
        "code": {"type": "string", "description": "The battery (batch endpoint only)."},
        "event": {"type": "string", "enum": EVENTS.codes},
        "occurred_at": {"type": "string", "description": "ISO 8601; without a zone, Asia/Shanghai."},
        "outlet_code": {"type": ["string", "null"], "description": "Where it happened; for a dispatch, where it goes."},
        "site": {"type": ["string", "null"]},
        "counterparty_credit_code": {
            "type": ["string", "null"],
            "description": "Receiver of a dispatch; sender of an intake from outside the association.",
        },
        "counterparty_name": {
            "type": ["string", "null"],
            "description": "Needed when the counter-party is not a member.",
        },
        "evidence_document": {"type": ["string", "null"], "description": "Document standing for a non-member's side."},
        "vin": {"type": ["string", "null"]},
        "recovered_kg": {
            "type": ["object", "null"],
            "properties": {m: {"type": ["number", "string"]} for m in ("li", "ni", "co", "mn")},
        },
        "note": {"type": ["string", "null"]},
        "corrects_event_id": {"type": ["integer", "null"], "description": "Makes this a correction of that event."},
    },
}
EVENT = {
    "type": "object",
    "required": ["id", "event", "occurred_at", "reported_at", "to_state", "late_by_working_days"],
    "properties": {
        "id": {"type": "integer"},
        "event": {"type": "string", "enum": EVENTS.codes},
        "event_label": {"type": "string"},
        "occurred_at": {"type": "string", "format": "date-time"},
        "reported_at": {"type": "string", "format": "date-time"},
        "reporter": {"type": "string"},
        "outlet_code": {"type": ["string", "null"]},
        "site": {"type": ["string", "null"]},
        "counterparty": {"type": ["object", "null"]},
        "from_state": {"type": ["string", "null"]},
        "to_state": {"type": "string"},
        "vin": {"type": ["string", "null"]},
        "recovered_kg": {"type": ["object", "null"]},
        "deadline_working_days": {"type": ["integer", "null"]},
        "working_days_taken": {"type": ["integer", "null"]},
        "late_by_working_days": {"type": "integer"},
        "corrects_event_id": {"type": ["integer", "null"]},
        "note": {"type": ["string", "null"]},
        "transfer": {"type": ["object", "null"]},
    },
}
BATTERY = {
    "type": "object",
    "required": ["code", "state", "holder", "in_transit_to"],
    "properties": {
        "code": {"type": "string"},
        "product_type": {"type": "string", "enum": ["P", "M", "C"]},
        "battery_type": {"type": "string"},
        "chemistry": {"type": "string"},
        "rated_capacity_kwh": {"type": "number"},
        "mass_kg": {"type": "number"},
        "produced_on": {"type": ["string", "null"], "format": "date"},
        "maker": PARTY,
        "pack_code": {"type": ["string", "null"]},
        "vin": {"type": ["string", "null"]},
        "state": {"type": "string", "enum": STATES.codes, "description": "in_transit while a transfer waits."},
        "lifecycle_state": {"type": "string"},
        "holder": PARTY,
        "in_transit_to": {"type": ["object", "null"]},
        "custodian": PARTY,
        "location": {"type": ["object", "null"]},
        "url": {"type": "string"},
        "events": {"type": "array", "items": {"$ref": "#/components/schemas/BatteryEvent"}},
        "recoded_from": {"type": "array", "items": {"type": "string"}},
        "recoded_as": {"type": "array", "items": {"type": "string"}},
        "parts": {"type": "array", "items": {"type": "string"}},
    },
}
SECURITY = [{"bearerToken": []}]


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _batch_of(name: str) -> dict:
    return {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "maxItems": 1000, "items": _ref(name)}},
    }


CODE_PARAM = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
HEADER = IDEMPOTENCY_KEY

describe(
    {
        "/batteries": {
            "post": {
                "summary": (
                    "Register one battery, or a batch of up to 1,000 (all or nothing); "
                    "the token's enterprise is maker and first holder"
                ),
                "operationId": "registerBatteries",
                "security": SECURITY,
                "parameters": [HEADER],
                "requestBody": {
                    "required": True,
                    **_json({"oneOf": [_ref("BatteryInput"), _batch_of("BatteryInput")]}),
                },
                "responses": {
                    "201": {
                        "description": "The record (one), or {count, items} (a batch).",
                        **_json({"type": "object"}),
                    },
                    **write_errors(),
                },
            },
            "get": {
                "summary": "Batteries the caller holds (holder=me) or has been party to; staff see all",
                "operationId": "listBatteries",
                "security": SECURITY,
                "parameters": [
                    {"name": "holder", "in": "query", "schema": {"type": "string", "enum": ["me"]}},
                    {"name": "state", "in": "query", "schema": {"type": "string", "enum": STATES.codes}},
                    *PAGING,
                ],
                "responses": {
                    "200": {"description": "A page of batteries.", **_json({"type": "object"})},
                    "401": error_response("No credentials."),
                    "403": error_response("The token lacks batteries:read."),
                    "422": error_response("A parameter is invalid."),
                },
            },
        },
        "/batteries/{code}": {
            "get": {
                "summary": "A battery and its whole chain (holders past and present, staff and observers only)",
                "operationId": "getBattery",
                "security": SECURITY,
                "parameters": [CODE_PARAM],
                "responses": {
                    "200": {"description": "The battery.", **_json(_ref("Battery"))},
                    "401": error_response("No credentials."),
                    "403": error_response("The token lacks batteries:read."),
                    "404": error_response("No such battery, or the caller may not see it."),
                },
            }
        },
        "/batteries/{code}/events": {
            "post": {
                "summary": "Report one lifecycle event of the battery",
                "operationId": "reportEvent",
                "security": SECURITY,
                "parameters": [CODE_PARAM, HEADER],
                "requestBody": {"required": True, **_json(_ref("EventInput"))},
                "responses": {
                    "201": {"description": "The event and the battery.", **_json({"type": "object"})},
                    **write_errors(),
                },
            }
        },
        "/batteries/{code}/receipt": {
            "post": {
                "summary": (
                    "The receiver confirms (accept=true, with its intake event) "
                    "or refuses (accept=false, reason) a transfer"
                ),
                "operationId": "decideTransfer",
                "security": SECURITY,
                "parameters": [CODE_PARAM, HEADER],
                "requestBody": {
                    "required": True,
                    **_json(
                        {
                            "type": "object",
                            "required": ["accept"],
                            "properties": {
                                "accept": {"type": "boolean"},
                                "event": {
                                    "type": "string",
                                    "enum": ["outlet_intake", "cascade_intake", "recycler_intake"],
                                },
                                "occurred_at": {"type": "string"},
                                "outlet_code": {"type": "string"},
                                "reason": {"type": "string"},
                            },
                        }
                    ),
                },
                "responses": {
                    "200": {"description": "The battery after the decision.", **_json(_ref("Battery"))},
                    **write_errors(),
                },
            }
        },
        "/events": {
            "post": {
                "summary": "Report a batch of up to 1,000 events, applied in order, all or nothing",
                "operationId": "reportEvents",
                "security": SECURITY,
                "parameters": [HEADER],
                "requestBody": {"required": True, **_json(_batch_of("EventInput"))},
                "responses": {"201": {"description": "{count, items}.", **_json({"type": "object"})}, **write_errors()},
            }
        },
    },
    {"Battery": BATTERY, "BatteryEvent": EVENT, "BatteryInput": BATTERY_INPUT, "EventInput": EVENT_INPUT},
)
