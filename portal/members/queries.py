"""Read side of membership: the directory, the review queue, staff lists and counts, look-ups by id.

Accounts are read through portal.auth.queries, never from the users table here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, contains_eager, joinedload, lazyload

from portal.auth import queries as auth_queries
from portal.core import clock, roles
from portal.core.enums import ACTIVITIES, CITIES, TIERS
from portal.core.sql import contains_pattern, get_or_not_found
from portal.core.tokens import hash_token
from portal.errors import DomainError, NotFound
from portal.members.models import (
    Enterprise,
    EnterpriseActivity,
    Invitation,
    Membership,
    MembershipApplication,
    ReviewAssignment,
    TierFee,
    WhitelistRequest,
)
from portal.members.standing import (  # noqa: F401 - the one standing rule, asked through these queries
    in_good_standing,
    is_admitted_member,
    require_admitted_member,
    standing_refusal,
)

if TYPE_CHECKING:
    from portal.auth.models import User


def directory(
    q: str | None = None,
    activity: str | None = None,
    tier: str | None = None,
    city: str | None = None,
    benchmark: bool | None = None,
) -> Select:
    """Approved members (not lapsed memberships' history: every member enterprise), filtered."""
    stmt = (
        select(Enterprise)
        .join(Membership, Membership.enterprise_id == Enterprise.id)
        .where(Enterprise.status == "member")
        .order_by(Membership.number)
        # the membership from the join above (no second query); the directory shows the tier, not the
        # fee payments the membership otherwise brings along
        .options(contains_eager(Enterprise.membership).lazyload(Membership.payments))
    )
    if q:
        pattern = contains_pattern(q.strip())
        stmt = stmt.where(or_(Enterprise.name.like(pattern, escape="\\"), Enterprise.credit_code == q.strip().upper()))
    if activity:
        stmt = stmt.where(
            Enterprise.id.in_(select(EnterpriseActivity.enterprise_id).where(EnterpriseActivity.activity == activity))
        )
    if tier:
        stmt = stmt.where(Membership.tier == tier)
    if city:
        stmt = stmt.where(Enterprise.city == city)
    if benchmark:
        from portal.benchmarks.queries import benchmark_enterprise_select

        stmt = stmt.where(Enterprise.id.in_(benchmark_enterprise_select()))
    return stmt


def parse_directory_filters(args) -> tuple[dict, dict]:
    """Filters from query arguments (code or Chinese label); returns (filters, field errors)."""
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
    filters["benchmark"] = (args.get("benchmark") or "") == "1" or None  # 标杆企业 of any year
    return filters, errors


def public_member(session: Session, enterprise_id: int) -> Enterprise | None:
    """An admitted member enterprise with a membership (what the public may see), or None.

    One query for the enterprise and its membership (what the check needs); the rest (activities,
    payments) is loaded if it is read, instead of always (an outlet's page only links to its operator).
    """
    options = (joinedload(Enterprise.membership).lazyload(Membership.payments), lazyload(Enterprise.activity_rows))
    enterprise = session.get(Enterprise, enterprise_id, options=options)
    if enterprise is None or enterprise.status != "member" or enterprise.membership is None:
        return None
    return enterprise


def application_queue(user: User, state: str | None = None, q: str = "") -> Select:
    """Applications the user may see (all for staff, assigned ones for a reviewer), by name or credit code."""
    stmt = select(MembershipApplication).order_by(MembershipApplication.submitted_at.desc())
    if q.strip():
        like = contains_pattern(q.strip())
        found = select(Enterprise.id).where(
            or_(Enterprise.name.like(like, escape="\\"), Enterprise.credit_code.like(like.upper(), escape="\\"))
        )
        stmt = stmt.where(MembershipApplication.enterprise_id.in_(found))
    if user.role == roles.REVIEWER:
        stmt = stmt.where(
            MembershipApplication.id.in_(
                select(ReviewAssignment.application_id).where(ReviewAssignment.reviewer_id == user.id)
            )
        )
    if state:
        stmt = stmt.where(MembershipApplication.state == state)
    return stmt


def memberships(state: str | None = None) -> Select:
    """Memberships by number, optionally in one state."""
    stmt = select(Membership).join(Enterprise).order_by(Membership.number)
    if state:
        stmt = stmt.where(Membership.state == state)
    return stmt


# --- look-ups by id (NotFound when missing) -------------------------------------------------------


def get_enterprise(session: Session, enterprise_id: int) -> Enterprise:
    return get_or_not_found(session, Enterprise, enterprise_id, _("企业不存在。"))


def find_application(session: Session, application_id: int) -> MembershipApplication | None:
    return session.get(MembershipApplication, application_id)


def get_application(session: Session, application_id: int) -> MembershipApplication:
    application = find_application(session, application_id)
    if application is None:
        raise NotFound(_("申请不存在。"))
    return application


def get_membership(session: Session, membership_id: int) -> Membership:
    return get_or_not_found(session, Membership, membership_id, _("会员不存在。"))


def find_whitelist_request(session: Session, request_id: int) -> WhitelistRequest | None:
    return session.get(WhitelistRequest, request_id)


def get_whitelist_request(session: Session, request_id: int) -> WhitelistRequest:
    row = find_whitelist_request(session, request_id)
    if row is None:
        raise NotFound(_("申请不存在。"))
    return row


def current_application(session: Session, user: User) -> MembershipApplication | None:
    """The latest application of the user's enterprise, if any."""
    if user.enterprise_id is None:
        return None
    return session.scalar(
        select(MembershipApplication)
        .where(MembershipApplication.enterprise_id == user.enterprise_id)
        .order_by(MembershipApplication.id.desc())
    )


def tier_fees(session: Session) -> dict[str, int]:
    """The annual fee of each tier, in fen."""
    return {row.tier: row.annual_fee_fen for row in session.scalars(select(TierFee))}


# --- colleagues and invitations -------------------------------------------------------------------


def colleagues(session: Session, enterprise_id: int) -> list[User]:
    """Every account of the enterprise, oldest first."""
    return auth_queries.users_of_enterprise(session, enterprise_id)


def pending_invitations(session: Session, enterprise_id: int) -> list[Invitation]:
    """Invitations of the enterprise neither accepted, revoked nor expired."""
    return list(
        session.scalars(
            select(Invitation)
            .where(
                Invitation.enterprise_id == enterprise_id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > clock.now(),
            )
            .order_by(Invitation.id)
        )
    )


def find_invitation(session: Session, token: str) -> Invitation:
    """The open invitation of an e-mailed token; DomainError when unknown, used or expired."""
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token or "")))
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        raise DomainError(_("邀请链接无效或已被使用。"))
    if invitation.expires_at < clock.now():
        raise DomainError(_("邀请链接已过期，请联系贵单位管理员重新邀请。"))
    return invitation


