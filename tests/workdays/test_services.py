"""Working-day calendar services: loading the package, staff corrections, audit, refusals, counting."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from portal.core.actors import system
from portal.core.audit import AuditEntry
from portal.core.uow import unit_of_work
from portal.errors import DomainError, Forbidden
from portal.workdays import services
from portal.workdays.calendar import package_days
from portal.workdays.models import CalendarDay
from portal.workdays.services import WorkCalendar
from tests.factories import make_member, make_user

pytestmark = pytest.mark.db

D = dt.date
CLI = system("test:calendar")


def _rows(session) -> dict[dt.date, tuple[bool, str, str]]:
    session.expire_all()
    return {r.day: (r.is_workday, r.name, r.source) for r in session.scalars(select(CalendarDay))}


def _audit_actions(session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_loading_copies_the_packages_days_and_a_second_load_changes_nothing(app, session):
    expected = package_days(2024)
    assert services.load_from_package(session, [2024], actor=CLI) == len(expected) > 20
    rows = _rows(session)
    assert rows == {r.day: (r.is_workday, r.name, "package") for r in expected}
    assert rows[D(2024, 10, 1)] == (False, "国庆节", "package")
    assert rows[D(2024, 10, 12)] == (True, "调休上班（国庆节）", "package")
    assert services.load_from_package(session, [2024], actor=CLI) == 0
    assert _rows(session) == rows
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "calendar.load_package")).all()
    assert len(entries) == 1 and entries[0].after["added"] == len(expected)
    assert entries[0].actor_label == "system:test:calendar"


def test_loading_every_package_year_by_default(app, session):
    written = services.load_from_package(session, actor=CLI)
    assert written == session.scalar(select(func.count()).select_from(CalendarDay)) > 500
    assert {d.year for d in _rows(session)} == set(range(2004, 2027))


def test_a_year_the_package_does_not_know_is_refused_with_its_name(app, session):
    with pytest.raises(DomainError, match="2099") as raised:
        services.load_from_package(session, [2024, 2099], actor=CLI)
    assert "chinese-calendar" in raised.value.message
    assert _rows(session) == {}


def test_a_staff_row_wins_and_survives_a_reload(app, session):
    staff = make_user(session, "staff")
    services.load_from_package(session, [2024], actor=CLI)
    services.set_day(session, staff, D(2024, 10, 7), True, "调休上班（测试）")
    services.set_day(session, staff, D(2024, 11, 4), False, "协会休息日")  # no package row for it
    assert services.load_from_package(session, [2024], actor=CLI) == 0
    rows = _rows(session)
    assert rows[D(2024, 10, 7)] == (True, "调休上班（测试）", "staff")
    assert rows[D(2024, 11, 4)] == (False, "协会休息日", "staff")
    calendar = WorkCalendar.load(session, D(2024, 9, 1), D(2024, 11, 30))
    assert calendar.is_workday(D(2024, 10, 7)) and not calendar.is_workday(D(2024, 11, 4))


def test_a_staff_day_set_before_any_load_is_not_overwritten_by_the_load(app, session):
    staff = make_user(session, "staff")
    services.set_day(session, staff, D(2024, 10, 1), True, "改为上班")
    services.load_from_package(session, [2024], actor=CLI)
    assert _rows(session)[D(2024, 10, 1)] == (True, "改为上班", "staff")


def test_a_load_brings_stale_package_rows_in_line_and_leaves_staff_rows(app, session):
    services.load_from_package(session, [2024], actor=CLI)
    session.get(CalendarDay, D(2024, 10, 1)).name = "旧名称"
    session.add(CalendarDay(day=D(2024, 3, 4), is_workday=False, name="包里已没有", source="package"))
    session.add(CalendarDay(day=D(2024, 3, 5), is_workday=False, name="协会的", source="staff"))
    session.flush()
    assert services.load_from_package(session, [2024], actor=CLI) == 2
    rows = _rows(session)
    assert rows[D(2024, 10, 1)] == (False, "国庆节", "package")
    assert D(2024, 3, 4) not in rows
    assert rows[D(2024, 3, 5)] == (False, "协会的", "staff")


def test_clear_day_goes_back_to_the_package_or_to_monday_to_friday(app, session):
    staff = make_user(session, "staff")
    services.load_from_package(session, [2024], actor=CLI)
    services.set_day(session, staff, D(2024, 10, 1), True, "改为上班")
    services.set_day(session, staff, D(2024, 11, 4), False, "协会休息日")
    assert services.clear_day(session, staff, D(2024, 10, 1)).name == "国庆节"
    assert services.clear_day(session, staff, D(2024, 11, 4)) is None
    rows = _rows(session)
    assert rows[D(2024, 10, 1)] == (False, "国庆节", "package")
    assert D(2024, 11, 4) not in rows
    calendar = WorkCalendar.load(session, D(2024, 9, 1), D(2024, 11, 30))
    assert not calendar.is_workday(D(2024, 10, 1)) and calendar.is_workday(D(2024, 11, 4))


def test_clear_day_refuses_a_day_without_a_staff_correction(app, session):
    staff = make_user(session, "staff")
    services.load_from_package(session, [2024], actor=CLI)
    before = _rows(session)
    with pytest.raises(DomainError, match="2024-10-01 没有协会更正"):
        services.clear_day(session, staff, D(2024, 10, 1))
    with pytest.raises(DomainError, match="没有协会更正"):
        services.clear_day(session, staff, D(2027, 3, 1))
    assert _rows(session) == before


def test_corrections_write_the_audit_log_with_before_and_after(app, session):
    staff = make_user(session, "staff")
    services.set_day(session, staff, D(2024, 10, 1), True, "改为上班")
    services.clear_day(session, staff, D(2024, 10, 1))
    entries = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "calendar_day")).all()
    assert [e.action for e in entries] == ["calendar.set_day", "calendar.clear_day"]
    assert {e.object_id for e in entries} == {"2024-10-01"}
    assert entries[0].before == {"is_workday": False, "name": "国庆节", "source": "package"}
    assert entries[0].after == {"is_workday": True, "name": "改为上班", "source": "staff"}
    assert entries[1].before == entries[0].after and entries[1].after == entries[0].before
    assert entries[0].actor_label == staff.email


@pytest.mark.parametrize("role", ["observer", "reviewer", "member_admin", "member_editor"])
def test_a_non_staff_actor_is_refused_and_nothing_changes(app, session, role):
    staff = make_user(session, "staff")
    services.set_day(session, staff, D(2024, 11, 4), False, "协会休息日")
    user = make_member(session, role=role)[1] if role.startswith("member") else make_user(session, role)
    rows, actions = _rows(session), _audit_actions(session)
    with pytest.raises(Forbidden):
        services.set_day(session, user, D(2024, 10, 1), True, "改为上班")
    with pytest.raises(Forbidden):
        services.clear_day(session, user, D(2024, 11, 4))
    with pytest.raises(Forbidden):
        services.load_from_package(session, [2024], actor=user)
    assert _rows(session) == rows
    assert _audit_actions(session) == actions


def test_a_plain_string_is_not_an_actor(app, session):
    with pytest.raises(TypeError):
        services.load_from_package(session, [2024], actor="cli")
    with pytest.raises(TypeError):
        services.set_day(session, "staff", D(2024, 10, 1), True, "改为上班")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (services.DayInput("2026-02-30", "restday", "测试"), "day", "没有这一天"),
        (services.DayInput("明天", "restday", "测试"), "day", "日期格式"),
        (services.DayInput("", "restday", "测试"), "day", "请填写日期"),
        (services.DayInput("2026-10-09", "", "测试"), "kind", "工作日还是休息日"),
        (services.DayInput("2026-10-09", "sometimes", "测试"), "kind", "工作日还是休息日"),
        (services.DayInput("2026-10-09", "restday", "  "), "name", "请填写这一天的名称"),
        (services.DayInput("2026-10-09", "restday", "长" * 81), "name", "最多 80 个字"),
    ],
)
def test_validate_day_names_the_wrong_field_in_chinese(data, field, message):
    with pytest.raises(DomainError) as raised:
        services.validate_day(data)
    assert message in raised.value.fields[field]


def test_validate_day_accepts_chinese_labels_and_date_spellings():
    assert services.validate_day(services.DayInput("2026年10月9日", "休息日", " 国庆节 ")) == (
        D(2026, 10, 9),
        False,
        "国庆节",
    )
    assert services.validate_day(services.DayInput("2026/9/20", "workday", "调休上班"))[:2] == (D(2026, 9, 20), True)


def test_set_day_refuses_an_empty_name_and_changes_nothing(app, session):
    staff = make_user(session, "staff")
    with pytest.raises(DomainError) as raised:
        services.set_day(session, staff, D(2026, 10, 9), False, "")
    assert "name" in raised.value.fields
    assert _rows(session) == {}
    assert "calendar.set_day" not in _audit_actions(session)


def test_the_convenience_functions_count_with_the_stored_corrections(app, session):
    staff = make_user(session, "staff")
    # 2027 is beyond the package: Monday to Friday, plus what staff enter
    assert services.working_days_between(session, D(2027, 2, 26), D(2027, 3, 2)) == 2
    services.set_day(session, staff, D(2027, 3, 1), False, "协会休息日")
    assert services.working_days_between(session, D(2027, 2, 26), D(2027, 3, 2)) == 1
    assert services.add_working_days(session, D(2027, 2, 26), 1) == D(2027, 3, 2)
    assert services.working_days_between(session, D(2027, 3, 2), D(2027, 2, 26)) == 0
    assert services.add_working_days(session, D(2027, 2, 26), 0) == D(2027, 2, 26)


def test_add_working_days_looks_further_when_a_long_stretch_is_off(app, session):
    staff = make_user(session, "staff")
    start = D(2027, 6, 1)  # a Tuesday
    for i in range(1, 61):
        services.set_day(session, staff, start + dt.timedelta(days=i), False, "长假（测试）")
    result = services.add_working_days(session, start, 3)
    assert result > start + dt.timedelta(days=60)
    assert services.working_days_between(session, start, result) == 3
    assert WorkCalendar.load(session, start, result).is_workday(result)


def test_an_edit_committed_elsewhere_counts_at_once_in_a_session_that_counted_before(app, session):
    """No process-level cache: a long-running worker answers what a fresh one would."""
    assert services.working_days_between(session, D(2027, 2, 26), D(2027, 3, 2)) == 2
    session.rollback()  # the worker's request ends
    with unit_of_work() as other:
        staff = make_user(other, "staff")
        services.set_day(other, staff, D(2027, 3, 1), False, "协会休息日")
    assert services.working_days_between(session, D(2027, 2, 26), D(2027, 3, 2)) == 1


def test_the_cli_loads_and_shows_a_year(app, runner, session):
    first = runner.invoke(args=["calendar", "load", "--year", "2024"])
    assert first.exit_code == 0, first.output
    assert f"loaded {len(package_days(2024))} days" in first.output
    again = runner.invoke(args=["calendar", "load", "--year", "2024"])
    assert "loaded 0 days (already up to date)" in again.output
    shown = runner.invoke(args=["calendar", "show", "--year", "2024"])
    assert shown.exit_code == 0, shown.output
    assert "2024-10-01  休息日  国庆节  [chinese-calendar]" in shown.output
    assert "2024-10-12  工作日  调休上班（国庆节）" in shown.output
    refused = runner.invoke(args=["calendar", "load", "--year", "2099"])
    assert refused.exit_code != 0 and "2099" in refused.output
    assert {d.year for d in _rows(session)} == {2024}
