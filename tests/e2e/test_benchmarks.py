"""The benchmark selection in the browser: staff open it, a member applies, staff score and confirm,
and the public list shows it at phone width."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from playwright.sync_api import expect

from portal.core import clock
from tests.factories import PASSWORD, make_member, make_user

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
WEIGHTS = {"工信部规范条件企业名单": "30", "回收网点核查合规率": "30", "安全环保记录": "20", "技术创新": "20"}


def _login(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()


def test_a_selection_from_opening_to_the_public_list(new_page, session):
    staff = make_user(session, "staff")
    enterprise, admin = make_member(session, name="烟台绿动再生资源有限公司")
    enterprise.whitelist_activity, enterprise.whitelist_batch = "recycling", 4
    session.commit()
    today = clock.today()
    year = today.year

    desk = new_page()
    _login(desk, staff.email)
    desk.goto("/staff/benchmarks")
    desk.get_by_label("评选年度").fill(str(year))
    desk.get_by_label("评选名称").fill(f"{year}年度标杆企业评选")
    desk.get_by_label("申报开始日期").fill((today - dt.timedelta(days=1)).isoformat())
    desk.get_by_label("申报截止日期").fill((today + dt.timedelta(days=30)).isoformat())
    for name, weight in WEIGHTS.items():
        desk.get_by_label(name, exact=True).fill(weight)
    desk.get_by_role("button", name="开启评选").click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text(f"{year}年度标杆企业评选")

    member = new_page()
    _login(member, admin.email)
    member.goto("/benchmarks")
    member.get_by_role("link", name="会员企业申报").click()
    member.get_by_label("申报说明").fill("本单位建成规范回收网点12个，再生利用产能2万吨，申报本年度标杆企业。")
    member.get_by_role("button", name="提交申报").click()
    expect(member.get_by_text(f"本单位已列入 {year} 年度候选名单")).to_be_visible()

    desk.reload()
    sheet = desk.locator("section.benchmark-candidate")
    expect(sheet).to_contain_text("已列入（第4批，再生利用）")
    for _i in range(2):
        form = sheet.locator("form.inline").first if _i == 0 else sheet.locator("form.inline").nth(1)
        form.get_by_label("评分", exact=True).fill("80")
        form.get_by_role("button", name="保存评分").click()
    expect(desk.locator("section.benchmark-candidate tfoot")).to_contain_text("62.0")  # 30 + 0 + 16 + 16
    desk.get_by_label("确认为标杆企业").check()
    desk.get_by_role("button", name="确认所选企业为本年度标杆企业并公布").click()
    expect(desk.get_by_text("本年度标杆企业名单已确认并公布。")).to_be_visible()

    phone = new_page(viewport=PHONE)
    phone.goto("/benchmarks")
    expect(phone.get_by_role("link", name="烟台绿动再生资源有限公司")).to_be_visible()
    expect(phone.get_by_text(f"标杆企业 {year}").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    if out := os.environ.get("BENCHMARK_SHOTS"):
        phone.screenshot(path=f"{out}/public_phone.png", full_page=True)
        desk.screenshot(path=f"{out}/staff_sheet.png", full_page=True)
    phone.get_by_role("link", name="烟台绿动再生资源有限公司").click()
    expect(phone.get_by_text(f"标杆企业 {year}")).to_be_visible()
