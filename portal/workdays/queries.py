"""Reading the working-day calendar: stored rows of a range, and a year as the staff page shows it.

Reads only this feature's table (and the installed package's data); never writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.workdays.calendar import STAFF, DayRule, WorkCalendar, package_covers, package_rule
from portal.workdays.models import CalendarDay


def rule_of(row: CalendarDay) -> DayRule:
    """A stored row as the calendar's plain value."""
    return DayRule(row.day, row.is_workday, row.name, row.source)


def stored_rows(session: Session, first: dt.date, last: dt.date) -> list[CalendarDay]:
    """The stored rows of first..last, in date order."""
    stmt = select(CalendarDay).where(CalendarDay.day.between(first, last)).order_by(CalendarDay.day)
    return list(session.scalars(stmt))


def stored_rules(session: Session, first: dt.date, last: dt.date) -> list[DayRule]:
    """The stored rules of first..last (one query)."""
    return [rule_of(row) for row in stored_rows(session, first, last)]


@dataclass(frozen=True)
class DayView:
    """One special day of a year, as plain values for the staff page and the CLI."""

    day: dt.date
    is_workday: bool
    name: str
    source: str  # staff | package
    stored: bool  # False: the package says so, but the day was not loaded into the database
    updated_at: dt.datetime | None
    updated_by: str
    package: DayRule | None  # what the package says of this day (shown beside a staff correction)

    @property
    def is_correction(self) -> bool:
        return self.source == STAFF


@dataclass(frozen=True)
class YearOverview:
    """A year of the calendar: its special days and what the staff page says about them."""

    year: int
    days: list[DayView]
    working_days: int
    package_covers: bool

    @property
    def not_loaded(self) -> int:
        return sum(1 for d in self.days if not d.stored)

    @property
    def corrections(self) -> int:
        return sum(1 for d in self.days if d.is_correction)


def year_overview(session: Session, year: int) -> YearOverview:
    """The holidays, make-up working days and staff corrections of year, with their sources."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = {row.day: row for row in stored_rows(session, first, last)}
    calendar = WorkCalendar(first, last, [rule_of(row) for row in rows.values()])
    days = []
    for rule in calendar.special_days():
        row = rows.get(rule.day)
        days.append(
            DayView(
                day=rule.day,
                is_workday=rule.is_workday,
                name=rule.name,
                source=rule.source,
                stored=row is not None,
                updated_at=row.updated_at if row is not None else None,
                updated_by=row.updated_by if row is not None else "",
                package=package_rule(rule.day) if package_covers(year) else None,
            )
        )
    return YearOverview(
        year=year,
        days=days,
        working_days=calendar.working_days_between(first - dt.timedelta(days=1), last),
        package_covers=package_covers(year),
    )
