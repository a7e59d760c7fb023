"""Read side of campaigns: scope resolution, progress per city, the outlets of a campaign, a member's findings.

Outlets are read here (the outlets feature's ``outlets`` table, never written): their status changes only
through the outlets' services. Account names are read from the ``users`` table of auth, never written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from portal.auth.models import User
from portal.campaigns.checklist import OUTLET_PROGRESS
from portal.campaigns.models import (
    Campaign,
    CampaignOutlet,
    ChecklistVersion,
    Inspection,
    InspectionPhoto,
    RectificationAnswer,
    RectificationFile,
)
from portal.core.enums import CITIES
from portal.core.sql import get_or_not_found
from portal.errors import DomainError, NotFound
from portal.outlets.models import Outlet

FAILING = ("rectification", "closed")
OPEN_RECTIFICATION = ("open", "answered")


@dataclass(frozen=True)
class CityProgress:
    city: str
    in_scope: int
    verified: int
    failing: int
    rectifying: int

    @property
    def remaining(self) -> int:
        return self.in_scope - self.verified


def latest_checklist(session: Session) -> ChecklistVersion | None:
    """The newest checklist version, or None before the first is written."""
    return session.scalar(select(ChecklistVersion).order_by(ChecklistVersion.version.desc()).limit(1))


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    """The campaign with this id; NotFound when there is none."""
    return get_or_not_found(session, Campaign, campaign_id, _("核查活动不存在。"))


def get_inspection(session: Session, inspection_id: int) -> Inspection:
    """The inspection with this id; NotFound when there is none."""
    return get_or_not_found(session, Inspection, inspection_id, _("核查记录不存在。"))


def scope_entry(session: Session, campaign_id: int, outlet_id: int) -> tuple[Campaign, Outlet]:
    """A campaign and one outlet of its scope; NotFound when either is missing or the outlet is not in scope."""
    from portal.outlets.queries import get_outlet

    campaign = get_campaign(session, campaign_id)
    if not in_scope(session, campaign.id, outlet_id):
        raise NotFound(_("该网点不在本次核查范围内。"))
    return campaign, get_outlet(session, outlet_id)


def parse_progress_filters(args) -> tuple[str | None, str | None]:
    """(city code, progress state) from a campaign page's query arguments; DomainError when unknown."""
    city, state = (args.get("city") or "").strip(), (args.get("state") or "").strip()
    city_code, state_code = CITIES.parse(city) if city else None, OUTLET_PROGRESS.parse(state) if state else None
    if (city and city_code is None) or (state and state_code is None):
        raise DomainError(_("查询参数无效。"))
    return city_code, state_code


def operator_exists(session: Session, operator: str) -> bool:
    """Whether any outlet is run by this operator (its name or credit code)."""
    matches = or_(Outlet.operator_name == operator, Outlet.operator_credit_code == operator.upper())
    return session.scalar(select(Outlet.id).where(matches).limit(1)) is not None


def resolve_scope(session: Session, cities: list[str], operators: list[str]) -> list[tuple[int, str]]:
    """(outlet id, city) of every outlet not closed, in the cities and run by the operators given.

    Both lists narrow the scope: cities and operators together mean those operators' outlets in
    those cities. Closed outlets are left out: they are off the public list and not inspected.
    """
    stmt = select(Outlet.id, Outlet.city).where(Outlet.status != "closed")
    if cities:
        stmt = stmt.where(Outlet.city.in_(cities))
    if operators:
        codes = [o.upper() for o in operators]
        stmt = stmt.where(or_(Outlet.operator_name.in_(operators), Outlet.operator_credit_code.in_(codes)))
    return [(row.id, row.city) for row in session.execute(stmt.order_by(Outlet.id))]


def in_scope(session: Session, campaign_id: int, outlet_id: int) -> bool:
    return session.get(CampaignOutlet, (campaign_id, outlet_id)) is not None


def inspection_for(session: Session, campaign_id: int, outlet_id: int) -> Inspection | None:
    return session.scalar(
        select(Inspection).where(Inspection.campaign_id == campaign_id, Inspection.outlet_id == outlet_id)
    )


def _failing_sum():
    return func.coalesce(func.sum(case((Inspection.result.in_(FAILING), 1), else_=0)), 0)


def campaigns(session: Session) -> list[tuple[Campaign, int, int, int]]:
    """Every campaign, newest first, with (in scope, verified, failing) counts."""
    scope = select(CampaignOutlet.campaign_id, func.count().label("n")).group_by(CampaignOutlet.campaign_id).subquery()
    done = (
        select(Inspection.campaign_id, func.count().label("n"), _failing_sum().label("failing"))
        .group_by(Inspection.campaign_id)
        .subquery()
    )
    rows = session.execute(
        select(Campaign, func.coalesce(scope.c.n, 0), func.coalesce(done.c.n, 0), func.coalesce(done.c.failing, 0))
        .outerjoin(scope, scope.c.campaign_id == Campaign.id)
        .outerjoin(done, done.c.campaign_id == Campaign.id)
        .order_by(Campaign.starts_on.desc(), Campaign.id.desc())
    )
    return [(c, int(n), int(v), int(f)) for c, n, v, f in rows]


