"""GET /api/v1/outlets and /api/v1/outlets/<code>."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from portal.api import bp
from portal.core import uow
from portal.core.enums import CITIES, OUTLET_STATES, OUTLET_TYPES
from portal.core.paging import parse_paging
from portal.errors import NotFound
from portal.outlets import queries, services


def outlet_item(outlet, distance_km: float | None = None) -> dict:
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
    }
    if distance_km is not None:
        item["distance_km"] = round(distance_km, 3)
    return item


@bp.get("/outlets")
def outlets():
    filters = queries.parse_filters(request.args)
    page, per_page = parse_paging(request.args)
    result = queries.find(uow.session(), filters, page, per_page)
    items = [
        outlet_item(o, result.distances.get(o.id) if filters.near else None) for o in result.items
    ]
    return jsonify(items=items, total=result.total, page=result.page, per_page=result.per_page)


@bp.get("/outlets/<code>")
def outlet(code: str):
    found = services.get_by_code(uow.session(), code)
    if found is None:
        raise NotFound(_("网点不存在。"))
    return jsonify(outlet_item(found))
