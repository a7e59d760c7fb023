"""The working-day calendar's table: one row per day that a source says differs from Monday–Friday.

Only holidays, make-up working days (调休) and staff corrections are stored, not every day of a
year; a day without a row follows the package where it covers the year, else Monday to Friday
(see portal.workdays.calendar).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core import clock
from portal.db import Base


class CalendarDay(Base):
    """What one day is: a working day or a day off, its name, and who said so (staff win)."""

    __tablename__ = "calendar_days"
    __table_args__ = (CheckConstraint("source IN ('package', 'staff')", name="source"),)

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool]
    name: Mapped[str] = mapped_column(String(80))  # 国庆节, 调休上班（春节）
    source: Mapped[str] = mapped_column(String(10))  # package | staff
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now, onupdate=clock.now)
    updated_by: Mapped[str] = mapped_column(String(254), default="")  # actor label