# --- the whitelist requests and the work-bench's counts -------------------------------------------


def whitelist_requests(session: Session, limit: int = 200, state: str | None = None) -> list[WhitelistRequest]:
    """The latest whitelist requests (in one state if given), newest first."""
    stmt = select(WhitelistRequest).order_by(WhitelistRequest.id.desc()).limit(limit)
    return list(session.scalars(stmt.where(WhitelistRequest.state == state) if state else stmt))


def enterprise_names(session: Session, enterprise_ids) -> dict[int, str]:
    """The names of the given enterprises (each must exist), in one query."""
    from portal.errors import NotFound

    wanted = set(enterprise_ids)
    if not wanted:
        return {}
    found = dict(session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(wanted))).all())
    if len(found) != len(wanted):
        raise NotFound(_("企业不存在。"))
    return found


def applications_by_state(session: Session) -> dict[str, int]:
    """How many applications are in each state."""
    stmt = select(MembershipApplication.state, func.count()).group_by(MembershipApplication.state)
    return dict(session.execute(stmt).all())


def memberships_by_state(session: Session) -> dict[str, int]:
    """How many memberships are in each state."""
    return dict(session.execute(select(Membership.state, func.count()).group_by(Membership.state)).all())


def pending_whitelist_count(session: Session) -> int:
    """Whitelist requests waiting for staff."""
    return session.scalar(select(func.count()).where(WhitelistRequest.state == "pending"))


