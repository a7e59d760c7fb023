"""The staff calendar page: staff edit, observers read, members and the public are refused; bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.core.actors import system
from portal.core.audit import AuditEntry
from portal.workdays import services
from portal.workdays.models import CalendarDay
from tests.factories import make_member, make_user

pytestmark = pytest.mark.db

D = dt.date
SET = {"day": "2024-10-08", "kind": "restday", "name": "协会休息日", "year": "2024"}


def _state(session) -> tuple[dict, list]:
    session.rollback()
    session.expire_all()
    rows = {r.day: (r.is_workday, r.name, r.source) for r in session.scalars(select(CalendarDay))}
    actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    return rows, actions


@pytest.fixture
def loaded(app, session):
    """2024 loaded from the package, one staff correction (2024-11-04 off), committed."""
    staff = make_user(session, "staff")
    services.load_from_package(session, [2024], actor=system("test"))
    services.set_day(session, staff, D(2024, 11, 4), False, "协会年会")
    session.commit()
    return staff


def test_staff_see_the_year_with_sources(client, login, loaded):
    login(loaded.email)
    page = client.get("/staff/calendar?year=2024")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "国庆节" in text and "2024-10-12" in text and "调休上班（国庆节）" in text
    assert "协会年会" in text and "协会更正" in text and "撤销更正" in text
    assert "从 chinese-calendar 载入本年" in text and "设置某一天" in text
    assert 'href="/staff/calendar"' in client.get("/staff").get_data(as_text=True)  # in the work-bench menu


def test_staff_set_a_day_then_remove_the_correction(client, session, login, loaded):
    login(loaded.email)
    response = client.post("/staff/calendar/days", data=SET)
    assert response.status_code == 302 and "year=2024" in response.headers["Location"]
    rows, actions = _state(session)
    assert rows[D(2024, 10, 8)] == (False, "协会休息日", "staff")
    assert actions[-1] == "calendar.set_day"
    assert "已保存" in client.get(response.headers["Location"]).get_data(as_text=True)

    response = client.post("/staff/calendar/days/2024-10-08/clear", data={"year": "2024"})
    assert response.status_code == 302
    rows, actions = _state(session)
    assert D(2024, 10, 8) not in rows  # an ordinary Tuesday again
    assert actions[-1] == "calendar.clear_day"


def test_removing_a_correction_of_a_package_day_restores_the_package(client, session, login, loaded):
    login(loaded.email)
    client.post("/staff/calendar/days", data={**SET, "day": "2024-10-01", "kind": "workday", "name": "改为上班"})
    assert _state(session)[0][D(2024, 10, 1)] == (True, "改为上班", "staff")
    client.post("/staff/calendar/days/2024-10-01/clear")
    assert _state(session)[0][D(2024, 10, 1)] == (False, "国庆节", "package")


def test_staff_load_a_year_from_the_package(client, session, login, app):
    staff = make_user(session, "staff")
    session.commit()
    login(staff.email)
    page = client.get("/staff/calendar?year=2026").get_data(as_text=True)
    assert "未载入" in page  # the package's days count before they are loaded
    response = client.post("/staff/calendar/load", data={"year": "2026"}, follow_redirects=True)
    rows, actions = _state(session)
    assert rows[D(2026, 1, 1)] == (False, "元旦", "package")
    assert actions == ["calendar.load_package"]
    assert f"载入 2026 年的 {len(rows)} 天" in response.get_data(as_text=True)
    again = client.post("/staff/calendar/load", data={"year": "2026"}, follow_redirects=True)
    assert "没有需要载入的日子" in again.get_data(as_text=True)
    assert _state(session) == (rows, actions)


def test_loading_a_year_the_package_does_not_know_says_so(client, session, login, loaded):
    login(loaded.email)
    before = _state(session)
    response = client.post("/staff/calendar/load", data={"year": "2099"}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "没有 2099 年的节假日安排" in text
    assert "未录入的日子按周一至周五上班计算" in text  # the page of 2099 explains the rule
    assert _state(session) == before


def test_clearing_a_day_without_a_correction_is_refused_with_a_message(client, session, login, loaded):
    login(loaded.email)
    before = _state(session)
    response = client.post("/staff/calendar/days/2024-10-01/clear", follow_redirects=True)
    assert "2024-10-01 没有协会更正" in response.get_data(as_text=True)
    assert _state(session) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**SET, "day": "2026-02-30"}, "没有这一天"),
        ({**SET, "day": "十月八日"}, "日期格式应为"),
        ({**SET, "day": ""}, "请填写日期"),
        ({**SET, "name": ""}, "请填写这一天的名称"),
        ({**SET, "kind": "maybe"}, "请选择这一天是工作日还是休息日"),
    ],
)
def test_bad_input_is_answered_422_with_a_chinese_message_and_changes_nothing(
    client, session, login, loaded, data, message
):
    login(loaded.email)
    before = _state(session)
    response = client.post("/staff/calendar/days", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _state(session) == before


def test_a_bad_year_is_answered_422_with_a_message(client, login, loaded):
    login(loaded.email)
    for year in ("abc", "1800", "２０２６x"):
        response = client.get("/staff/calendar", query_string={"year": year})
        assert response.status_code == 422
        assert "年份应为 1990 到 2100 之间的四位数字" in response.get_data(as_text=True)


def test_observers_read_the_calendar_but_cannot_change_it(client, session, login, loaded):
    observer = make_user(session, "observer")
    session.commit()
    before = _state(session)
    login(observer.email)
    page = client.get("/staff/calendar?year=2024")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "国庆节" in text and "协会年会" in text
    assert "设置某一天" not in text and "撤销更正" not in text and "载入本年" not in text
    assert client.post("/staff/calendar/days", data=SET).status_code == 403
    assert client.post("/staff/calendar/days/2024-11-04/clear").status_code == 403
    assert client.post("/staff/calendar/load", data={"year": "2024"}).status_code == 403
    assert _state(session) == before


@pytest.mark.parametrize("role", ["member_admin", "member_editor", "reviewer"])
def test_members_and_reviewers_are_refused(client, session, login, loaded, role):
    user = make_member(session, role=role)[1] if role.startswith("member") else make_user(session, role)
    session.commit()
    before = _state(session)
    login(user.email)
    assert client.get("/staff/calendar").status_code == 403
    assert client.post("/staff/calendar/days", data=SET).status_code == 403
    assert client.post("/staff/calendar/days/2024-11-04/clear").status_code == 403
    assert client.post("/staff/calendar/load", data={"year": "2024"}).status_code == 403
    assert _state(session) == before


def test_the_public_is_sent_to_login_and_nothing_changes(client, session, loaded):
    before = _state(session)
    for response in (
        client.get("/staff/calendar?year=2024"),
        client.post("/staff/calendar/days", data=SET),
        client.post("/staff/calendar/days/2024-11-04/clear"),
        client.post("/staff/calendar/load", data={"year": "2024"}),
    ):
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _state(session) == before
