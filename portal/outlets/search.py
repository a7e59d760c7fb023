"""The outlets' search source "outlet": what the index holds of an outlet and how a hit is shown."""

from __future__ import annotations

import dataclasses

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import search
from portal.outlets.models import Outlet


def outlet_document(outlet) -> search.SearchDocument:
    """The index entry of an outlet (an Outlet, or a row of its table)."""
    from portal.core.enums import CITIES, OUTLET_TYPES

    return search.SearchDocument(
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
        point=(outlet.lat, outlet.lon) if outlet.lat is not None and outlet.lon is not None else None,
    )


def present_outlet(outlet) -> search.Presented:
    """An outlet (an Outlet or a row of its table) as a search result."""
    from portal.core.enums import OUTLET_STATES

    return search.Presented(
        title=outlet.name,
        url=f"/outlets/{outlet.code}",
        text=f"{outlet.address}　{outlet.operator_name}　{outlet.phone}",
        date=outlet.last_verified_on,
        label=OUTLET_STATES.label(outlet.status),
    )


def present_rows(session, ids: list[int]) -> dict[int, search.Presented]:
    """The hits shown, read as plain rows: showing one needs a few columns, and an Outlet object (with
    its car makers, loaded eagerly) costs more to build than the query."""
    table = Outlet.__table__
    return {row.id: present_outlet(row) for row in session.execute(select(table).where(table.c.id.in_(ids)))}


_SOURCE = search.register_model_source(
    "outlet",
    Outlet,
    document=outlet_document,
    present=present_outlet,
    label=_l("回收网点"),
    facets={"status": "outlet_state", "city": "city"},
    shown_facets=("status",),
    index_rows=True,  # an entry is made of the outlet's own columns
)
# The hits are shown from rows (present_rows), not from the objects register_model_source would load.
search.SOURCES["outlet"] = dataclasses.replace(_SOURCE, present=present_rows)
