"""Read-side select() builders for the directory, the review queue and staff lists."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from portal.auth.models import User
from portal.core.enums import ACTIVITIES, CITIES, TIERS
from portal.members.models import Enterprise, EnterpriseActivity, Membership, MembershipApplication, ReviewAssignment


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def directory(
    q: str | None = None, activity: str | None = None, tier: str | None = None, city: str | None = None
) -> Select:
    """Approved members (not lapsed memberships' history: every member enterprise), filtered."""
    stmt = (
        select(Enterprise)
        .join(Membership, Membership.enterprise_id == Enterprise.id)
        .where(Enterprise.status == "member")
        .order_by(Membership.number)
    )
    if q:
        pattern = f"%{escape_like(q.strip())}%"
        stmt = stmt.where(or_(Enterprise.name.like(pattern, escape="\\"), Enterprise.credit_code == q.strip().upper()))
    if activity:
        stmt = stmt.where(
            Enterprise.id.in_(select(EnterpriseActivity.enterprise_id).where(EnterpriseActivity.activity == activity))
        )
    if tier:
        stmt = stmt.where(Membership.tier == tier)
    if city:
        stmt = stmt.where(Enterprise.city == city)
    return stmt


def parse_directory_filters(args) -> tuple[dict, dict]:
    """Filters from query arguments (code or Chinese label); returns (filters, field errors)."""
    from flask_babel import gettext as _

    filters: dict = {"q": (args.get("q") or "").strip()[:100] or None}
    errors: dict = {}
    for name, enum in (("activity", ACTIVITIES), ("tier", TIERS), ("city", CITIES)):
        raw = (args.get(name) or "").strip()
        if not raw:
            filters[name] = None
            continue
        code = enum.parse(raw)
        if code is None:
            errors[name] = _("无法识别的取值：%(value)s", value=raw)
        filters[name] = code
    return filters, errors


def public_member(session: Session, enterprise_id: int) -> Enterprise | None:
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None or enterprise.status != "member" or enterprise.membership is None:
        return None
    return enterprise


def application_queue(user: User, state: str | None = None) -> Select:
    """Applications the user may see: all for staff/observers, assigned ones for a reviewer."""
    stmt = select(MembershipApplication).order_by(MembershipApplication.submitted_at.desc())
    if user.role == "reviewer":
        stmt = stmt.where(
            MembershipApplication.id.in_(
                select(ReviewAssignment.application_id).where(ReviewAssignment.reviewer_id == user.id)
            )
        )
    if state:
        stmt = stmt.where(MembershipApplication.state == state)
    return stmt


def memberships(state: str | None = None) -> Select:
    stmt = select(Membership).join(Enterprise).order_by(Membership.number)
    if state:
        stmt = stmt.where(Membership.state == state)
    return stmt


def reviewers(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.role == "reviewer", User.is_active).order_by(User.email)))
