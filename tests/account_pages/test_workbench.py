"""The staff work-bench: counts of the work waiting, each leading to a list of exactly those records."""

from __future__ import annotations

import re

import pytest

from portal.campaigns import rectifications
from portal.campaigns import services as campaign_services
from portal.members import enterprises
from portal.members.workbench import workbench
from tests.campaigns.helpers import inspection_input
from tests.factories import (
    PASSWORD,
    PDF,
    checked_upload,
    make_application,
    make_campaign,
    make_consultation,
    make_event,
    make_member,
    make_outlet,
    make_user,
)
from tests.members.helpers import text_of

pytestmark = pytest.mark.db


@pytest.fixture
def waiting(session, at):
    """One record of each kind of waiting work, and near misses that must not be counted (on Wed 2026-06-10)."""
    at("2026-06-01 09:00")
    staff = make_user(session, "staff", name="王工作台")
    past_event = make_event(
        session, staff, title="上周一的安全培训", starts_at="2026-06-08 09:00", ends_at="2026-06-08 12:00"
    )
    past_round = make_consultation(session, staff, title="已截止的贮存规范", deadline="2026-06-05")
    at("2026-06-10 09:00")
    w = {"staff": staff, "past_event": past_event, "past_round": past_round}
    w["submitted"], _ = make_application(session)
    w["submitted"].enterprise.name = "待审入会回收有限公司"
    for state, name in (("approved", "已批准入会有限公司"), ("rejected", "未通过入会有限公司")):
        application, _ = make_application(session, state=state)
        application.enterprise.name = name
        w[state] = application
    a, a_admin = make_member(session, name="甲网点运营有限公司", city="370600")
    b, b_admin = make_member(session, name="乙网点运营有限公司", city="370600")
    w.update(a=a, a_admin=a_admin, b=b)

    def outlet(name, **kw):
        return make_outlet(session, staff, name=name, operator=a.name, operator_credit_code=a.credit_code, **kw)

    w["pending"] = outlet("甲待核查网点")
    w["verified"] = outlet("甲已核查合规网点")
    w["answered"] = outlet("甲整改已答复网点")
    w["open_rect"] = outlet("甲整改未答复网点")
    w["jinan_ok"] = outlet("甲济南合规网点", city="济南", status="合规")
    w["closed_campaign"] = make_campaign(
        session, staff, name="2025年已结束核查", starts_on="2025-01-01", ends_on="2025-12-31"
    )
    w["future_campaign"] = make_campaign(
        session, staff, name="下月开始的核查", starts_on="2026-07-01", ends_on="2026-08-31"
    )
    w["campaign"] = campaign = make_campaign(session, staff, name="2026年烟台全面核查")
    record = campaign_services.record_inspection
    record(session, staff, campaign.id, w["verified"].id, inspection_input())
    rect = inspection_input(result="rectification", deadline="2026-07-01", sign="not_met")
    answered = record(session, staff, campaign.id, w["answered"].id, rect)
    record(session, staff, campaign.id, w["open_rect"].id, rect)
    rectifications.answer_rectification(
        session, a_admin, answered.id, "已整改完毕。", [checked_upload(PDF, "报告.pdf")]
    )
    enterprises.request_whitelist(session, a_admin, 3, "recycling", checked_upload(PDF, "公告.pdf"), "")
    decided = enterprises.request_whitelist(session, b_admin, 4, "recycling", checked_upload(PDF, "公告.pdf"), "")
    enterprises.decide_whitelist(session, staff, decided.id, False, "批次不符")
    w["closing"] = make_consultation(session, staff, title="三天后截止的贮存规范", deadline="2026-06-13")
    w["later"] = make_consultation(session, staff, title="三十天后截止的拆解规范", deadline="2026-07-10")
    w["this_week"] = make_event(
        session, staff, title="本周五的网点培训", starts_at="2026-06-12 09:00", ends_at="2026-06-12 17:00"
    )
    w["next_week"] = make_event(
        session, staff, title="下周一的网点培训", starts_at="2026-06-15 09:00", ends_at="2026-06-15 17:00"
    )
    w["observer"] = make_user(session, "observer", name="赵观察")
    session.commit()
    return w


