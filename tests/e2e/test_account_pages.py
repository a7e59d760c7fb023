"""Phone layout (390x844): status and action of member outlet, review-queue and inspection rows stay in view."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_application, make_campaign, make_member, make_outlet, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.db]
PHONE = {"width": 390, "height": 844}
SHOTS = "test-artifacts"


def sign_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()


def in_view_without_scrolling(page, locator) -> None:
    """The element is shown inside the 390 px width and the page itself does not scroll sideways."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_member_reaches_own_outlets_from_the_nav_and_sees_status_and_action(new_page, session):
    _, admin = make_member(session)
    long_name = "本企业烟台芝罘区新能源汽车动力蓄电池回收服务网点与梯次利用展示中心"  # wraps inside its card
    make_outlet(session, admin, name=long_name, code="MINE-PHONE-001")
    session.commit()
    page = new_page(viewport=PHONE)
    sign_in(page, admin.email)
    page.goto("/account")
    nav = page.get_by_role("navigation", name="会员中心导航")
    assert nav.bounding_box()["height"] < 80  # one scrolling line, not a block pushing the page down
    nav.get_by_role("link", name="本企业网点").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("本企业运营的回收服务网点")
    row = page.locator("#my-outlets tbody tr").first
    in_view_without_scrolling(page, row.locator("td[data-label='状态'] .tag"))
    in_view_without_scrolling(page, row.get_by_role("link", name="编辑"))
    in_view_without_scrolling(page, row.get_by_role("link", name=long_name))
    page.screenshot(path=f"{SHOTS}/account_outlets_phone.png", full_page=True)


def test_review_queue_row_keeps_status_and_action_on_a_phone(new_page, session):
    make_application(session)
    staff = make_user(session, "staff")
    session.commit()
    page = new_page(viewport=PHONE)
    sign_in(page, staff.email)
    page.goto("/staff/applications")
    row = page.locator("#application-queue tbody tr").first
    in_view_without_scrolling(page, row.locator("td[data-label='状态'] .tag"))
    in_view_without_scrolling(page, row.get_by_role("link", name="审核"))
    page.screenshot(path=f"{SHOTS}/review_queue_phone.png", full_page=True)


def test_campaign_inspection_row_keeps_status_and_action_on_a_phone(new_page, session):
    staff = make_user(session, "staff")
    make_outlet(session, staff, name="芝罘区回收服务网点", city="烟台", address="烟台市芝罘区南大街1号")
    campaign = make_campaign(session, staff)
    session.commit()
    page = new_page(viewport=PHONE)
    sign_in(page, staff.email)
    page.goto(f"/staff/campaigns/{campaign.id}")
    row = page.locator("#campaign-outlets tbody tr").first
    in_view_without_scrolling(page, row.locator("td[data-label='公开状态'] .tag"))
    in_view_without_scrolling(page, row.get_by_role("link", name="记录核查"))
    total = page.locator("table.progress tr[data-city='total']")
    in_view_without_scrolling(page, total.locator("td[data-label='未核查']"))
    expect(total.locator("td[data-label='未核查']")).to_have_text("1")
    page.screenshot(path=f"{SHOTS}/campaign_outlets_phone.png", full_page=True)
    page.goto("/staff/campaigns")
    in_view_without_scrolling(page, page.locator("#campaigns tbody tr").first.locator("td[data-label='未核查']"))


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 768}, PHONE], ids=["desk", "phone"])
def test_the_audit_log_shows_every_column_without_sideways_scrolling(new_page, session, viewport):
    from portal.core import audit

    admin = make_user(session, "admin")
    long_name = "山东省济南市历城区经济技术开发区新能源汽车动力蓄电池回收服务网点第一分站" * 2
    before = {"name": "旧名", "address": long_name}
    audit.record(session, admin, "outlet.update", "outlet", 1, before, {"name": long_name})
    session.commit()
    page = new_page(viewport=viewport)
    sign_in(page, admin.email)
    page.goto("/staff/audit")
    wrap = page.locator(".table-wrap").first
    assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth + 1"), "the audit table scrolls sideways"
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    expect(page.locator("table.audit tbody tr").first).to_contain_text("修改网点")
    page.screenshot(path=f"{SHOTS}/audit_{viewport['width']}.png", full_page=True)
