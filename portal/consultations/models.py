"""Association standards open for comment (团体标准征求意见): rounds, their clauses, comments and answers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core import clock
from portal.db import Base


class Consultation(Base):
    """A draft association standard open for comment until ``closes_at`` (the end of the deadline day)."""

    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), default="")  # draft number, e.g. T/SDBRA 001—2026（征求意见稿）
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[dt.date]
    closes_at: Mapped[dt.datetime] = mapped_column(index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    is_demo: Mapped[bool] = mapped_column(default=False)

    clauses: Mapped[list[Clause]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="Clause.position"
    )

    def is_open(self, now: dt.datetime) -> bool:
        return now < self.closes_at


class Clause(Base):
    """One numbered clause (章条) of the draft, in document order."""

    __tablename__ = "consultation_clauses"
    __table_args__ = (UniqueConstraint("consultation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    number: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text, default="")


class Comment(Base):
    """A member's comment on a clause and the staff's answer (采纳/部分采纳/未采纳 with a reason)."""

    __tablename__ = "consultation_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("consultation_clauses.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    enterprise_name: Mapped[str] = mapped_column(String(200), default="")  # as it was when commenting
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    decision: Mapped[str | None] = mapped_column(String(20))  # accepted | partly | rejected
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None]

    clause: Mapped[Clause] = relationship(lazy="joined")
