"""The staff review queue: what awaits a decision by default, searchable; a decided application shows its decision."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_application, make_user
from tests.members.helpers import text_of

pytestmark = pytest.mark.db


@pytest.fixture
def queue(session):
    waiting, _ = make_application(session)
    waiting.enterprise.name = "泉城待审回收有限公司"
    asked, _ = make_application(session, state="info_requested")
    done, _ = make_application(session, state="approved")
    staff = make_user(session, "staff", name="王审核")
    reviewer = make_user(session, "reviewer", name="李专家")
    session.commit()
    return {"waiting": waiting, "asked": asked, "done": done, "staff": staff, "reviewer": reviewer}


def test_the_queue_defaults_to_what_awaits_a_decision(client, login, queue):
    login(queue["staff"].email, PASSWORD)
    page = text_of(client.get("/staff/applications"))
    assert queue["waiting"].enterprise.name in page
    assert queue["asked"].enterprise.name not in page and queue["done"].enterprise.name not in page
    every = text_of(client.get("/staff/applications?state=all"))
    assert all(queue[k].enterprise.name in every for k in ("waiting", "asked", "done"))


def test_the_queue_is_searched_by_name_and_credit_code(client, login, queue):
    login(queue["staff"].email, PASSWORD)
    by_name = text_of(client.get("/staff/applications?state=all&q=泉城待审"))
    assert queue["waiting"].enterprise.name in by_name and queue["done"].enterprise.name not in by_name
    code = queue["done"].enterprise.credit_code
    by_code = text_of(client.get(f"/staff/applications?state=all&q={code.lower()}"))
    assert queue["done"].enterprise.name in by_code and queue["waiting"].enterprise.name not in by_code
    assert "没有符合条件的申请" in text_of(client.get("/staff/applications?q=不存在的单位"))


def test_an_unknown_state_gets_a_chinese_error(client, login, queue):
    login(queue["staff"].email, PASSWORD)
    response = client.get("/staff/applications?state=bogus")
    assert response.status_code == 422
    assert "没有这个申请状态" in text_of(response)


def test_after_a_decision_the_page_shows_it_and_offers_no_assignment(client, login, queue):
    login(queue["staff"].email, PASSWORD)
    app_id = queue["waiting"].id
    before = client.get(f"/staff/applications/{app_id}").get_data(as_text=True)
    assert f"/staff/applications/{app_id}/assign" in before
    decided = client.post(
        f"/staff/applications/{app_id}/decide", data={"action": "reject", "reason": "材料不全"}, follow_redirects=True
    )
    html = decided.get_data(as_text=True)
    assert "审核结果：未通过" in text_of(decided) and "王审核" in text_of(decided)
    assert f"/staff/applications/{app_id}/assign" not in html
    assert f"/staff/applications/{app_id}/decide" not in html


def test_a_member_and_anonymous_are_refused_the_queue(client, session, login, queue):
    assert client.get("/staff/applications").status_code in (302, 401)
    _, applicant = make_application(session)
    session.commit()
    login(applicant.email, PASSWORD)
    assert client.get("/staff/applications?q=泉城").status_code == 403
