"""Finding outlets: SQL for plain filtering, the search index for text, distance for 'nearest'.

Also look-ups by code, the status history and the car makers an outlet serves. Those read the members'
tables ``enterprises`` and ``enterprise_activities`` (names, vehicle makers); nothing here writes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import Select, String, bindparam, cast, func, select
from sqlalchemy.orm import Session

from portal import search
from portal.core.enums import CITIES, OUTLET_STATES, OUTLET_TYPES
from portal.core.geo import haversine_km
from portal.core.language import is_english
from portal.core.paging import Page, paginate
from portal.core.sql import contains_pattern, get_or_not_found
from portal.errors import DomainError
from portal.outlets import districts
from portal.outlets.models import Outlet, OutletMaker, OutletStatusChange

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")

OPEN_STATES = ("pending", "compliant", "rectifying")

# "lat,lon" in decimal degrees, lat in [-90, 90], lon in [-180, 180], spaces around the comma allowed:
# the API document states this pattern, and parse_filters accepts exactly what it matches.
_LAT = r"[+-]?(?:90(?:\.0*)?|[1-8]?[0-9](?:\.[0-9]*)?|\.[0-9]+)"
_LON = r"[+-]?(?:180(?:\.0*)?|(?:1[0-7][0-9]|[1-9]?[0-9])(?:\.[0-9]*)?|\.[0-9]+)"
NEAR_PATTERN = rf"^ *{_LAT} *, *{_LON} *$"
_NEAR = re.compile(NEAR_PATTERN, re.ASCII)


@dataclass
class OutletFilters:
    q: str | None = None
    city: str | None = None
    district: str | None = None
    type: str | None = None
    status: str | None = None
    operator: str | None = None
    near: tuple[float, float] | None = None
    district_code: str | None = None
    notices: list[str] = field(default_factory=list)
    nothing: bool = False  # a district that cannot be in the chosen city: no outlet can match

    def args(self) -> dict[str, str]:
        """The filters as query arguments (for links back to this search), empty ones left out."""
        values = {
            "q": self.q,
            "city": self.city,
            "district": self.district_code,
            "type": self.type,
            "status": self.status,
            "operator": self.operator,
            "near": f"{self.near[0]:.5f},{self.near[1]:.5f}" if self.near else None,
        }
        return {k: v for k, v in values.items() if v}

    @property
    def narrowed(self) -> int:
        """How many of the filters behind the filter control (not the keyword) are set."""
        return sum(1 for v in (self.city, self.district, self.type, self.status, self.operator) if v)

    def exclude(self) -> dict:
        """Closed outlets are left out unless a status is asked for."""
        return {} if self.status else {"status": "closed"}

    @property
    def states(self) -> list[str]:
        """Closed outlets leave the default list; they are listed only when asked for."""
        return [self.status] if self.status else list(OPEN_STATES)

    def facets(self) -> dict:
        facets = {"city": self.city, "district": self.district, "type": self.type, "status": self.status}
        if self.operator:
            code_like = len(self.operator) == 18 and self.operator.isalnum()
            facets["operatorcode" if code_like else "operator"] = self.operator.upper() if code_like else self.operator
        return facets


def parse_filters(args, *, strict: bool = False) -> OutletFilters:
    """Read filters from query arguments (codes or Chinese labels); DomainError names a bad one.

    A district that does not fit the city is left out with a notice for a person (the list page); for
    the API (strict) a known district that does not fit matches no outlet, as filters that contradict
    each other do, and a value that names no district is refused with the other bad filters."""
    errors: dict[str, str] = {}
    filters = OutletFilters(q=(args.get("q") or "").strip()[:100] or None)
    for name, enum in (("city", CITIES), ("type", OUTLET_TYPES), ("status", OUTLET_STATES)):
        raw = (args.get(name) or "").strip()
        if raw:
            code = enum.parse(raw)
            if code is None:
                errors[name] = _("无法识别的取值：%(v)s", v=raw)
            setattr(filters, name, code)
    if "city" not in errors:
        _district(filters, (args.get("district") or "")[:50], errors if strict else None)
    filters.operator = (args.get("operator") or "").strip()[:200] or None
    near = args.get("near") or ""
    if near.strip():
        try:
            if not _NEAR.match(near):
                raise ValueError
            lat_text, lon_text = near.split(",")
            filters.near = (float(lat_text), float(lon_text))
        except ValueError:
            errors["near"] = _("near 应为“纬度,经度”，例如 36.65,117.12。")
    if errors:
        raise DomainError(_("查询参数无效。"), errors)
    return filters


def _district(filters: OutletFilters, raw: str, errors: dict[str, str] | None) -> None:
    """Set the district (and its city, when none is chosen) from a code or a name; a misfit goes to
    errors when given (strict), else it is left out with a notice."""
    try:
        district = districts.resolve(raw, filters.city)
    except districts.DistrictError as exc:
        if errors is not None and "".join(raw.split()) in districts.spellings():
            filters.nothing = True
        elif errors is not None:
            errors["district"] = str(exc)
        else:
            filters.notices.append(_("%(reason)s已按不限区县查询。", reason=str(exc)))
        return
    if district is not None:
        filters.city = district.city
        filters.district, filters.district_code = district.name, district.code


def _sql(filters: OutletFilters) -> Select:
    stmt = select(Outlet).where(Outlet.status.in_(filters.states))
    if filters.city:
        stmt = stmt.where(Outlet.city == filters.city)
    if filters.district:
        stmt = stmt.where(Outlet.district == filters.district)
    if filters.type:
        stmt = stmt.where(Outlet.type == filters.type)
    if filters.operator:
        stmt = stmt.where(
            (Outlet.operator_name == filters.operator) | (Outlet.operator_credit_code == filters.operator)
        )
    return stmt


def find(session: Session, filters: OutletFilters, page: int, per_page: int, *, load=None) -> Page:
    """One page of outlets: ranked by the index when there is text, by distance with `near`.

    ``load(session, ids) -> {id: item}`` gives the items of the page (default: the Outlet objects; the
    API passes ``shown_rows``)."""
    load = load or _outlets
    if filters.nothing:
        return Page([], 0, page, per_page)
    if filters.near:
        return _by_distance(session, filters, page, per_page, load)
    if filters.q:
        hits = search.search(
            filters.q,
            kinds=["outlet"],
            filters=filters.facets(),
            exclude=filters.exclude(),
            page=page,
            per_page=per_page,
        )
        ids = [object_id for _kind, object_id in hits.keys]
        rows = load(session, ids) if ids else {}
        return Page([rows[i] for i in ids if i in rows], hits.total, page, per_page)
    stmt = _sql(filters)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    stmt = stmt.order_by(Outlet.city, Outlet.name, Outlet.id).limit(per_page).offset((page - 1) * per_page)
    if load is _outlets:  # the objects in one query
        return Page(list(session.scalars(stmt)), total, page, per_page)
    ids = list(session.scalars(stmt.with_only_columns(Outlet.id)))
    rows = load(session, ids) if ids else {}
    return Page([rows[i] for i in ids], total, page, per_page)


def _outlets(session: Session, ids: list[int]) -> dict[int, Outlet]:
    return {o.id: o for o in session.scalars(select(Outlet).where(Outlet.id.in_(ids)))}


def _shown_rows_query():
    table, served = Outlet.__table__, OutletMaker.__table__
    makers = (
        select(func.aggregate_strings(cast(served.c.enterprise_id, String), ","))
        .where(served.c.outlet_id == table.c.id)
        .scalar_subquery()
    )
    shown = [c for c in table.c if c.name not in {"last_verified_by", "is_demo", "created_at", "updated_at"}]
    return select(*shown, makers.label("maker_ids")).where(table.c.id.in_(bindparam("ids", expanding=True)))


SHOWN_ROWS = _shown_rows_query()


def shown_rows(session: Session, ids: list[int]) -> dict:
    """{id: (row, the ids of the car makers it serves, ascending)}: the columns the API shows, as plain rows,
    in one query (the makers' ids aggregated as text). For the API, which shows the columns and needs no
    object: building ORM objects costs more than the query."""
    rows = session.execute(SHOWN_ROWS, {"ids": ids})
    return {row.id: (row, sorted(map(int, row.maker_ids.split(","))) if row.maker_ids else []) for row in rows}


def _by_distance(session: Session, filters: OutletFilters, page: int, per_page: int, load) -> Page:
    """Outlets with coordinates, nearest first (ties by id). With text, the index orders its hits by the
    places it holds; without, the filters run in SQL and the coordinates are read from the table."""
    lat, lon = filters.near
    if filters.q:
        hits = search.search(
            filters.q,
            kinds=["outlet"],
            filters=filters.facets(),
            exclude=filters.exclude(),
            near=filters.near,
            page=page,
            per_page=per_page,
        )
        window = [object_id for _kind, object_id in hits.keys]
        rows = load(session, window) if window else {}
        distances = {object_id: km for (_kind, object_id), km in hits.distances.items()}
        return Page([rows[i] for i in window if i in rows], hits.total, page, per_page, distances)
    table = Outlet.__table__.c  # the table's columns: an ORM statement costs more to run, for plain tuples
    stmt = select(table.id, table.lat, table.lon).where(table.lat.is_not(None), table.lon.is_not(None))
    coordinates = session.execute(stmt.where(table.id.in_(_sql(filters).with_only_columns(Outlet.id))))
    # tuples unpacked: a Row's attributes are several times slower to read than its items
    distances = {outlet_id: haversine_km(lat, lon, row_lat, row_lon) for outlet_id, row_lat, row_lon in coordinates}
    ordered = sorted(distances, key=lambda i: (distances[i], i))
    window = ordered[(page - 1) * per_page : page * per_page]
    rows = load(session, window) if window else {}
    return Page([rows[i] for i in window], len(ordered), page, per_page, {i: distances[i] for i in window})


def all_matching(session: Session, filters: OutletFilters, limit: int = 20000) -> list[Outlet]:
    """Every outlet of the current result set (for export), in list order."""
    if filters.q or filters.near:
        result = find(session, filters, 1, limit)
        return result.items
    return list(session.scalars(_sql(filters).order_by(Outlet.city, Outlet.name, Outlet.id).limit(limit)))


def all_matching_with_distances(session: Session, filters: OutletFilters, limit: int = 20000):
    """(outlets, distances in km by outlet id or None) of the current result set, for an export."""
    if filters.near:
        result = find(session, filters, 1, limit)
        return result.items, result.distances
    return all_matching(session, filters, limit), None


def full_address(outlet: Outlet, lang: str | None = None) -> str:
    """The address once: city and district put in front only when the address does not start with them.

    An address written in Latin letters, shown in English, gets them after it in English instead
    ("188 Changjiang Road, Laishan District, Yantai"); a Chinese address is data and stays Chinese.
    """
    address = (outlet.address or "").strip()
    if is_english(lang) and not CJK.search(address):
        district = districts.find(outlet.city, outlet.district)
        place = [district.label("en") if district else (outlet.district or ""), CITIES.label(outlet.city, "en")]
        return ", ".join(part for part in (address, *place) if part)
    city = CITIES.label(outlet.city, "zh")
    short = city.removesuffix("市")
    if address.startswith((city, short)) or not city:
        return address
    if outlet.district and address.startswith(outlet.district):
        return city + address
    return f"{city}{outlet.district or ''}{address}"


def operator_member(session: Session, outlet: Outlet):
    """The operating enterprise when it is a member the public may see (its profile exists), else None."""
    if outlet.operator_enterprise_id is None:
        return None
    from portal.members.queries import public_member

    return public_member(session, outlet.operator_enterprise_id)


def public_of_operator(session: Session, enterprise_id: int, *columns) -> list:
    """The outlets an enterprise operates that the public list shows (not closed ones), by city and name:
    the Outlet objects, or plain rows of the columns given (a list that shows only those)."""
    stmt = (
        (select(*columns) if columns else select(Outlet))
        .where(Outlet.operator_enterprise_id == enterprise_id, Outlet.status.in_(OPEN_STATES))
        .order_by(Outlet.city, Outlet.name, Outlet.id)
    )
    return list(session.execute(stmt)) if columns else list(session.scalars(stmt))


def operators(session: Session) -> list[tuple[str, int]]:
    """Operator names with their number of open outlets, for the filter list."""
    rows = session.execute(
        select(Outlet.operator_name, func.count())
        .where(Outlet.status.in_(OPEN_STATES))
        .group_by(Outlet.operator_name)
        .order_by(func.count().desc(), Outlet.operator_name)
    )
    return [(name, count) for name, count in rows]


def with_district(session: Session) -> list[Outlet]:
    """Every outlet that names a district."""
    return list(session.scalars(select(Outlet).where(Outlet.district != "").order_by(Outlet.id)))


def get_outlet(session: Session, outlet_id: int) -> Outlet:
    """The outlet with this id; NotFound when there is none."""
    return get_or_not_found(session, Outlet, outlet_id, _("网点不存在。"))


def get_by_code(session: Session, code: str) -> Outlet | None:
    """The outlet with this code (any case, surrounding spaces ignored), or None."""
    return session.scalar(select(Outlet).where(Outlet.code == (code or "").strip().upper()))


def by_code(session: Session) -> dict[str, Outlet]:
    """Every outlet by its code, loaded once (for an import that upserts by code)."""
    return {o.code: o for o in session.scalars(select(Outlet))}


def operated_by(session: Session, enterprise_id: int | None) -> list[Outlet]:
    """The outlets an enterprise operates, by code."""
    stmt = select(Outlet).where(Outlet.operator_enterprise_id == enterprise_id).order_by(Outlet.code)
    return list(session.scalars(stmt))


MINE_Q_MAX = 100


def operated_by_page(
    session: Session, enterprise_id: int | None, q: str, status: str, page: int, per_page: int
) -> Page:
    """One page of an enterprise's own outlets, searched in name/code/address and filtered by status."""
    q = q.strip()
    if len(q) > MINE_Q_MAX:
        raise DomainError(_("搜索词不能超过 %(n)d 个字。", n=MINE_Q_MAX), {"q": _("太长。")})
    if status and status not in OUTLET_STATES.codes:
        raise DomainError(_("没有这个网点状态。"), {"status": _("没有这个网点状态。")})
    stmt = select(Outlet).where(Outlet.operator_enterprise_id == enterprise_id)
    if q:
        like = contains_pattern(q)
        stmt = stmt.where(
            Outlet.name.like(like, escape="\\")
            | Outlet.code.like(like.upper(), escape="\\")
            | Outlet.address.like(like, escape="\\")
        )
    if status:
        stmt = stmt.where(Outlet.status == status)
    return paginate(session, stmt.order_by(Outlet.code), page, per_page)


def history(session: Session, outlet_id: int) -> list[OutletStatusChange]:
    """Every status change of an outlet, oldest first."""
    stmt = select(OutletStatusChange).where(OutletStatusChange.outlet_id == outlet_id).order_by(OutletStatusChange.id)
    return list(session.scalars(stmt))


def vehicle_makers(session: Session) -> list[tuple[int, str]]:
    """Member enterprises that make vehicles: (id, name), for choosing whom an outlet serves."""
    from portal.members.models import Enterprise, EnterpriseActivity

    rows = session.execute(
        select(Enterprise.id, Enterprise.name)
        .join(EnterpriseActivity, EnterpriseActivity.enterprise_id == Enterprise.id)
        .where(Enterprise.status == "member", EnterpriseActivity.activity == "vehicle_maker")
        .order_by(Enterprise.name)
    )
    return [(enterprise_id, name) for enterprise_id, name in rows]


def maker_names(session: Session, outlet: Outlet) -> list[tuple[int, str]]:
    """(id, name) of the car makers the outlet serves."""
    from portal.members.models import Enterprise

    ids = [m.enterprise_id for m in outlet.makers]
    if not ids:
        return []
    return [(i, n) for i, n in session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids)))]