def member_count(session: Session) -> int:
    """Admitted member enterprises that hold a membership (the home page's figure)."""
    stmt = select(func.count()).select_from(Enterprise).join(Membership).where(Enterprise.status == "member")
    return session.scalar(stmt) or 0


def enterprise_ids_by_credit_code(session: Session) -> dict[str, int]:
    """Admitted members' credit codes -> enterprise id, read once (e.g. for a whole outlet import)."""
    rows = session.execute(select(Enterprise.credit_code, Enterprise.id).where(Enterprise.status == "member"))
    return {code: enterprise_id for code, enterprise_id in rows}


def member_by_credit_code(session: Session, credit_code: str) -> Enterprise | None:
    """The admitted member with this (normalised) credit code, or None."""
    return session.scalar(
        select(Enterprise).where(Enterprise.credit_code == credit_code, Enterprise.status == "member")
    )


@dataclass(frozen=True)
class EnterpriseBrief:
    """What other features need of an enterprise to name it: no relationships loaded."""

    id: int
    name: str
    credit_code: str
    status: str


def enterprise_briefs(session: Session, enterprise_ids) -> dict[int, EnterpriseBrief]:
    """Id, name, credit code and status of the given enterprises, in one query."""
    ids = {i for i in enterprise_ids if i is not None}
    if not ids:
        return {}
    rows = session.execute(
        select(Enterprise.id, Enterprise.name, Enterprise.credit_code, Enterprise.status).where(Enterprise.id.in_(ids))
    )
    return {row.id: EnterpriseBrief(*row) for row in rows}


def whitelist_activities(session: Session, enterprise_ids) -> dict[int, str]:
    """The whitelist activity (cascade_use, recycling, both) of those of these enterprises staff listed."""
    ids = {i for i in enterprise_ids if i is not None}
    if not ids:
        return {}
    rows = session.execute(
        select(Enterprise.id, Enterprise.whitelist_activity).where(
            Enterprise.id.in_(ids), Enterprise.whitelist_activity.is_not(None)
        )
    )
    return dict(rows.all())


def bank_account(session: Session, enterprise_id: int) -> tuple[str, str, str]:
    """The bank, account name and account number an enterprise keeps on file ('' where missing)."""
    row = session.execute(
        select(Enterprise.bank_name, Enterprise.bank_account_name, Enterprise.bank_account_no).where(
            Enterprise.id == enterprise_id
        )
    ).first()
    return (row[0], row[1], row[2]) if row else ("", "", "")


def member_ids_by_names(session: Session, names) -> dict[str, int]:
    """Admitted member enterprises whose name is exactly one of names: name -> id (read by library, benchmarks)."""
    wanted = {n for n in names if n}
    if not wanted:
        return {}
    rows = session.execute(
        select(Enterprise.name, Enterprise.id).where(Enterprise.name.in_(wanted), Enterprise.status == "member")
    )
    return dict(rows.all())


def whitelist_entry(session: Session, enterprise_id: int) -> tuple[int | None, str | None]:
    """The enterprise's MIIT whitelist batch and activity, (None, None) when not listed (read by benchmarks)."""
    row = session.execute(
        select(Enterprise.whitelist_batch, Enterprise.whitelist_activity).where(Enterprise.id == enterprise_id)
    ).first()
    return (row[0], row[1]) if row else (None, None)
