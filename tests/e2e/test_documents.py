"""Verifying a certificate number on a phone: type it with spaces and small letters, see 有效, then a typo."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from portal.documents import register
from tests.factories import make_user

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def test_verify_on_a_phone(new_page, session, tmp_path, browser_log):
    browser_log.expect(r"status of 400")  # the typo is answered 400 with the form shown again
    staff = make_user(session, "staff")
    document = register.issue(
        session,
        staff,
        kind="membership_certificate",
        subject_type="membership",
        subject_id=1,
        holder_name="烟台绿源动力电池再生利用有限公司",
        shown={"会员编号": "SDBRA-2026-0001", "有效期": "2026年01月01日 至 2026年12月31日"},
        valid_to=dt.date(2099, 12, 31),
    )
    number = document.number
    session.commit()

    page = new_page(viewport=PHONE)
    page.goto("/verify")
    page.get_by_label("证书或文件编号").fill(number.lower().replace("-", " "))
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".verify-result .tag")).to_have_text("有效")
    expect(page.locator("main")).to_contain_text("烟台绿源动力电池再生利用有限公司")
    expect(page.locator("main")).to_contain_text(number)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing wider than the phone
    page.screenshot(path=str(tmp_path / "verify-phone.png"), full_page=True)

    page.goto("/verify")
    page.get_by_label("证书或文件编号").fill(number[:-1] + ("0" if number[-1] != "0" else "1"))
    page.get_by_role("button", name="查询").click()
    expect(page.locator("[role=alert]")).to_contain_text("校验位")