def running_on(session: Session, day: dt.date) -> list[tuple[Campaign, int, int, int]]:
    """Campaigns open on day (started, not ended) with (in scope, verified, failing); read by the work-bench."""
    return [row for row in campaigns(session) if row[0].starts_on <= day <= row[0].ends_on]


def awaiting_review_count(session: Session) -> int:
    """Rectification answers waiting for staff; read by the work-bench."""
    stmt = select(func.count()).select_from(Inspection).where(Inspection.rectification_state == "answered")
    return session.scalar(stmt) or 0


def _scope_join(campaign_id: int) -> Select:
    joined = and_(
        Inspection.campaign_id == CampaignOutlet.campaign_id, Inspection.outlet_id == CampaignOutlet.outlet_id
    )
    return select(CampaignOutlet).outerjoin(Inspection, joined).where(CampaignOutlet.campaign_id == campaign_id)


def progress(session: Session, campaign_id: int) -> list[CityProgress]:
    """Per city: outlets in scope, verified, remaining, failing (需整改 or 关闭), rectifications still open."""
    stmt = _scope_join(campaign_id).with_only_columns(
        CampaignOutlet.city,
        func.count(CampaignOutlet.outlet_id),
        func.count(Inspection.id),
        _failing_sum(),
        func.coalesce(func.sum(case((Inspection.rectification_state.in_(OPEN_RECTIFICATION), 1), else_=0)), 0),
    )
    rows = session.execute(stmt.group_by(CampaignOutlet.city).order_by(CampaignOutlet.city))
    return [CityProgress(city, int(n), int(v), int(f), int(r)) for city, n, v, f, r in rows]


def total(rows: list[CityProgress]) -> CityProgress:
    return CityProgress(
        "",
        sum(r.in_scope for r in rows),
        sum(r.verified for r in rows),
        sum(r.failing for r in rows),
        sum(r.rectifying for r in rows),
    )


def campaign_outlets(campaign_id: int, *, city: str | None = None, state: str | None = None) -> Select:
    """(Outlet, Inspection or None) rows of a campaign's scope, by city then code; state filters progress."""
    stmt = (
        _scope_join(campaign_id)
        .with_only_columns(Outlet, Inspection)
        .join(Outlet, Outlet.id == CampaignOutlet.outlet_id)
    )
    if city:
        stmt = stmt.where(CampaignOutlet.city == city)
    if state == "todo":
        stmt = stmt.where(Inspection.id.is_(None))
    elif state:
        stmt = stmt.where(Inspection.result == state)
    return stmt.order_by(CampaignOutlet.city, Outlet.code)


def member_findings(session: Session, enterprise_id: int) -> list[tuple[Inspection, Outlet, Campaign]]:
    """Inspections of the outlets an enterprise operates, newest first."""
    rows = session.execute(
        select(Inspection, Outlet, Campaign)
        .join(Outlet, Outlet.id == Inspection.outlet_id)
        .join(Campaign, Campaign.id == Inspection.campaign_id)
        .where(Outlet.operator_enterprise_id == enterprise_id)
        .order_by(Inspection.inspected_on.desc(), Inspection.id.desc())
    )
    return [tuple(row) for row in rows]


def awaiting_review(session: Session) -> list[tuple[Inspection, Outlet, Campaign]]:
    """Rectification answers waiting for staff, oldest first."""
    rows = session.execute(
        select(Inspection, Outlet, Campaign)
        .join(Outlet, Outlet.id == Inspection.outlet_id)
        .join(Campaign, Campaign.id == Inspection.campaign_id)
        .where(Inspection.rectification_state == "answered")
        .order_by(Inspection.id)
    )
    return [tuple(row) for row in rows]


def photo_owner(session: Session, photo_id: int) -> tuple[InspectionPhoto, int | None] | None:
    """A photo and the enterprise operating its outlet (who may see it besides staff)."""
    row = session.execute(
        select(InspectionPhoto, Outlet.operator_enterprise_id)
        .join(Inspection, Inspection.id == InspectionPhoto.inspection_id)
        .join(Outlet, Outlet.id == Inspection.outlet_id)
        .where(InspectionPhoto.id == photo_id)
    ).first()
    return (row[0], row[1]) if row else None


def evidence_owner(session: Session, file_id: int) -> tuple[RectificationFile, int | None] | None:
    """An evidence file and the enterprise operating its outlet."""
    row = session.execute(
        select(RectificationFile, Outlet.operator_enterprise_id)
        .join(RectificationAnswer, RectificationAnswer.id == RectificationFile.answer_id)
        .join(Inspection, Inspection.id == RectificationAnswer.inspection_id)
        .join(Outlet, Outlet.id == Inspection.outlet_id)
        .where(RectificationFile.id == file_id)
    ).first()
    return (row[0], row[1]) if row else None


def user_names(session: Session, ids) -> dict[int, str]:
    """The names (or e-mail addresses) of the given accounts, to show who inspected, answered, decided."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {u.id: u.name or u.email for u in session.scalars(select(User).where(User.id.in_(wanted)))}
