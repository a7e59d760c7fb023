"""Pilot and demonstration projects: calls, projects, partners, funding, targets, state changes,
reviews and scores, milestones, progress reports, attachments, and financiers' interest."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core import clock
from portal.db import Base


class ProjectCall(Base):
    """A call for projects: what it admits, when it is open, how applications are scored."""

    __tablename__ = "project_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    types: Mapped[list[str]] = mapped_column(JSON)  # project type codes admitted
    opens_on: Mapped[dt.date] = mapped_column(Date)
    closes_on: Mapped[dt.date] = mapped_column(Date)
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{"key", "name", "weight"}], weights sum 100
    documents: Mapped[list[str]] = mapped_column(JSON)  # attachment kinds required to apply
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    is_demo: Mapped[bool] = mapped_column(default=False)


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("project_calls.id"), index=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(30), index=True)
    city: Mapped[str] = mapped_column(String(6), index=True)
    site: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float | None]  # WGS-84, as outlets store them
    lon: Mapped[float | None]
    summary: Mapped[str] = mapped_column(Text, default="")
    planned_start: Mapped[dt.date | None] = mapped_column(Date)
    planned_end: Mapped[dt.date | None] = mapped_column(Date)
    started_on: Mapped[dt.date | None] = mapped_column(Date)  # when construction began
    budget_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    decision_reason: Mapped[str] = mapped_column(Text, default="")  # approval, rejection or stop
    seeking_finance: Mapped[bool] = mapped_column(default=False, index=True)
    finance_amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    finance_form: Mapped[str] = mapped_column(String(20), default="")
    finance_note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now, onupdate=clock.now)
    is_demo: Mapped[bool] = mapped_column(default=False)

    call: Mapped[ProjectCall] = relationship(lazy="joined")
    partners: Mapped[list[ProjectPartner]] = relationship(
        cascade="all, delete-orphan", order_by="ProjectPartner.id", lazy="selectin"
    )
    funding: Mapped[list[ProjectFunding]] = relationship(
        cascade="all, delete-orphan", order_by="ProjectFunding.id", lazy="selectin"
    )
    targets: Mapped[list[ProjectTarget]] = relationship(
        cascade="all, delete-orphan", order_by="ProjectTarget.position", lazy="selectin"
    )
    milestones: Mapped[list[Milestone]] = relationship(
        cascade="all, delete-orphan", order_by="(Milestone.due_on, Milestone.id)", lazy="selectin"
    )


class ProjectPartner(Base):
    """A partner enterprise, its role, and whether the lead let it file progress reports."""

    __tablename__ = "project_partners"
    __table_args__ = (UniqueConstraint("project_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    role: Mapped[str] = mapped_column(String(200), default="")
    can_report: Mapped[bool] = mapped_column(default=False)


class ProjectFunding(Base):
    __tablename__ = "project_funding"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class ProjectTarget(Base):
    """A target figure in thousandths of its unit; staff may mark it confidential."""

    __tablename__ = "project_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(20))
    target_milli: Mapped[int] = mapped_column(BigInteger)
    confidential: Mapped[bool] = mapped_column(default=False)


class ProjectTransition(Base):
    """One state change: who, when, from, to, why."""

    __tablename__ = "project_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class ProjectReview(Base):
    """A reviewer assigned to a project, and (once submitted) their scores."""

    __tablename__ = "project_reviews"
    __table_args__ = (UniqueConstraint("project_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    submitted_at: Mapped[dt.datetime | None]
    comment: Mapped[str] = mapped_column(Text, default="")

    scores: Mapped[list[ProjectScore]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class ProjectScore(Base):
    __tablename__ = "project_scores"

    review_id: Mapped[int] = mapped_column(ForeignKey("project_reviews.id", ondelete="CASCADE"), primary_key=True)
    criterion: Mapped[str] = mapped_column(String(40), primary_key=True)
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")


class Milestone(Base):
    __tablename__ = "project_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    deliverable: Mapped[str] = mapped_column(Text, default="")
    completed_on: Mapped[dt.date | None] = mapped_column(Date)
    completed_report_id: Mapped[int | None] = mapped_column(ForeignKey("project_reports.id"))
    reminded_before_at: Mapped[dt.datetime | None]
    reminded_late_at: Mapped[dt.datetime | None]


class ProgressReport(Base):
    """A progress report filed by the lead, or by a partner the lead allowed to."""

    __tablename__ = "project_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    narrative: Mapped[str] = mapped_column(Text)
    problems: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[dt.datetime] = mapped_column(default=clock.now, index=True)

    actuals: Mapped[list[ReportActual]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    completions: Mapped[list[ReportMilestone]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class ReportActual(Base):
    __tablename__ = "project_report_actuals"

    report_id: Mapped[int] = mapped_column(ForeignKey("project_reports.id", ondelete="CASCADE"), primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("project_targets.id", ondelete="CASCADE"), primary_key=True)
    actual_milli: Mapped[int] = mapped_column(BigInteger)


class ReportMilestone(Base):
    __tablename__ = "project_report_milestones"

    report_id: Mapped[int] = mapped_column(ForeignKey("project_reports.id", ondelete="CASCADE"), primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("project_milestones.id", ondelete="CASCADE"), primary_key=True)
    evidence: Mapped[str] = mapped_column(Text, default="")


class ProjectAttachment(Base):
    """An uploaded document (typed by content): application documents, or a report's evidence."""

    __tablename__ = "project_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("project_reports.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class FinanceInterest(Base):
    """A financial institution's expression of interest in a project seeking finance."""

    __tablename__ = "project_finance_interests"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    financier_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    form: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
