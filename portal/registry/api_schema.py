"""The OpenAPI description of the registry's endpoints (portal.registry.api), registered with describe()."""

from __future__ import annotations

from portal.api.openapi import (
    IDEMPOTENCY_KEY,
    PAGING,
    SECURITY,
    describe,
    error_response,
    json_body,
    ref,
    write_errors,
)
from portal.registry.lifecycle import CHEMISTRIES, EVENTS, STATES

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


def _batch_of(name: str) -> dict:
    return {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "maxItems": 1000, "items": ref(name)}},
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
                    **json_body({"oneOf": [ref("BatteryInput"), _batch_of("BatteryInput")]}),
                },
                "responses": {
                    "201": {
                        "description": "The record (one), or {count, items} (a batch).",
                        **json_body({"type": "object"}),
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
                    "200": {"description": "A page of batteries.", **json_body({"type": "object"})},
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
                    "200": {"description": "The battery.", **json_body(ref("Battery"))},
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
                "requestBody": {"required": True, **json_body(ref("EventInput"))},
                "responses": {
                    "201": {"description": "The event and the battery.", **json_body({"type": "object"})},
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
                    **json_body(
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
                    "200": {"description": "The battery after the decision.", **json_body(ref("Battery"))},
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
                "requestBody": {"required": True, **json_body(_batch_of("EventInput"))},
                "responses": {
                    "201": {"description": "{count, items}.", **json_body({"type": "object"})},
                    **write_errors(),
                },
            }
        },
    },
    {"Battery": BATTERY, "BatteryEvent": EVENT, "BatteryInput": BATTERY_INPUT, "EventInput": EVENT_INPUT},
)
