"""Recycling service outlets: the public list and search, member and staff management, import."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import func, select

from portal import search
from portal.search.engine import SearchDocument

bp = Blueprint("outlets", __name__)


def outlet_document(outlet) -> SearchDocument:
    from portal.core.enums import CITIES, OUTLET_TYPES

    return SearchDocument(
        kind="outlet",
        id=outlet.id,
        title=outlet.name,
        texts=[
            outlet.operator_name,
            outlet.address,
            f"{CITIES.label(outlet.city, 'zh')} {outlet.district}",
            OUTLET_TYPES.label(outlet.type, "zh"),
            outlet.code,
        ],
        facets={
            "city": outlet.city,
            "district": outlet.district,
            "type": outlet.type,
            "status": outlet.status,
            "operator": outlet.operator_name,
            "operatorcode": outlet.operator_credit_code,
        },
        date=int(outlet.last_verified_on.strftime("%Y%m%d")) if outlet.last_verified_on else None,
    )


def _load(session, ids):
    from portal.outlets.models import Outlet

    found = {o.id: outlet_document(o) for o in session.scalars(select(Outlet).where(Outlet.id.in_(ids)))}
    return {i: found.get(i) for i in ids}


def _all_ids(session):
    from portal.outlets.models import Outlet

    return session.scalars(select(Outlet.id).order_by(Outlet.id))


def _count(session):
    from portal.outlets.models import Outlet

    return session.scalar(select(func.count()).select_from(Outlet)) or 0


def _present(session, ids):
    from portal.core.enums import OUTLET_STATES
    from portal.outlets.models import Outlet

    return {
        o.id: search.Presented(
            title=o.name,
            url=f"/outlets/{o.code}",
            text=f"{o.address}　{o.operator_name}　{o.phone}",
            date=o.last_verified_on,
            label=OUTLET_STATES.label(o.status),
        )
        for o in session.scalars(select(Outlet).where(Outlet.id.in_(ids)))
    }


search.register_source("outlet", load=_load, all_ids=_all_ids, count=_count, present=_present)

from portal.outlets import api, views  # noqa: E402,F401
