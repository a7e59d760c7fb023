"""Training materials (files and video links, public or members-only) and training events with registration."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core import clock
from portal.db import Base


class TrainingMaterial(Base):
    """Course material; a members-only one shows its summary to everyone but its files and links to members only."""

    __tablename__ = "training_materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[str] = mapped_column(String(200), default="")
    topic: Mapped[str] = mapped_column(String(30), index=True)
    level: Mapped[str] = mapped_column(String(20))
    members_only: Mapped[bool] = mapped_column(default=False)
    video_links: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now, index=True)
    is_demo: Mapped[bool] = mapped_column(default=False)

    files: Mapped[list[TrainingFile]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="TrainingFile.id"
    )


class TrainingFile(Base):
    """A PDF or PPTX of a material (typed by content)."""

    __tablename__ = "training_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("training_materials.id", ondelete="CASCADE"), index=True)
    file: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]


class TrainingEvent(Base):
    """A training session; ``registered_count`` is kept by the services so concurrent sign-ups serialise on it."""

    __tablename__ = "training_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[dt.datetime] = mapped_column(index=True)
    ends_at: Mapped[dt.datetime]
    place: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int]
    registered_count: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    is_demo: Mapped[bool] = mapped_column(default=False)


class TrainingRegistration(Base):
    """One person's place at an event: registered, waiting (in ``queued_at`` order) or cancelled; attendance."""

    __tablename__ = "training_registrations"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("training_events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    state: Mapped[str] = mapped_column(String(20), index=True)  # registered | waiting | cancelled
    queued_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    attended: Mapped[bool | None]
    attendance_recorded_at: Mapped[dt.datetime | None]
