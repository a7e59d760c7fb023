"""Membership terms: the late-joiner cut-off staff set, the first term it gives, and the fee state of a term.

Terms follow the calendar year. An enterprise approved on or after the cut-off day (default 1 October,
staff change it on the fee page; none means no cut-off) gets a first term from its approval to
31 December of the next year, and pays only that next year's fee: the remaining weeks are free.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.core import audit, clock
from portal.core.actors import require_staff
from portal.core.sql import insert_ignore
from portal.errors import DomainError
from portal.members.models import FeePayment, Membership, MembershipSettings, TierFee

SETTINGS_ID = 1


def parse_cutoff(text: str | None) -> str | None:
    """A cut-off day "MM-DD" (also "M-D", "M月D日", "MM/DD"), or None when left empty; DomainError if invalid."""
    raw = (text or "").strip().replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
    if not raw:
        return None
    month, sep, day = raw.partition("-")
    message = _("请按“月-日”填写截止日，例如 10-01；留空表示不设截止日。")
    if not sep or not (month.isascii() and month.isdigit() and day.isascii() and day.isdigit()):
        raise DomainError(message, {"cutoff": message})
    try:
        dt.date(2025, int(month), int(day))  # a common year: 29 February is not a yearly day
    except ValueError:
        raise DomainError(message, {"cutoff": message}) from None
    return f"{int(month):02d}-{int(day):02d}"


def first_term(approved_on: dt.date, cutoff: str | None) -> tuple[dt.date, dt.date]:
    """The first term of an enterprise approved on approved_on: to 31 December, of the next year past the cut-off."""
    if cutoff:
        month, day = (int(part) for part in cutoff.split("-"))
        if approved_on >= dt.date(approved_on.year, month, day):
            return approved_on, dt.date(approved_on.year + 1, 12, 31)
    return approved_on, dt.date(approved_on.year, 12, 31)


def late_join_cutoff(session: Session) -> str | None:
    """The cut-off staff set, else the configured default (MEMBERSHIP_LATE_JOIN_CUTOFF)."""
    row = session.get(MembershipSettings, SETTINGS_ID)
    if row is None:
        return current_app.config.get("MEMBERSHIP_LATE_JOIN_CUTOFF") or None
    return row.late_join_cutoff


def set_late_join_cutoff(session: Session, actor, text: str | None) -> str | None:
    """Staff set the late-joiner cut-off day ("MM-DD"; empty: no cut-off); audited."""
    require_staff(actor)
    cutoff = parse_cutoff(text)
    before = {"late_join_cutoff": late_join_cutoff(session)}
    # Two staff saving at once must not both insert the one row (and fail): insert it if missing, lock it.
    insert_ignore(session, MembershipSettings, {"id": SETTINGS_ID, "late_join_cutoff": before["late_join_cutoff"]})
    row = session.scalar(
        select(MembershipSettings)
        .where(MembershipSettings.id == SETTINGS_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    row.late_join_cutoff = cutoff
    row.updated_by_id = actor.id
    session.flush()
    after = {"late_join_cutoff": cutoff}
    audit.record(session, actor, "membership_settings.set", "membership_settings", SETTINGS_ID, before, after)
    return cutoff


def cutoff_label(cutoff: str | None) -> str:
    """The cut-off in words, e.g. 10月1日 (or that there is none)."""
    if not cutoff:
        return _("不设截止日")
    month, day = (int(part) for part in cutoff.split("-"))
    return _("%(m)d月%(d)d日", m=month, d=day)


@dataclass(frozen=True)
class YearFee:
    """The fee of one term year: what the tier costs and whether (and when) it was paid."""

    year: int
    fee_fen: int | None
    paid_fen: int | None
    paid_on: dt.date | None

    @property
    def paid(self) -> bool:
        return self.paid_on is not None


@dataclass(frozen=True)
class FeeState:
    """What the account page shows of the fees: the current term's year, the next when it is due."""

    years: list[YearFee]
    free_until: dt.date | None  # a late joiner's free weeks before its first paid year

    @property
    def current(self) -> YearFee:
        return self.years[0]


def term_paid(session: Session, membership: Membership) -> bool:
    """Is the fee of the membership's current term year (the year its term ends) recorded?"""
    return (
        session.scalar(
            select(FeePayment.id).where(
                FeePayment.membership_id == membership.id, FeePayment.term_year == membership.term_end.year
            )
        )
        is not None
    )


def fee_state(session: Session, membership: Membership, today: dt.date | None = None) -> FeeState:
    """The fee state of a membership: its term year's fee, and the next year's once renewal is near or overdue."""
    today = today or clock.today()
    fee = session.scalar(select(TierFee.annual_fee_fen).where(TierFee.tier == membership.tier))
    paid = {p.term_year: p for p in membership.payments}
    year = membership.term_end.year
    years = [year]
    reminder = max(current_app.config["MEMBERSHIP_REMINDER_DAYS"], default=30)
    if (membership.term_end - today).days <= reminder or year + 1 in paid:
        years.append(year + 1)

    def one(y: int) -> YearFee:
        p = paid.get(y)
        return YearFee(y, fee, p.amount_fen if p else None, p.paid_on if p else None)

    late = membership.term_start.year < year  # a first term that began before its paid year
    free_until = dt.date(membership.term_start.year, 12, 31) if late else None
    return FeeState([one(y) for y in years], free_until)