def outlets_in_network(session: Session, enterprise_id: int) -> set[int]:
    """Ids of the outlets in a car maker's recycling network (where it is one of the outlet's makers)."""
    from portal.outlets.models import OutletMaker

    return set(session.scalars(select(OutletMaker.outlet_id).where(OutletMaker.enterprise_id == enterprise_id)))


def by_codes(session: Session, codes) -> dict[str, Outlet]:
    """The outlets with these (normalised) codes, by code."""
    wanted = {c for c in codes if c}
    if not wanted:
        return {}
    return {o.code: o for o in session.scalars(select(Outlet).where(Outlet.code.in_(wanted)))}


def get_by_id(session: Session, outlet_id: int) -> Outlet | None:
    """The outlet with this id, or None."""
    return session.get(Outlet, outlet_id)


def status_count(session: Session, status: str) -> int:
    """How many outlets have this status (pending: awaiting verification); read by the work-bench."""
    return session.scalar(select(func.count()).select_from(Outlet).where(Outlet.status == status)) or 0


def statuses(session: Session, outlet_ids) -> dict[int, str]:
    """Outlet id -> its status (合规 is ``compliant``), in one query."""
    ids = {i for i in outlet_ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(Outlet.id, Outlet.status).where(Outlet.id.in_(ids))).all())
