"""Recycling service outlets (回收服务网点), their status history and the car makers they serve."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core import clock
from portal.db import Base


class Outlet(Base):
    __tablename__ = "outlets"
    # For the public list (migration outlets0016): a page in list order (city, name, id) is read in index
    # order, and its total and the facet counts by status, city and type are counted from an index alone.
    __table_args__ = (
        Index("ix_outlets_city_name", "city", "name"),
        Index("ix_outlets_status_city_type", "status", "city", "type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    operator_enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    operator_name: Mapped[str] = mapped_column(String(200), index=True)
    operator_credit_code: Mapped[str] = mapped_column(String(18), default="")
    type: Mapped[str] = mapped_column(String(20), index=True)
    city: Mapped[str] = mapped_column(String(6), index=True)
    district: Mapped[str] = mapped_column(String(50), default="", index=True)
    address: Mapped[str] = mapped_column(String(300))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    opening_hours: Mapped[str] = mapped_column(String(100), default="")
    storage_area_m2: Mapped[float | None]
    capacity_t: Mapped[float | None]
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    last_verified_on: Mapped[dt.date | None] = mapped_column(Date)
    last_verified_by: Mapped[str] = mapped_column(String(200), default="")
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    makers: Mapped[list[OutletMaker]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class OutletMaker(Base):
    """A car maker whose recycling network the outlet belongs to (it may report on its behalf)."""

    __tablename__ = "outlet_makers"

    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), primary_key=True, index=True)


class OutletStatusChange(Base):
    """Every change of an outlet's public status: who, when, from what to what, and why."""

    __tablename__ = "outlet_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    # lets a new outlet and its first entry be written in one flush (an import flushes once per batch)
    outlet: Mapped[Outlet] = relationship()
