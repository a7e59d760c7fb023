"""Chinese working days, worked out in memory: the pure domain module of the working-day calendar.

A day is a working day by this rule, first match wins:

1. a stored row (a staff correction, or a day copied from the package) says what it is;
2. in a year the package ``chinese-calendar`` covers, the package says so (holidays, 调休 make-up
   working days);
3. otherwise Monday to Friday are working days and the weekend is not.

Staff rows win over package rows because a day has one stored row at most and the services never
let a package load overwrite a staff row. Nothing here is cached between calls of the portal: a
``WorkCalendar`` holds what one query read, for the one batch that loaded it.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate

from chinese_calendar import constants as _package

PACKAGE = "chinese-calendar"
PACKAGE_VERSION = importlib.metadata.version(PACKAGE)
STAFF, PACKAGE_SOURCE = "staff", "package"
SOURCES = (STAFF, PACKAGE_SOURCE)
NAME_MAX = 80
MAKE_UP = "调休上班"
# The package shortens three names; the State Council notices print them in full.
_OFFICIAL_NAMES = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}
_ONE_DAY = dt.timedelta(days=1)


class CalendarRangeError(ValueError):
    """A day outside the range a WorkCalendar was loaded for (a caller loaded too little)."""


@dataclass(frozen=True)
class DayRule:
    """What one source says of one day: a working day or not, and its name (国庆节, 调休上班（春节）)."""

    day: dt.date
    is_workday: bool
    name: str
    source: str  # "staff" | "package"


def _chinese_name(english: str) -> str:
    try:
        name = _package.Holiday(english).chinese
    except ValueError:  # a name the package's enumeration does not list: keep what it says
        return english
    return _OFFICIAL_NAMES.get(name, name)


def _package_rules() -> dict[dt.date, DayRule]:
    rules = {day: DayRule(day, False, _chinese_name(name), PACKAGE_SOURCE) for day, name in _package.holidays.items()}
    for day, name in _package.workdays.items():
        rules[day] = DayRule(day, True, f"{MAKE_UP}（{_chinese_name(name)}）", PACKAGE_SOURCE)
    return rules


# The package's own data, read once: it is part of the installed code, not of the database, so every
# process of one deployment holds the same and no edit can make it stale.
_PACKAGE_RULES = _package_rules()
PACKAGE_FIRST_YEAR = min(day.year for day in _package.holidays)
PACKAGE_LAST_YEAR = max(day.year for day in _package.holidays)


def package_years() -> range:
    """The years the installed chinese-calendar covers."""
    return range(PACKAGE_FIRST_YEAR, PACKAGE_LAST_YEAR + 1)


def package_covers(year: int) -> bool:
    """True when the installed chinese-calendar knows the holidays of year."""
    return PACKAGE_FIRST_YEAR <= year <= PACKAGE_LAST_YEAR


def package_rule(day: dt.date) -> DayRule | None:
    """What the package says of day: a holiday or a make-up working day; None for an ordinary day."""
    return _PACKAGE_RULES.get(day)


def package_days(year: int) -> list[DayRule]:
    """The package's holidays and make-up working days of year, in date order (empty if not covered)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return sorted((rule for day, rule in _PACKAGE_RULES.items() if first <= day <= last), key=lambda r: r.day)


def check_date(value, what: str = "day") -> dt.date:
    """value if it is a date; a datetime is refused (pass the local date, not a UTC time)."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"{what} must be a date (a local calendar day), not {value!r}")
    return value


class WorkCalendar:
    """The working days of the range first..last, from stored rows read once; every method is in memory.

    Load it once for a batch (``WorkCalendar.load(session, first, last)``, one query) and ask it as
    often as needed. A day outside the range raises CalendarRangeError rather than guessing.
    """

    def __init__(self, first: dt.date, last: dt.date, rows: Iterable[DayRule] = ()) -> None:
        self.first, self.last = check_date(first, "first"), check_date(last, "last")
        if last < first:
            raise ValueError(f"the range {first}..{last} is empty")
        self._stored: dict[dt.date, DayRule] = {row.day: row for row in rows if first <= row.day <= last}
        size = (last - first).days + 1
        self._workday = [self._by_rule(first + dt.timedelta(days=i)) for i in range(size)]
        # _through[i]: the number of working days from first to first + i, both included.
        self._through = list(accumulate(int(w) for w in self._workday))

    @classmethod
    def load(cls, session, first: dt.date, last: dt.date) -> WorkCalendar:
        """The calendar of first..last with the stored rows of that range, read in one query."""
        from portal.workdays.queries import stored_rules  # the one method that reads the database

        return cls(first, last, stored_rules(session, first, last))

    # --- single days ----------------------------------------------------------------------------

    def rule(self, day: dt.date) -> DayRule | None:
        """The stored or package rule for day; None when Monday to Friday applies."""
        stored = self._stored.get(day)
        if stored is not None:
            return stored
        return package_rule(day) if package_covers(day.year) else None

    def is_stored(self, day: dt.date) -> bool:
        """True when the day's rule comes from a stored row (staff, or copied from the package)."""
        return day in self._stored

    def _by_rule(self, day: dt.date) -> bool:
        rule = self.rule(day)
        return rule.is_workday if rule is not None else day.weekday() < 5

    def _index(self, day: dt.date) -> int:
        index = (check_date(day) - self.first).days
        if not 0 <= index < len(self._workday):
            raise CalendarRangeError(f"{day} is outside the loaded range {self.first}..{self.last}")
        return index

    def is_workday(self, day: dt.date) -> bool:
        """True when people work on day."""
        return self._workday[self._index(day)]

    def special_days(self) -> list[DayRule]:
        """Every day of the range with a rule (stored or from the package), in date order."""
        days = set(self._stored)
        days.update(d for d in _PACKAGE_RULES if self.first <= d <= self.last and package_covers(d.year))
        return [rule for day in sorted(days) if (rule := self.rule(day)) is not None]

    # --- counting -------------------------------------------------------------------------------

    def _count_through(self, day: dt.date) -> int:
        if check_date(day) == self.first - _ONE_DAY:
            return 0
        return self._through[self._index(day)]

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """The number of working days d with start < d <= end; 0 when end <= start."""
        if check_date(end, "end") <= check_date(start, "start"):
            return 0
        return self._count_through(end) - self._count_through(start)

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after start (start itself for n = 0): the deadline of "n working days"."""
        if n < 0:
            raise ValueError(f"n must be 0 or more, not {n}")
        if n == 0:
            return check_date(start, "start")
        target = self._count_through(start) + n
        index = bisect_left(self._through, target)
        if index >= len(self._through):
            raise CalendarRangeError(f"{n} working days after {start} fall beyond {self.last}")
        return self.first + dt.timedelta(days=index)
