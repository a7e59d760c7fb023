"""GET /api/v1/outlets and /api/v1/outlets/<code>."""

from __future__ import annotations

from functools import lru_cache

from flask import jsonify, request
from flask_babel import gettext as _

from portal.api import bp
from portal.api.openapi import PAGING, describe, enum_param, error_response, page_of
from portal.core import uow
from portal.core.enums import CITIES, OUTLET_STATES, OUTLET_TYPES
from portal.core.paging import parse_paging
from portal.errors import NotFound
from portal.outlets import districts, queries


def outlet_item(outlet, distance_km: float | None = None, maker_ids: list[int] | None = None) -> dict:
    """An outlet (an Outlet, or a row of queries.shown_rows with its makers' ids) as the API shows it."""
    item = {
        "code": outlet.code,
        "name": outlet.name,
        "operator": outlet.operator_name,
        "operator_credit_code": outlet.operator_credit_code or None,
        "operator_member_id": outlet.operator_enterprise_id,
        "type": outlet.type,
        "type_label": OUTLET_TYPES.label(outlet.type, "zh"),
        "city": outlet.city,
        "city_label": CITIES.label(outlet.city, "zh"),
        "district": outlet.district or None,
        "district_code": _district_code(outlet.city, outlet.district),
        "address": outlet.address,
        "phone": outlet.phone or None,
        "contact": outlet.contact_name or None,
        "opening_hours": outlet.opening_hours or None,
        "storage_area_m2": outlet.storage_area_m2,
        "capacity_t": outlet.capacity_t,
        "status": outlet.status,
        "status_label": OUTLET_STATES.label(outlet.status, "zh"),
        "last_verified_on": outlet.last_verified_on.isoformat() if outlet.last_verified_on else None,
        "lat": outlet.lat,
        "lon": outlet.lon,
        "url": f"/outlets/{outlet.code}",
        "car_maker_ids": sorted(maker_ids if maker_ids is not None else (m.enterprise_id for m in outlet.makers)),
    }
    if distance_km is not None:
        item["distance_km"] = round(distance_km, 3)
    return item


@lru_cache(maxsize=4096)
def _district_code(city: str | None, name: str | None) -> str | None:
    """The division code of a stored district name (the districts are fixed data: kept once looked up)."""
    district = districts.find(city, name)
    return district.code if district else None


@bp.get("/outlets")
def outlets():
    filters = queries.parse_filters(request.args, strict=True)
    page, per_page = parse_paging(request.args)
    result = queries.find(uow.session(), filters, page, per_page, load=queries.shown_rows)
    items = [
        outlet_item(row, result.distances.get(row.id) if filters.near else None, makers) for row, makers in result.items
    ]
    return jsonify(items=items, total=result.total, page=result.page, per_page=result.per_page)


@bp.get("/outlets/<code>")
def outlet(code: str):
    found = queries.get_by_code(uow.session(), code)
    if found is None:
        raise NotFound(_("网点不存在。"))
    return jsonify(outlet_item(found))


OUTLET_SCHEMA = {
    "type": "object",
    "required": [
        "code",
        "name",
        "operator",
        "type",
        "city",
        "district",
        "address",
        "phone",
        "status",
        "last_verified_on",
        "lat",
        "lon",
    ],
    "properties": {
        "code": {"type": "string"},
        "name": {"type": "string"},
        "operator": {"type": "string"},
        "operator_credit_code": {"type": ["string", "null"]},
        "operator_member_id": {
            "type": ["integer", "null"],
            "description": "Member profile id when the operator is a member.",
        },
        "type": {"type": "string", "enum": OUTLET_TYPES.codes},
        "type_label": {"type": "string"},
        "city": {"type": "string", "enum": CITIES.codes},
        "city_label": {"type": "string"},
        "district": {"type": ["string", "null"]},
        "district_code": {
            "type": ["string", "null"],
            "description": "The district's division code (GB/T 2260; a functional zone's statistics code).",
        },
        "address": {"type": "string"},
        "phone": {"type": ["string", "null"]},
        "contact": {"type": ["string", "null"]},
        "opening_hours": {"type": ["string", "null"]},
        "storage_area_m2": {"type": ["number", "null"]},
        "capacity_t": {"type": ["number", "null"]},
        "status": {"type": "string", "enum": OUTLET_STATES.codes},
        "status_label": {"type": "string"},
        "last_verified_on": {"type": ["string", "null"], "format": "date"},
        "lat": {"type": ["number", "null"], "description": "WGS-84"},
        "lon": {"type": ["number", "null"], "description": "WGS-84"},
        "url": {"type": "string"},
        "car_maker_ids": {
            "type": "array",
            "items": {"type": "integer"},
            "description": "Member ids of the car makers whose recycling network the outlet serves.",
        },
        "distance_km": {"type": "number", "description": "Only with the near parameter."},
    },
}

NEAR_PATTERN = queries.NEAR_PATTERN  # the document says what parse_filters accepts

describe(
    {
        "/outlets": {
            "get": {
                "summary": "Recycling service outlets (public list; closed outlets only when status asks for them)",
                "operationId": "listOutlets",
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "schema": {"type": "string", "maxLength": 100},
                        "description": "Any fragment of the name, operator or address; words separated by spaces "
                        "must all occur; exact names rank first.",
                    },
                    enum_param("city", CITIES, "City (GB/T 2260 division code)."),
                    {
                        "name": "district",
                        "in": "query",
                        "schema": {"type": "string", "enum": list(districts.spellings())},
                        "description": "District: its division code (e.g. 370103, which also sets the city), its "
                        "name, or its name without 区/县/市. A district of another city than `city`, or a name that "
                        "needs its city (one several cities share, such as 市中区, or an alias such as 开发区) given "
                        "without it, matches no outlet.",
                    },
                    enum_param("type", OUTLET_TYPES, "Outlet type."),
                    enum_param("status", OUTLET_STATES, "Public status; without it closed outlets are left out."),
                    {
                        "name": "operator",
                        "in": "query",
                        "schema": {"type": "string"},
                        "description": "Operator name (exact) or its unified social credit code.",
                    },
                    {
                        "name": "near",
                        "in": "query",
                        "schema": {"type": "string", "pattern": NEAR_PATTERN},
                        "description": "lat,lon (WGS-84): sort by distance and add distance_km.",
                    },
                    *PAGING,
                ],
                "responses": {
                    "200": {
                        "description": "A page of outlets.",
                        "content": {"application/json": {"schema": page_of("#/components/schemas/Outlet")}},
                    },
                    "422": error_response("A parameter is invalid."),
                },
            }
        },
        "/outlets/{code}": {
            "get": {
                "summary": "One outlet by its code (closed outlets too)",
                "operationId": "getOutlet",
                "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {
                        "description": "The outlet.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Outlet"}}},
                    },
                    "404": error_response("No outlet has this code."),
                },
            }
        },
    },
    {"Outlet": OUTLET_SCHEMA},
)
