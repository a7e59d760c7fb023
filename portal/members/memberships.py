"""Memberships: numbers (SDBRA-YYYY-NNNN), tier fees, payments, suspension, the yearly cycle, the certificate.

Every function takes a session and plain values, checks the rules, flushes and raises DomainError;
none commits and none touches the request. The daily cycle is registered here as the job
``members.cycle``.
"""

from __future__ import annotations

import datetime as dt
import secrets

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import jobs
from portal.auth import queries as auth_queries
from portal.core import audit, clock
from portal.core.actors import require_staff
from portal.core.enums import MEMBERSHIP_STATES, TIERS
from portal.core.sql import insert_ignore
from portal.documents import register
from portal.documents.qr import qr_data_uri
from portal.errors import Conflict, DomainError
from portal.members import terms
from portal.members.checks import FieldErrors, require_own
from portal.members.models import (
    FeePayment,
    Membership,
    MembershipCertificate,
    MembershipCounter,
    MembershipReminder,
    TierFee,
)
from portal.members.queries import get_enterprise, get_membership
from portal.notify.services import notify, queue_mail

NUMBER_PREFIX = "SDBRA"


def next_membership_number(session: Session, year: int) -> str:
    """The next number of the year, e.g. SDBRA-2026-0001; sequential, unique, never reused.

    The counter row is locked (FOR UPDATE on PostgreSQL; SQLite's writer holds the whole database
    from BEGIN IMMEDIATE), so concurrent approvals never share a number: on PostgreSQL (writers at
    REPEATABLE READ) the later of two colliding approvals fails with 40001 and is run again.
    """
    insert_ignore(session, MembershipCounter, {"year": year, "last_value": 0})
    # populate_existing: a counter this session loaded in an earlier transaction must be read afresh.
    counter = session.scalar(
        select(MembershipCounter)
        .where(MembershipCounter.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    counter.last_value += 1
    session.flush()
    return f"{NUMBER_PREFIX}-{year}-{counter.last_value:04d}"


# --- fees and payments ----------------------------------------------------------------------------


def set_tier_fee(session: Session, actor, tier: str, fee_fen: int) -> None:
    """Staff set a tier's annual fee (in fen; audited)."""
    require_staff(actor)
    code = TIERS.parse(tier)
    if code is None:
        raise DomainError(_("会员级别无效。"), {"tier": _("会员级别无效。")})
    if fee_fen < 0:
        raise DomainError(_("会费不能为负数。"), {"fee": _("会费不能为负数。")})
    row = session.get(TierFee, code)
    before = {"annual_fee_fen": row.annual_fee_fen} if row else None
    if row is None:
        row = TierFee(tier=code, annual_fee_fen=fee_fen)
        session.add(row)
    else:
        row.annual_fee_fen = fee_fen
    session.flush()
    audit.record(session, actor, "tier_fee.set", "tier_fee", code, before, {"annual_fee_fen": fee_fen})


def record_payment(
    session: Session, actor, membership_id: int, term_year: int, amount_fen: int, paid_on: dt.date, note: str = ""
) -> FeePayment:
    """Record a fee payment for a term year; paying the current or next term restores an active state."""
    require_staff(actor)
    membership = get_membership(session, membership_id)
    errors = FieldErrors()
    if amount_fen <= 0:
        errors.add("amount", _("金额必须大于零。"))
    if not (2000 <= term_year <= 2100):
        errors.add("term_year", _("年度无效。"))
    if paid_on > clock.today():
        errors.add("paid_on", _("缴费日期不能晚于今天。"))
    errors.raise_if_any()
    if session.scalar(
        select(FeePayment.id).where(FeePayment.membership_id == membership_id, FeePayment.term_year == term_year)
    ):
        raise Conflict(
            _("%(year)d年度的会费已登记，不能重复登记。", year=term_year), {"term_year": _("该年度已登记。")}
        )
    payment = FeePayment(
        membership_id=membership_id,
        term_year=term_year,
        amount_fen=amount_fen,
        paid_on=paid_on,
        note=(note or "").strip()[:300],
        recorded_by_id=actor.id,
    )
    session.add(payment)
    term = ("state", "term_start", "term_end")
    before = audit.snapshot(membership, term)
    session.flush()
    session.refresh(membership)
    _apply_payment(membership, clock.today())
    session.flush()
    after = {**audit.snapshot(membership, term), "term_year": term_year, "amount_fen": amount_fen}
    audit.record(session, actor, "membership.payment", "membership", membership.id, before, after)
    return payment


def _paid_years(membership: Membership) -> set[int]:
    return {p.term_year for p in membership.payments}


def _apply_payment(membership: Membership, today: dt.date) -> None:
    """After a payment: a member in grace or lapsed whose current year is paid becomes active again."""
    if membership.state in ("grace", "lapsed") and today.year in _paid_years(membership):
        membership.term_start = max(dt.date(today.year, 1, 1), membership.term_start)
        membership.term_end = dt.date(today.year, 12, 31)
        membership.state = "active"


# --- suspension -----------------------------------------------------------------------------------


def suspend(session: Session, actor, membership_id: int, reason: str) -> None:
    """Staff suspend a membership with a reason; the enterprise's admins are told."""
    require_staff(actor)
    membership = get_membership(session, membership_id)
    if not (reason or "").strip():
        raise DomainError(_("请填写暂停的原因。"), {"reason": _("请填写原因。")})
    if membership.state == "suspended":
        raise Conflict(_("该会员已处于暂停状态。"))
    before = {"state": membership.state}
    membership.state = "suspended"
    membership.suspended_reason = reason.strip()
    session.flush()
    after = {"state": "suspended", "reason": reason.strip()}
    audit.record(session, actor, "membership.suspend", "membership", membership.id, before, after)
    admins = auth_queries.enterprise_user_ids(session, membership.enterprise_id, admins_only=True)
    notify(session, admins, _l("会员资格已暂停"), reason.strip(), link="/account")


def reinstate(session: Session, actor, membership_id: int) -> None:
    """Staff lift a suspension; the membership takes the state its term gives it."""
    require_staff(actor)
    membership = get_membership(session, membership_id)
    if membership.state != "suspended":
        raise Conflict(_("该会员未被暂停。"))
    membership.suspended_reason = ""
    membership.state = _state_for_date(membership, clock.today(), grace_days=None)
    session.flush()
    before, after = {"state": "suspended"}, {"state": membership.state}
    audit.record(session, actor, "membership.reinstate", "membership", membership.id, before, after)
    admins = auth_queries.enterprise_user_ids(session, membership.enterprise_id, admins_only=True)
    notify(session, admins, _l("会员资格已恢复"), link="/account")


def _state_for_date(membership: Membership, today: dt.date, grace_days: int | None) -> str:
    if today <= membership.term_end:
        return "active"
    if grace_days is None or today <= membership.term_end + dt.timedelta(days=grace_days):
        return "grace"
    return "lapsed"


# --- the yearly cycle -----------------------------------------------------------------------------


@jobs.register("members.cycle", every=dt.timedelta(hours=1))
def _membership_cycle_job(session: Session, now: dt.datetime) -> dict:
    """Renewals, reminders (30 and 7 days), grace and lapse, by the local date of `now`."""
    return run_membership_cycle(
        session,
        now.astimezone(clock.LOCAL_TZ).date(),
        grace_days=current_app.config["MEMBERSHIP_GRACE_DAYS"],
        reminder_days=current_app.config["MEMBERSHIP_REMINDER_DAYS"],
        quiet_days=current_app.config["MEMBERSHIP_REMINDER_QUIET_DAYS"],
    )


def _is_new(membership: Membership, today: dt.date, quiet_days: int) -> bool:
    """Approved fewer than quiet_days ago: a new member is not asked to renew in its first weeks."""
    approved_on = clock.local(membership.approved_at).date()
    return 0 <= (today - approved_on).days < quiet_days


def run_membership_cycle(
    session: Session, today: dt.date, *, grace_days: int, reminder_days=(30, 7), quiet_days: int = 30
) -> dict:
    """The daily membership job: renew paid terms, send reminders, start grace, lapse the unpaid."""
    counts = {"renewed": 0, "reminded": 0, "grace": 0, "lapsed": 0}
    memberships = session.scalars(select(Membership).where(Membership.state.in_(("active", "grace")))).all()
    for membership in memberships:
        paid = _paid_years(membership)
        # Roll a term over when its end has passed and the next year is paid.
        while today > membership.term_end and membership.term_end.year + 1 in paid:
            year = membership.term_end.year + 1
            membership.term_start = dt.date(year, 1, 1)
            membership.term_end = dt.date(year, 12, 31)
            membership.state = "active"
            counts["renewed"] += 1
        days_left = (membership.term_end - today).days
        next_paid = membership.term_end.year + 1 in paid
        # Only the nearest reminder window counts: once the 7-day reminder has gone out, a 30-day
        # one that was never sent (a member approved in late December) must not follow it.
        window = min((days for days in reminder_days if 0 <= days_left <= days), default=None)
        due = membership.state == "active" and not next_paid and window is not None
        due = due and not _is_new(membership, today, quiet_days)
        if due and _send_once(session, membership, f"days_{window}"):
            _tell_members(
                session,
                membership,
                _l("会员资格将于%(date)s到期，请及时续费", date=membership.term_end.isoformat()),
                "renewal_reminder",
                days_left=days_left,
            )
            counts["reminded"] += 1
        state = _state_for_date(membership, today, grace_days)
        if state == membership.state:
            continue
        membership.state = state
        if state == "grace" and _send_once(session, membership, "grace"):
            counts["grace"] += 1
            _tell_members(
                session, membership, _l("会员资格已到期，进入宽限期"), "membership_grace", grace_days=grace_days
            )
        elif state == "lapsed":
            counts["lapsed"] += 1
            if _send_once(session, membership, "lapsed"):
                _tell_members(session, membership, _l("会员资格已失效"), "membership_lapsed")
    session.flush()
    return counts


def _send_once(session: Session, membership: Membership, kind: str) -> bool:
    exists = session.scalar(
        select(MembershipReminder.id).where(
            MembershipReminder.membership_id == membership.id,
            MembershipReminder.term_end == membership.term_end,
            MembershipReminder.kind == kind,
        )
    )
    if exists:
        return False
    session.add(MembershipReminder(membership_id=membership.id, term_end=membership.term_end, kind=kind))
    session.flush()
    return True


def _tell_members(session: Session, membership: Membership, title, template: str, **context) -> None:
    admins = auth_queries.enterprise_admins(session, membership.enterprise_id)
    notify(session, [u.id for u in admins], title, link="/account")
    for user in admins:
        queue_mail(session, user.email, title, template, membership=_membership_plain(membership), **context)


def _membership_plain(membership: Membership) -> dict:
    return {
        "number": membership.number,
        "name": membership.enterprise.name,
        "term_end": membership.term_end.isoformat(),
        "tier": membership.tier,
    }


# --- the certificate ------------------------------------------------------------------------------


def certificate_context(session: Session, actor) -> dict:
    """Plain values for the certificate of the actor's enterprise: once per term, after the term's fee is recorded."""
    require_own(actor, actor.enterprise_id or -1, admin=True)
    enterprise = get_enterprise(session, actor.enterprise_id)
    if enterprise.membership is None:
        raise Conflict(_("贵单位尚未成为会员，暂无会员证书。"))
    membership = enterprise.membership
    document = certificate_document(session, actor, membership)
    seal = current_app.config.get("CERTIFICATE_SEAL_IMAGE") or "img/seal.svg"
    return {
        "name": enterprise.name,
        "credit_code": enterprise.credit_code,
        "number": membership.number,
        "tier": TIERS.label(membership.tier, "zh"),
        "tier_en": TIERS.label(membership.tier, "en"),
        "term_start": membership.term_start.strftime("%Y年%m月%d日"),
        "term_end": membership.term_end.strftime("%Y年%m月%d日"),
        "certificate_number": document.number,
        "verify_url": register.verify_url(document.number),
        "qr": qr_data_uri(register.verify_url(document.number)),
        "seal": seal.lstrip("/"),
        "issued_on": clock.local(document.issued_at).strftime("%Y年%m月%d日"),
    }


def certificate_document(session: Session, actor, membership: Membership):
    """The register's live certificate of the membership's current term (issued on first call); Conflict if none due."""
    if membership.state not in ("active", "grace"):
        raise Conflict(
            _("会员资格当前无效（%(state)s），不能下载证书。", state=MEMBERSHIP_STATES.label(membership.state))
        )
    year = membership.term_end.year
    # Decided: the certificate of a term is issued once that term's fee is recorded.
    if not terms.term_paid(session, membership):
        raise Conflict(_("%(year)d年度会费登记后即可下载会员证书；如已缴费，请等待协会确认到账。", year=year))
    key = {"kind": "membership_certificate", "subject_type": "membership", "subject_id": membership.id}
    if register.was_revoked(session, **key, fingerprint=str(year)):
        raise Conflict(_("本年度会员证书已被协会撤销，如需重新出具请联系协会。"))
    _term_certificate(session, membership, year)
    enterprise = membership.enterprise
    tier = TIERS.label(membership.tier, "zh")
    term = f"{membership.term_start:%Y年%m月%d日} 至 {membership.term_end:%Y年%m月%d日}"
    return register.issue(
        session,
        actor,
        **key,
        holder_name=enterprise.name,
        shown={
            "统一社会信用代码": enterprise.credit_code,
            "会员编号": membership.number,
            "会员级别": tier,
            "有效期": term,
        },
        valid_from=membership.term_start,
        valid_to=membership.term_end,
        fingerprint=str(year),
    )


def _term_certificate(session: Session, membership: Membership, year: int) -> MembershipCertificate:
    """The legacy per-term row (kept for history); the documents register is what verification reads."""
    certificate = session.scalar(
        select(MembershipCertificate).where(
            MembershipCertificate.membership_id == membership.id, MembershipCertificate.term_year == year
        )
    )
    if certificate is None:
        certificate = MembershipCertificate(
            membership_id=membership.id,
            term_year=year,
            number=f"{membership.number}-Z{year}",
            verification_code=secrets.token_hex(8).upper(),
        )
        session.add(certificate)
        session.flush()
    return certificate
