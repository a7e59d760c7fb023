"""Benchmark enterprises (标杆企业): yearly selections, their weighted criteria, candidates and scores."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core import clock
from portal.db import Base


class BenchmarkSelection(Base):
    """One year's selection: open for applications in its window, then confirmed by staff."""

    __tablename__ = "benchmark_selections"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(200))
    opens_on: Mapped[dt.date] = mapped_column(Date)
    closes_on: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open | confirmed
    confirmed_at: Mapped[dt.datetime | None]
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    criteria: Mapped[list[BenchmarkCriterion]] = relationship(
        cascade="all, delete-orphan", order_by=lambda: BenchmarkCriterion.position, lazy="selectin"
    )


class BenchmarkCriterion(Base):
    """A weighted criterion: filled by a source (portal/benchmarks/sources.py) or scored by staff (manual)."""

    __tablename__ = "benchmark_criteria"
    __table_args__ = (UniqueConstraint("selection_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    selection_id: Mapped[int] = mapped_column(ForeignKey("benchmark_selections.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(String(40))  # a source's code or a manual criterion's code
    name: Mapped[str] = mapped_column(String(100))
    weight: Mapped[int]  # the weights of a selection add up to 100


class BenchmarkCandidate(Base):
    """An enterprise that applied or was nominated; its manual scores; selected when staff confirm."""

    __tablename__ = "benchmark_candidates"
    __table_args__ = (UniqueConstraint("selection_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    selection_id: Mapped[int] = mapped_column(ForeignKey("benchmark_selections.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    origin: Mapped[str] = mapped_column(String(20))  # applied | nominated
    statement: Mapped[str] = mapped_column(Text, default="")
    manual_scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # code -> {"score": int, "note": str}
    total_milli: Mapped[int | None]  # the weighted total x1000, as computed when confirmed
    selected: Mapped[bool] = mapped_column(default=False, index=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