def _count(html: str, card: str) -> int:
    match = re.search(rf'id="bench-{card}".*?<p class="big">(\d+)</p>', html, re.S)
    assert match, card
    return int(match.group(1))


def _link(html: str, card: str) -> str:
    block = re.search(rf'id="bench-{card}".*?</article>', html, re.S).group(0)
    return re.findall(r'<a href="([^"]+)">', block)[-1].replace("&amp;", "&")


def test_the_counts_are_the_waiting_records_only(session, waiting):
    bench = workbench(session)
    assert (bench.applications, bench.outlets_pending, bench.rectifications, bench.whitelist) == (1, 1, 1, 1)
    assert (bench.closing_rounds, bench.events_this_week) == (1, 1)
    assert [(c.name, c.in_scope, c.verified, c.percent) for c in bench.campaigns] == [("2026年烟台全面核查", 4, 3, 75)]


EXPECTED = {  # card: (count, what its list shows, what it must not show)
    "applications": (1, ["待审入会回收有限公司"], ["已批准入会有限公司", "未通过入会有限公司"]),
    "outlets": (1, ["甲待核查网点"], ["甲已核查合规网点", "甲整改已答复网点", "甲济南合规网点"]),
    "campaigns": (1, ["2026年烟台全面核查"], ["2025年已结束核查", "下月开始的核查"]),
    "whitelist": (1, ["甲网点运营有限公司"], ["乙网点运营有限公司"]),
    "consultations": (1, ["三天后截止的贮存规范"], ["三十天后截止的拆解规范", "已截止的贮存规范"]),
    "training": (1, ["本周五的网点培训"], ["下周一的网点培训", "上周一的安全培训"]),
}


@pytest.mark.parametrize("role", ["staff", "observer"])
def test_each_count_links_to_a_list_of_exactly_those_records(client, login, waiting, role):
    login(waiting[role].email, PASSWORD)
    html = client.get("/staff").get_data(as_text=True)
    for card, (n, shown, hidden) in EXPECTED.items():
        assert _count(html, card) == n, card
        page = client.get(_link(html, card))
        assert page.status_code == 200, card
        text = text_of(page)
        assert all(s in text for s in shown), card
        assert not any(h in text for h in hidden), card


def test_the_rectification_count_leads_to_the_answers_awaiting_review(client, login, waiting):
    login(waiting["staff"].email, PASSWORD)
    html = client.get("/staff").get_data(as_text=True)
    assert _count(html, "rectifications") == 1
    path, anchor = _link(html, "rectifications").split("#")
    page = client.get(path).get_data(as_text=True)
    panel = re.search(rf'<section class="panel" id="{anchor}">.*?</section>', page, re.S).group(0)
    assert "甲整改已答复网点" in panel and "甲整改未答复网点" not in panel


def test_the_campaign_card_shows_its_progress(client, login, waiting):
    login(waiting["staff"].email, PASSWORD)
    card = text_of(client.get("/staff"))
    assert "2026年烟台全面核查 已核查 3 / 4" in card
    assert "下月开始的核查" not in card and "2025年已结束核查" not in card


def test_nothing_waiting_shows_zeros(client, login, session, at):
    at("2026-06-10 09:00")
    staff = make_user(session, "staff")
    session.commit()
    login(staff.email, PASSWORD)
    html = client.get("/staff").get_data(as_text=True)
    assert all(_count(html, card) == 0 for card in (*EXPECTED, "rectifications"))


def test_anonymous_goes_to_login_and_members_and_reviewers_are_refused(client, login, session, waiting):
    response = client.get("/staff")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(waiting["a_admin"].email, PASSWORD)
    assert client.get("/staff").status_code == 403
    assert client.get("/staff/whitelist?state=pending").status_code == 403
    client.post("/logout")
    reviewer = make_user(session, "reviewer")
    session.commit()
    login(reviewer.email, PASSWORD)
    assert client.get("/staff").status_code == 403
