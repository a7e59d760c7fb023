"""Finding outlets: SQL for plain filtering, the search index for text, distance for 'nearest'."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from portal import search
from portal.core.enums import CITIES, OUTLET_STATES, OUTLET_TYPES
from portal.core.geo import haversine_km
from portal.errors import DomainError
from portal.outlets.models import Outlet

OPEN_STATES = ("pending", "compliant", "rectifying")


@dataclass
class OutletFilters:
    q: str | None = None
    city: str | None = None
    district: str | None = None
    type: str | None = None
    status: str | None = None
    operator: str | None = None
    near: tuple[float, float] | None = None

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


@dataclass
class OutletPage:
    items: list[Outlet]
    total: int
    page: int
    per_page: int
    distances: dict[int, float]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def parse_filters(args) -> OutletFilters:
    """Read filters from query arguments (codes or Chinese labels); DomainError names a bad one."""
    errors: dict[str, str] = {}
    filters = OutletFilters(q=(args.get("q") or "").strip()[:100] or None)
    for name, enum in (("city", CITIES), ("type", OUTLET_TYPES), ("status", OUTLET_STATES)):
        raw = (args.get(name) or "").strip()
        if raw:
            code = enum.parse(raw)
            if code is None:
                errors[name] = _("无法识别的取值：%(v)s", v=raw)
            setattr(filters, name, code)
    filters.district = (args.get("district") or "").strip()[:50] or None
    filters.operator = (args.get("operator") or "").strip()[:200] or None
    near = (args.get("near") or "").strip()
    if near:
        try:
            lat_text, lon_text = near.split(",")
            lat, lon = float(lat_text), float(lon_text)
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError
            filters.near = (lat, lon)
        except ValueError:
            errors["near"] = _("near 应为“纬度,经度”，例如 36.65,117.12。")
    if errors:
        raise DomainError(_("查询参数无效。"), errors)
    return filters


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


def find(session: Session, filters: OutletFilters, page: int, per_page: int) -> OutletPage:
    """One page of outlets: ranked by the index when there is text, by distance with `near`."""
    if filters.near:
        return _by_distance(session, filters, page, per_page)
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
        rows = {o.id: o for o in session.scalars(select(Outlet).where(Outlet.id.in_(ids)))} if ids else {}
        return OutletPage([rows[i] for i in ids if i in rows], hits.total, page, per_page, {})
    stmt = _sql(filters)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = list(
        session.scalars(
            stmt.order_by(Outlet.city, Outlet.name, Outlet.id).limit(per_page).offset((page - 1) * per_page)
        )
    )
    return OutletPage(items, total, page, per_page, {})


def _by_distance(session: Session, filters: OutletFilters, page: int, per_page: int) -> OutletPage:
    lat, lon = filters.near
    stmt = select(Outlet.id, Outlet.lat, Outlet.lon).where(Outlet.lat.is_not(None))
    if filters.q:
        hits = search.search(
            filters.q, kinds=["outlet"], filters=filters.facets(), exclude=filters.exclude(), limit_all=True
        )
        ids = [object_id for _kind, object_id in hits.keys]
        stmt = stmt.where(Outlet.id.in_(ids))
    else:
        stmt = stmt.where(Outlet.id.in_(_sql(filters).with_only_columns(Outlet.id)))
    distances = {row.id: haversine_km(lat, lon, row.lat, row.lon) for row in session.execute(stmt)}
    ordered = sorted(distances, key=lambda i: (distances[i], i))
    window = ordered[(page - 1) * per_page : page * per_page]
    rows = {o.id: o for o in session.scalars(select(Outlet).where(Outlet.id.in_(window)))} if window else {}
    return OutletPage([rows[i] for i in window], len(ordered), page, per_page, {i: distances[i] for i in window})


def all_matching(session: Session, filters: OutletFilters, limit: int = 20000) -> list[Outlet]:
    """Every outlet of the current result set (for export), in list order."""
    if filters.q or filters.near:
        result = find(session, filters, 1, limit)
        return result.items
    return list(session.scalars(_sql(filters).order_by(Outlet.city, Outlet.name, Outlet.id).limit(limit)))


def operators(session: Session) -> list[tuple[str, int]]:
    """Operator names with their number of open outlets, for the filter list."""
    rows = session.execute(
        select(Outlet.operator_name, func.count())
        .where(Outlet.status.in_(OPEN_STATES))
        .group_by(Outlet.operator_name)
        .order_by(func.count().desc(), Outlet.operator_name)
    )
    return [(name, count) for name, count in rows]


def districts(session: Session, city: str | None) -> list[str]:
    stmt = select(Outlet.district).where(Outlet.district != "").distinct().order_by(Outlet.district)
    if city:
        stmt = stmt.where(Outlet.city == city)
    return list(session.scalars(stmt))
