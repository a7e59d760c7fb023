"""A verification campaign in the browser: staff open it, record one inspection, the outlet shows 合规."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.core import clock
from portal.demo import demo_png as _demo_png
from tests.factories import PASSWORD, make_outlet, make_user

pytestmark = pytest.mark.e2e


def test_staff_open_a_campaign_and_record_an_inspection(page, live_server, session):
    staff = make_user(session, "staff", name="核查员丙")
    outlet = make_outlet(session, staff, name="芝罘区回收服务网点", city="烟台", address="烟台市芝罘区南大街1号")
    make_outlet(session, staff, name="历下区回收服务网点", city="济南", address="济南市历下区经十路1号")
    session.commit()
    today = clock.today().isoformat()

    page.goto("/login")
    page.get_by_label("电子邮箱").fill(staff.email)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()
    page.goto("/staff/campaigns")
    page.get_by_role("link", name="开启核查活动").click()
    page.get_by_label("核查活动名称").fill("烟台市网点全面核查")
    page.get_by_label("开始日期").fill(today)
    page.get_by_label("烟台市", exact=True).check()
    page.get_by_role("button", name="开启", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("烟台市网点全面核查")
    expect(page.locator('tr[data-city="370600"] td')).to_have_text(["烟台市", "1", "0", "1", "0", "0"])
    expect(page.get_by_text("历下区回收服务网点")).to_have_count(0)  # outside the scope
    page.get_by_role("link", name="记录核查").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("芝罘区回收服务网点")
    expect(page.locator("#item-thermal_monitoring")).to_contain_text("不适用")
    for radio in page.locator('input[type="radio"][value="met"]').all():
        radio.check()
    page.get_by_label("备注").first.fill("标识清晰")
    page.get_by_label(re.compile("现场照片")).set_input_files(
        {"name": "门头.png", "mimeType": "image/png", "buffer": _demo_png(40, 30)}
    )
    page.get_by_label("核查结论").select_option(label="合规")
    page.get_by_role("button", name="保存核查结果").click()

    expect(page.locator(".inspection-result")).to_contain_text("合规")
    expect(page.get_by_role("img", name="门头.png")).to_be_visible()
    page.get_by_role("link", name=re.compile(outlet.code)).click()
    expect(page.locator(".meta .tag").first).to_have_text("合规")
    expect(page.locator(".facts")).to_contain_text(f"{today}（核查员丙）")
