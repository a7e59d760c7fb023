"""Verification campaigns (全面核查): checklist versions, campaigns and their scope, inspections, rectification."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core import clock
from portal.db import Base


class ChecklistVersion(Base):
    """One version of the inspection checklist; items are data: [{code, text, applies_to}]."""

    __tablename__ = "checklist_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(300), default="")
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class Campaign(Base):
    """A verification campaign: a period, the outlets resolved into scope when it opened, a checklist."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    checklist_version_id: Mapped[int] = mapped_column(ForeignKey("checklist_versions.id"))
    # The criteria the scope was resolved from (for display); the scope itself is campaign_outlets.
    scope_cities: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope_operators: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    is_demo: Mapped[bool] = mapped_column(default=False)

    checklist: Mapped[ChecklistVersion] = relationship(lazy="joined")


class CampaignOutlet(Base):
    """An outlet in a campaign's scope, with the city it was in when the campaign opened."""

    __tablename__ = "campaign_outlets"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"), primary_key=True, index=True)
    city: Mapped[str] = mapped_column(String(6))


class Inspection(Base):
    """The result of inspecting one outlet in one campaign.

    ``rectification_state`` follows a result of 需整改: open (waiting for the member's answer),
    answered (waiting for staff), accepted (closed, the outlet became 合规); a rejected answer goes
    back to open.
    """

    __tablename__ = "inspections"
    __table_args__ = (UniqueConstraint("campaign_id", "outlet_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"), index=True)
    inspected_on: Mapped[dt.date] = mapped_column(Date)
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    inspector_label: Mapped[str] = mapped_column(String(254), default="")
    result: Mapped[str] = mapped_column(String(20), index=True)
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text, default="")
    rectification_state: Mapped[str | None] = mapped_column(String(20), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    is_demo: Mapped[bool] = mapped_column(default=False)

    items: Mapped[list[InspectionItem]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="InspectionItem.position"
    )
    photos: Mapped[list[InspectionPhoto]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="InspectionPhoto.id"
    )
    answers: Mapped[list[RectificationAnswer]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="RectificationAnswer.id"
    )


class InspectionItem(Base):
    """One checklist item as marked in an inspection: met, not_met or na, with a note."""

    __tablename__ = "inspection_items"

    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int]
    outcome: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")


class InspectionPhoto(Base):
    """A photo taken at the inspection (JPG or PNG, typed by content), stored under the data folder."""

    __tablename__ = "inspection_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    file: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class RectificationAnswer(Base):
    """A member's answer to a rectification finding, and the staff's decision on it."""

    __tablename__ = "rectification_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    decision: Mapped[str | None] = mapped_column(String(20))  # accepted | rejected
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None]

    files: Mapped[list[RectificationFile]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="RectificationFile.id"
    )


class RectificationFile(Base):
    """Evidence attached to an answer (PDF, JPG or PNG, typed by content)."""

    __tablename__ = "rectification_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("rectification_answers.id", ondelete="CASCADE"), index=True)
    file: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
