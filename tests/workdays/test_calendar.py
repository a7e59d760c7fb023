"""The pure WorkCalendar against known facts of the State Council's holiday notices."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.workdays.calendar import (
    PACKAGE_FIRST_YEAR,
    PACKAGE_LAST_YEAR,
    CalendarRangeError,
    DayRule,
    WorkCalendar,
    package_covers,
    package_days,
)

D = dt.date
AUTUMN_2024 = WorkCalendar(D(2024, 9, 1), D(2024, 10, 31))


def test_national_day_2024_is_a_week_of_holidays_named_in_chinese():
    for day in range(1, 8):
        assert not AUTUMN_2024.is_workday(D(2024, 10, day))
        assert AUTUMN_2024.rule(D(2024, 10, day)).name == "国庆节"
    assert AUTUMN_2024.is_workday(D(2024, 10, 8))


def test_the_make_up_working_days_of_national_day_2024_are_a_sunday_and_a_saturday():
    sunday, saturday = D(2024, 9, 29), D(2024, 10, 12)
    assert (sunday.weekday(), saturday.weekday()) == (6, 5)
    assert AUTUMN_2024.is_workday(sunday) and AUTUMN_2024.is_workday(saturday)
    assert AUTUMN_2024.rule(saturday).name == "调休上班（国庆节）"
    assert not AUTUMN_2024.is_workday(D(2024, 9, 28))  # the Saturday before stays a day off
    assert AUTUMN_2024.rule(D(2024, 9, 28)) is None


def test_new_years_day_2026_is_a_holiday():
    calendar = WorkCalendar(D(2025, 12, 29), D(2026, 1, 9))
    assert D(2026, 1, 1).weekday() == 3  # a Thursday
    assert not calendar.is_workday(D(2026, 1, 1))
    assert calendar.rule(D(2026, 1, 1)).name == "元旦"
    assert calendar.is_workday(D(2025, 12, 31))


def test_counting_across_the_national_day_week():
    # Fri 27 Sep to Mon 14 Oct 2024: 29 and 30 Sep, 8-12 Oct (the 12th a Saturday), 14 Oct.
    assert AUTUMN_2024.working_days_between(D(2024, 9, 27), D(2024, 10, 14)) == 8
    # start is not counted, end is
    assert AUTUMN_2024.working_days_between(D(2024, 9, 29), D(2024, 9, 30)) == 1
    assert AUTUMN_2024.working_days_between(D(2024, 9, 30), D(2024, 10, 7)) == 0
    assert AUTUMN_2024.working_days_between(D(2024, 9, 30), D(2024, 10, 8)) == 1


def test_end_on_or_before_start_counts_nothing():
    assert AUTUMN_2024.working_days_between(D(2024, 10, 10), D(2024, 10, 10)) == 0
    assert AUTUMN_2024.working_days_between(D(2024, 10, 14), D(2024, 9, 27)) == 0


def test_add_working_days_skips_the_holiday_week():
    assert AUTUMN_2024.add_working_days(D(2024, 9, 30), 1) == D(2024, 10, 8)
    assert AUTUMN_2024.add_working_days(D(2024, 9, 27), 1) == D(2024, 9, 29)  # a make-up Sunday
    assert AUTUMN_2024.add_working_days(D(2024, 9, 30), 5) == D(2024, 10, 12)  # a make-up Saturday
    assert AUTUMN_2024.add_working_days(D(2024, 9, 30), 6) == D(2024, 10, 14)
    assert AUTUMN_2024.add_working_days(D(2024, 10, 3), 0) == D(2024, 10, 3)
    with pytest.raises(ValueError, match="0 or more"):
        AUTUMN_2024.add_working_days(D(2024, 10, 3), -1)


def test_a_year_the_package_does_not_cover_counts_monday_to_friday():
    assert not package_covers(2099) and package_days(2099) == []
    calendar = WorkCalendar(D(2098, 12, 1), D(2099, 12, 31))
    assert D(2099, 1, 1).weekday() == 3 and calendar.is_workday(D(2099, 1, 1))  # no New Year's Day known
    assert calendar.rule(D(2099, 1, 1)) is None
    assert not calendar.is_workday(D(2099, 1, 3))  # a Saturday
    # Thu 1 and Fri 2 January, then Mon 5 to Wed 7.
    assert calendar.working_days_between(D(2098, 12, 31), D(2099, 1, 7)) == 5
    weekdays_2099 = sum(1 for i in range(365) if (D(2099, 1, 1) + dt.timedelta(days=i)).weekday() < 5)
    assert calendar.working_days_between(D(2098, 12, 31), D(2099, 12, 31)) == weekdays_2099 == 261


def test_a_staff_row_wins_over_the_package():
    rows = [
        DayRule(D(2024, 10, 8), False, "临时放假", "staff"),
        DayRule(D(2024, 10, 7), True, "改为上班", "staff"),
    ]
    calendar = WorkCalendar(D(2024, 9, 1), D(2024, 10, 31), rows)
    assert calendar.is_workday(D(2024, 10, 7)) and not calendar.is_workday(D(2024, 10, 8))
    assert calendar.rule(D(2024, 10, 8)).source == "staff" and calendar.is_stored(D(2024, 10, 8))
    assert calendar.working_days_between(D(2024, 9, 27), D(2024, 10, 14)) == 8  # one day moved
    assert calendar.add_working_days(D(2024, 9, 30), 1) == D(2024, 10, 7)


def test_special_days_list_the_package_and_the_stored_days_in_order():
    rows = [DayRule(D(2024, 10, 21), False, "协会休息日", "staff")]
    days = WorkCalendar(D(2024, 9, 1), D(2024, 10, 31), rows).special_days()
    assert [d.day for d in days] == sorted(d.day for d in days)
    assert D(2024, 10, 21) in [d.day for d in days]
    assert {D(2024, 9, 29), D(2024, 10, 1), D(2024, 10, 12)} <= {d.day for d in days}


def test_days_outside_the_loaded_range_are_refused_not_guessed():
    with pytest.raises(CalendarRangeError):
        AUTUMN_2024.is_workday(D(2024, 11, 1))
    with pytest.raises(CalendarRangeError):
        AUTUMN_2024.working_days_between(D(2024, 10, 1), D(2024, 11, 5))
    with pytest.raises(CalendarRangeError):
        AUTUMN_2024.add_working_days(D(2024, 10, 25), 10)
    # the day before the range may be a start: it is not counted
    assert AUTUMN_2024.working_days_between(D(2024, 8, 31), D(2024, 9, 2)) == 1


def test_a_datetime_is_refused():
    with pytest.raises(TypeError, match="local calendar day"):
        AUTUMN_2024.is_workday(dt.datetime(2024, 10, 8, 9, 0))


def test_the_calendar_agrees_with_the_package_on_every_day_it_covers():
    first, last = D(PACKAGE_FIRST_YEAR, 1, 1), D(PACKAGE_LAST_YEAR, 12, 31)
    calendar = WorkCalendar(first, last)
    differing = [
        first + dt.timedelta(days=i)
        for i in range((last - first).days + 1)
        if calendar.is_workday(first + dt.timedelta(days=i))
        != chinese_calendar.is_workday(first + dt.timedelta(days=i))
    ]
    assert differing == []


YEAR_RANGE = WorkCalendar(D(2023, 1, 1), D(2027, 12, 31))


@given(
    start=st.dates(min_value=D(2023, 1, 1), max_value=D(2026, 6, 30)),
    n=st.integers(min_value=1, max_value=120),
)
def test_adding_then_counting_gives_back_n_and_lands_on_a_working_day(start, n):
    end = YEAR_RANGE.add_working_days(start, n)
    assert YEAR_RANGE.is_workday(end)
    assert YEAR_RANGE.working_days_between(start, end) == n
    assert YEAR_RANGE.working_days_between(start, end - dt.timedelta(days=1)) == n - 1


@given(
    start=st.dates(min_value=D(2023, 1, 1), max_value=D(2027, 12, 31)),
    end=st.dates(min_value=D(2023, 1, 1), max_value=D(2027, 12, 31)),
)
def test_counting_is_the_number_of_working_days_after_start_up_to_end(start, end):
    expected = sum(1 for i in range(1, (end - start).days + 1) if YEAR_RANGE.is_workday(start + dt.timedelta(days=i)))
    assert YEAR_RANGE.working_days_between(start, end) == expected
