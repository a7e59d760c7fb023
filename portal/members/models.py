"""Enterprises, applications, memberships, fees and the member area's invitations and requests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core import clock
from portal.db import Base


class Enterprise(Base):
    """An organisation: an applicant until approved, then a member (status 'member')."""

    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="applicant")  # applicant | member | rejected
    city: Mapped[str] = mapped_column(String(6), index=True)
    address: Mapped[str] = mapped_column(String(300))
    legal_representative: Mapped[str] = mapped_column(String(100), default="")  # 法定代表人
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_title: Mapped[str] = mapped_column(String(100), default="")  # the contact's 职务
    contact_phone: Mapped[str] = mapped_column(String(30))
    contact_email: Mapped[str] = mapped_column(String(254))
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    logo_file: Mapped[str | None] = mapped_column(String(100))
    bank_name: Mapped[str] = mapped_column(String(200), default="")
    bank_account_name: Mapped[str] = mapped_column(String(200), default="")
    bank_account_no: Mapped[str] = mapped_column(String(40), default="")
    whitelist_batch: Mapped[int | None]
    whitelist_activity: Mapped[str | None] = mapped_column(String(20))
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    activity_rows: Mapped[list[EnterpriseActivity]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="EnterpriseActivity.activity"
    )
    membership: Mapped[Membership | None] = relationship(back_populates="enterprise", lazy="selectin")

    @property
    def activities(self) -> list[str]:
        return [row.activity for row in self.activity_rows]


class EnterpriseActivity(Base):
    __tablename__ = "enterprise_activities"

    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True)
    activity: Mapped[str] = mapped_column(String(30), primary_key=True, index=True)


class MembershipApplication(Base):
    """An application to join, reviewed by staff (and optionally by assigned reviewers)."""

    __tablename__ = "membership_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_tier: Mapped[str] = mapped_column(String(20))
    licence_file: Mapped[str] = mapped_column(String(100))
    licence_name: Mapped[str] = mapped_column(String(200))
    licence_mime: Mapped[str] = mapped_column(String(50))
    privacy_accepted_at: Mapped[dt.datetime]
    state: Mapped[str] = mapped_column(String(20), default="submitted", index=True)
    reason: Mapped[str] = mapped_column(Text, default="")  # rejection reason or what is asked for
    submitted_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    enterprise: Mapped[Enterprise] = relationship(lazy="joined")
    assignments: Mapped[list[ReviewAssignment]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class ReviewAssignment(Base):
    """An outside reviewer assigned to an application, and the opinion they gave."""

    __tablename__ = "review_assignments"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("membership_applications.id", ondelete="CASCADE"), primary_key=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    assigned_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    opinion: Mapped[str | None] = mapped_column(String(20))  # approve | reject
    comment: Mapped[str] = mapped_column(Text, default="")
    opinion_at: Mapped[dt.datetime | None]


class Membership(Base):
    """The membership of an approved enterprise: number, tier, current term and state."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), unique=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    tier: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default="active", index=True)
    term_start: Mapped[dt.date] = mapped_column(Date)
    term_end: Mapped[dt.date] = mapped_column(Date, index=True)
    approved_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    suspended_reason: Mapped[str] = mapped_column(Text, default="")

    enterprise: Mapped[Enterprise] = relationship(back_populates="membership")
    payments: Mapped[list[FeePayment]] = relationship(order_by="FeePayment.term_year", lazy="selectin")


class MembershipCounter(Base):
    """The last membership number given in a year; numbers are never reused."""

    __tablename__ = "membership_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(default=0)


class TierFee(Base):
    """The annual fee of a tier, in fen, set by staff."""

    __tablename__ = "tier_fees"

    tier: Mapped[str] = mapped_column(String(20), primary_key=True)
    annual_fee_fen: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now, onupdate=clock.now)


class MembershipSettings(Base):
    """The membership rules staff set in the portal (one row): the late-joiner cut-off."""

    __tablename__ = "membership_settings"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # "MM-DD": an approval on or after this day of the year starts the term (and the fee) with the
    # next calendar year, the rest of the year free; None: every approval gets the current year.
    late_join_cutoff: Mapped[str | None] = mapped_column(String(5))
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now, onupdate=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class FeePayment(Base):
    """A fee payment recorded by staff for one term year."""

    __tablename__ = "fee_payments"
    __table_args__ = (UniqueConstraint("membership_id", "term_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    term_year: Mapped[int]
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(300), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class MembershipReminder(Base):
    """A reminder or lapse notice already sent for a term (so each goes out once)."""

    __tablename__ = "membership_reminders"
    __table_args__ = (UniqueConstraint("membership_id", "term_end", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"))
    term_end: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))  # days_30 | days_7 | grace | lapsed
    sent_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class MembershipCertificate(Base):
    """A membership certificate issued for one term; its number and code stay the same on re-download."""

    __tablename__ = "membership_certificates"
    __table_args__ = (UniqueConstraint("membership_id", "term_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"))
    term_year: Mapped[int]
    number: Mapped[str] = mapped_column(String(40), unique=True)
    verification_code: Mapped[str] = mapped_column(String(32), unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class Invitation(Base):
    """An enterprise admin's e-mailed invitation for a colleague."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[dt.datetime]
    accepted_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class WhitelistRequest(Base):
    """A member's request to be recorded as on the MIIT 规范条件 whitelist, with evidence."""

    __tablename__ = "whitelist_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    batch: Mapped[int]
    activity: Mapped[str] = mapped_column(String(20))
    evidence_file: Mapped[str] = mapped_column(String(100))
    evidence_name: Mapped[str] = mapped_column(String(200))
    evidence_mime: Mapped[str] = mapped_column(String(50))
    note: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default="pending")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None]
    reason: Mapped[str] = mapped_column(Text, default="")
