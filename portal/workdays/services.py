"""The working-day calendar: loading the package's days, staff corrections, counting working days.

Other features count deadlines through here: ``WorkCalendar.load`` once for a batch, or the two
convenience functions for a single answer. Nothing is cached between calls, so every process answers
with what the database holds now (a staff correction counts everywhere from its commit on).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.core import audit, clock
from portal.core.actors import actor_label, require_staff, system
from portal.core.dates import MAX_YEAR, MIN_YEAR, collect_date
from portal.core.enums import Enumeration, Item
from portal.core.sql import insert_ignore
from portal.errors import DomainError
from portal.workdays.calendar import (
    NAME_MAX,
    PACKAGE,
    PACKAGE_FIRST_YEAR,
    PACKAGE_LAST_YEAR,
    PACKAGE_SOURCE,
    PACKAGE_VERSION,
    STAFF,
    CalendarRangeError,
    DayRule,
    WorkCalendar,
    check_date,
    package_covers,
    package_days,
    package_rule,
    package_years,
)
from portal.workdays.models import CalendarDay
from portal.workdays.queries import stored_rows

__all__ = [
    "DAY_KINDS",
    "DAY_SOURCES",
    "CalendarRangeError",
    "DayInput",
    "WorkCalendar",
    "add_working_days",
    "clear_day",
    "load_from_package",
    "parse_year",
    "set_day",
    "validate_day",
    "working_days_between",
]

PACKAGE_LOADER = system(f"{PACKAGE} load")
OBJECT_TYPE = "calendar_day"
FIELDS = ("is_workday", "name", "source")
DAY_KINDS = Enumeration(
    "calendar_day_kind",
    [
        Item("workday", "工作日", "Working day", ("上班", "true", "1")),
        Item("restday", "休息日", "Day off", ("休息", "放假", "节假日", "false", "0")),
    ],
)
DAY_SOURCES = Enumeration(
    "calendar_day_source",
    [
        Item(STAFF, "协会更正", "Staff correction"),
        Item(PACKAGE_SOURCE, "chinese-calendar", "chinese-calendar"),
    ],
)


@dataclass(frozen=True)
class DayInput:
    """A staff correction as the form gives it (strings)."""

    day: str = ""
    kind: str = ""  # workday | restday (or 工作日 / 休息日)
    name: str = ""


def _clean_name(name: str, errors: dict[str, str]) -> str:
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = _("请填写这一天的名称，例如“国庆节”或“调休上班”。")
    elif len(name) > NAME_MAX:
        errors["name"] = _("名称最多 %(n)d 个字。", n=NAME_MAX)
    return name


def validate_day(data: DayInput) -> tuple[dt.date, bool, str]:
    """Check a correction typed by staff: (day, is_workday, name), or DomainError naming each wrong field."""
    errors: dict[str, str] = {}
    day = collect_date(data.day, errors, "day", required_message=_("请填写日期，例如 2026-10-01。"))
    kind = DAY_KINDS.parse(data.kind)
    if kind is None:
        errors["kind"] = _("请选择这一天是工作日还是休息日。")
    name = _clean_name(data.name, errors)
    if errors:
        raise DomainError(_("日历更正有误，未保存。"), errors)
    assert day is not None
    return day, kind == "workday", name


def parse_year(raw: str | int | None) -> int:
    """A calendar year as typed (2026); DomainError unless it is a year between 1990 and 2100."""
    text = str(raw if raw is not None else "").strip()
    year = int(text) if text.isascii() and text.isdigit() else None
    if year is None or not (MIN_YEAR <= year <= MAX_YEAR):
        message = _("年份应为 %(first)d 到 %(last)d 之间的四位数字，例如 2026。", first=MIN_YEAR, last=MAX_YEAR)
        raise DomainError(message, {"year": message})
    return year


def _rule_snapshot(rule: DayRule | None, day: dt.date) -> dict:
    if rule is None:  # Monday to Friday
        return {"is_workday": day.weekday() < 5, "name": "", "source": "default"}
    return {"is_workday": rule.is_workday, "name": rule.name, "source": rule.source}


def _check_day(day) -> dt.date:
    try:
        day = check_date(day)
    except TypeError:
        raise DomainError(_("日期无效。"), {"day": _("日期无效。")}) from None
    if not (MIN_YEAR <= day.year <= MAX_YEAR):
        raise DomainError(_("日期超出合理范围。"), {"day": _("日期超出合理范围。")})
    return day


def set_day(session: Session, actor, day: dt.date, is_workday: bool, name: str) -> CalendarDay:
    """Staff say what one day is (working day or day off, with its name); it wins over the package."""
    require_staff(actor)
    day = _check_day(day)
    errors: dict[str, str] = {}
    name = _clean_name(name, errors)
    if errors:
        raise DomainError(_("日历更正有误，未保存。"), errors)
    row = session.get(CalendarDay, day)
    if row is not None:
        before = audit.snapshot(row, FIELDS)
    else:
        before = _rule_snapshot(package_rule(day) if package_covers(day.year) else None, day)
        row = CalendarDay(day=day)
        session.add(row)
    row.is_workday, row.name, row.source = bool(is_workday), name, STAFF
    row.updated_at, row.updated_by = clock.now(), actor_label(actor)
    session.flush()
    audit.record(session, actor, "calendar.set_day", OBJECT_TYPE, day.isoformat(), before, audit.snapshot(row, FIELDS))
    return row


def clear_day(session: Session, actor, day: dt.date) -> DayRule | None:
    """Staff remove their correction of day: it follows the package (or Monday to Friday) again.

    Returns the rule that applies now (None for Monday to Friday). A day without a staff correction
    is refused, so a package day cannot be deleted by mistake.
    """
    require_staff(actor)
    day = _check_day(day)
    row = session.get(CalendarDay, day)
    if row is None or row.source != STAFF:
        raise DomainError(_("%(day)s 没有协会更正，无需恢复。", day=day.isoformat()))
    before = audit.snapshot(row, FIELDS)
    rule = package_rule(day) if package_covers(day.year) else None
    if rule is None:
        session.delete(row)
    else:  # keep the package's day stored, as a load would have left it
        row.is_workday, row.name, row.source = rule.is_workday, rule.name, PACKAGE_SOURCE
        row.updated_at, row.updated_by = clock.now(), actor_label(actor)
    session.flush()
    audit.record(session, actor, "calendar.clear_day", OBJECT_TYPE, day.isoformat(), before, _rule_snapshot(rule, day))
    return rule


def load_from_package(session: Session, years: Iterable[int] | None = None, *, actor=PACKAGE_LOADER) -> int:
    """Copy chinese-calendar's holidays and make-up working days of years (all it covers when None).

    Staff rows are never touched; package rows are brought in line with the installed package
    (added, changed, or removed when the package no longer lists the day). Idempotent: returns the
    number of days written, 0 when the database already holds what the package says.
    """
    require_staff(actor)
    wanted_years = sorted(set(years)) if years is not None else list(package_years())
    unknown = [year for year in wanted_years if not package_covers(year)]
    if unknown:
        raise DomainError(
            _(
                "chinese-calendar %(version)s 没有 %(years)s 年的节假日安排（它收录 %(first)d–%(last)d 年），"
                "请按国务院办公厅的通知逐日录入。",
                version=PACKAGE_VERSION,
                years="、".join(str(y) for y in unknown),
                first=PACKAGE_FIRST_YEAR,
                last=PACKAGE_LAST_YEAR,
            ),
            {"year": _("chinese-calendar 没有这一年的安排。")},
        )
    if not wanted_years:
        return 0
    first, last = dt.date(wanted_years[0], 1, 1), dt.date(wanted_years[-1], 12, 31)
    existing = {row.day: row for row in stored_rows(session, first, last) if row.day.year in wanted_years}
    label, now = actor_label(actor), clock.now()
    added = changed = removed = 0
    wanted = {rule.day: rule for year in wanted_years for rule in package_days(year)}
    for day, rule in wanted.items():
        row = existing.get(day)
        if row is None:
            # A concurrent load (or a staff edit) may have stored the day meanwhile: theirs stays.
            insert_ignore(
                session,
                CalendarDay,
                {
                    "day": day,
                    "is_workday": rule.is_workday,
                    "name": rule.name,
                    "source": PACKAGE_SOURCE,
                    "updated_at": now,
                    "updated_by": label,
                },
            )
            added += 1
        elif row.source == PACKAGE_SOURCE and (row.is_workday, row.name) != (rule.is_workday, rule.name):
            row.is_workday, row.name, row.updated_at, row.updated_by = rule.is_workday, rule.name, now, label
            changed += 1
    for day, row in existing.items():
        if row.source == PACKAGE_SOURCE and day not in wanted:
            session.delete(row)
            removed += 1
    session.flush()
    written = added + changed + removed
    if written:
        span = f"{wanted_years[0]}" if len(wanted_years) == 1 else f"{wanted_years[0]}-{wanted_years[-1]}"
        audit.record(
            session,
            actor,
            "calendar.load_package",
            "calendar",
            span,
            None,
            {
                "package": f"{PACKAGE} {PACKAGE_VERSION}",
                "years": wanted_years,
                "added": added,
                "changed": changed,
                "removed": removed,
            },
        )
    return written


# --- counting -------------------------------------------------------------------------------------

# How far add_working_days looks at most: far beyond any real deadline, but bounded should staff
# ever mark a long stretch as days off.
_MAX_SPAN_DAYS = 366 * 10


def working_days_between(session: Session, start: dt.date, end: dt.date) -> int:
    """The number of working days d with start < d <= end (0 when end <= start); one query."""
    if check_date(end, "end") <= check_date(start, "start"):
        return 0
    return WorkCalendar.load(session, start, end).working_days_between(start, end)


def add_working_days(session: Session, start: dt.date, n: int) -> dt.date:
    """The n-th working day after start (start for n = 0); usually one query."""
    check_date(start, "start")
    if n < 0:
        raise ValueError(f"n must be 0 or more, not {n}")
    span = 2 * n + 31  # weekends and the longest holidays fit easily
    while True:
        calendar = WorkCalendar.load(session, start, start + dt.timedelta(days=span))
        try:
            return calendar.add_working_days(start, n)
        except CalendarRangeError:
            if span >= _MAX_SPAN_DAYS:
                raise
            span = min(span * 2, _MAX_SPAN_DAYS)
