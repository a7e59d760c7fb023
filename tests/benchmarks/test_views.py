"""Benchmark pages with the client: the public list, a member's application, staff pages; refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.benchmarks import services
from portal.benchmarks.models import BenchmarkCandidate, BenchmarkSelection
from tests.benchmarks.helpers import CRITERIA, STATEMENT, selection_input
from tests.factories import make_member, make_user

pytestmark = pytest.mark.db


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def opened(app, session, at):
    at("2026-05-20 10:00")
    staff = make_user(session, "staff")
    selection = services.open_selection(session, staff, selection_input())
    session.commit()
    return selection.id, staff.email


def test_staff_open_a_selection_through_the_form(app, client, login, session, staff, at):
    at("2026-05-20 10:00")
    login(staff.email)
    data = {"year": "2026", "title": "2026年度标杆企业评选", "opens_on": "2026-05-01", "closes_on": "2026-06-30"}
    bad = client.post("/staff/benchmarks", data={**data, "weight_whitelist": "30"})
    assert bad.status_code == 422
    assert "各项指标的权重之和应为 100（现为 30）" in bad.get_data(as_text=True)
    assert _count(session, BenchmarkSelection) == 0
    weights = {f"weight_{code}": w for code, w in CRITERIA}
    response = client.post("/staff/benchmarks", data={**data, **weights})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2026年度标杆企业评选" in page and "工信部规范条件企业名单 20%" in page


def test_a_member_admin_applies_and_sees_it(opened, client, login, session):
    _enterprise, admin = make_member(session)
    session.commit()
    login(admin.email)
    assert "提交申报" in client.get("/account/benchmarks").get_data(as_text=True)
    short = client.post("/account/benchmarks", data={"statement": "太短"})
    assert short.status_code == 422 and "不少于 20 字" in short.get_data(as_text=True)
    assert client.post("/account/benchmarks", data={"statement": STATEMENT}).status_code == 302
    assert "已列入 2026 年度候选名单" in client.get("/account/benchmarks").get_data(as_text=True)
    assert _count(session, BenchmarkCandidate) == 1


@pytest.mark.parametrize("who", ["editor", "lapsed"])
def test_a_member_who_may_not_apply_is_refused_and_nothing_is_recorded(opened, client, login, session, who):
    if who == "editor":
        _e, user = make_member(session, role="member_editor")
    else:
        _e, user = make_member(session, state="lapsed")
    session.commit()
    login(user.email)
    response = client.post("/account/benchmarks", data={"statement": STATEMENT})
    assert response.status_code == 403
    assert _count(session, BenchmarkCandidate) == 0


def test_the_public_and_members_cannot_reach_staff_pages(opened, client, login, session):
    selection_id, _staff = opened
    enterprise, admin = make_member(session)
    session.commit()
    assert client.get("/staff/benchmarks").status_code in (302, 401)
    assert client.get("/account/benchmarks").status_code in (302, 401)
    login(admin.email)
    assert client.get(f"/staff/benchmarks/{selection_id}").status_code == 403
    nominate = client.post(f"/staff/benchmarks/{selection_id}/nominate", data={"enterprise_id": enterprise.id})
    assert nominate.status_code == 403
    assert (
        client.post(f"/staff/benchmarks/{selection_id}/confirm", data={"enterprise_id": enterprise.id}).status_code
        == 403
    )
    assert _count(session, BenchmarkCandidate) == 0


def test_an_observer_reads_but_cannot_confirm(opened, client, login, session):
    selection_id, _staff = opened
    enterprise, _admin = make_member(session)
    observer = make_user(session, "observer")
    services.nominate(session, make_user(session, "staff"), selection_id, enterprise.id)
    session.commit()
    login(observer.email)
    page = client.get(f"/staff/benchmarks/{selection_id}").get_data(as_text=True)
    assert enterprise.name in page and "确认所选企业" not in page
    assert (
        client.post(f"/staff/benchmarks/{selection_id}/confirm", data={"enterprise_id": enterprise.id}).status_code
        == 403
    )
    assert session.get(BenchmarkSelection, selection_id).state == "open"


def test_staff_score_confirm_and_the_public_list_badge_and_filter_show_it(opened, client, login, session):
    selection_id, staff_email = opened
    enterprise, _admin = make_member(session, name="烟台绿动再生资源有限公司")
    make_member(session, name="没有入选的回收有限公司")
    session.commit()
    login(staff_email)
    client.post(f"/staff/benchmarks/{selection_id}/nominate", data={"enterprise_id": enterprise.id})
    candidate = session.scalar(select(BenchmarkCandidate))
    for code in ("safety", "innovation"):
        client.post(f"/staff/benchmarks/candidates/{candidate.id}/score/{code}", data={"score": "80", "note": "良好"})
    sheet = client.get(f"/staff/benchmarks/{selection_id}").get_data(as_text=True)
    assert "秘书处人工评分：良好" in sheet and "加权总分" in sheet and "16.0" in sheet
    assert (
        client.post(f"/staff/benchmarks/{selection_id}/confirm", data={"enterprise_id": enterprise.id}).status_code
        == 302
    )
    public = client.get("/benchmarks").get_data(as_text=True)
    assert "烟台绿动再生资源有限公司" in public and "标杆企业 2026" in public and "没有入选" not in public
    assert "标杆企业 2026" in client.get(f"/members/{enterprise.id}").get_data(as_text=True)
    filtered = client.get("/members?benchmark=1").get_data(as_text=True)
    assert "烟台绿动再生资源有限公司" in filtered and "没有入选的回收有限公司" not in filtered
    assert "没有入选的回收有限公司" in client.get("/members").get_data(as_text=True)
