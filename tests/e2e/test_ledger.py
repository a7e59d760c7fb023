"""The deposit scheme in a real browser: a member bills a pack, staff record the payment; phone width."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, battery_code, make_member, make_user

pytestmark = pytest.mark.e2e

NOW = "2026-11-04 10:00"
PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/shots")


@dataclass(frozen=True)
class Pilot:
    member_email: str
    member_name: str
    member_id: int
    staff_email: str
    pack: str


@pytest.fixture
def pilot(app, at) -> Pilot:
    """A battery maker with one registered pack, a rule in force from today, a staff member (committed)."""
    from portal.core.actors import system
    from portal.db import get_db
    from portal.ledger import rules
    from portal.registry.services import BatteryInput, register_batteries

    at(NOW)
    s = get_db().session(write=True)
    try:
        maker, user = make_member(s, name="齐鲁动力电池有限公司", activities=("battery_maker",))
        maker.bank_name, maker.bank_account_name, maker.bank_account_no = (
            "中国工商银行济南分行",
            maker.name,
            "1602000012345678",
        )
        pack = battery_code()
        register_batteries(s, user, [BatteryInput(pack, "60", "420")])
        rules.add_rule(
            s,
            system("test"),
            rules.RuleInput(
                effective_from="2026-11-04",
                collector_share_percent="20",
                forfeit_after_days="365",
                yuan_per_kwh={"lfp": "20", "ncm": "30"},
            ),
        )
        staff = make_user(s, "staff")
        s.commit()
        return Pilot(user.email, maker.name, maker.id, staff.email, pack)
    finally:
        s.close()


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def assert_fits(page: Page) -> None:
    """No sideways scrolling on the phone (measured against the device width, as tests/e2e do)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a {PHONE['width']}px screen"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"ledger-{name}.png"), full_page=True)


def test_a_member_bills_a_pack_and_staff_record_the_payment(new_page, pilot):
    member = new_page()
    log_in(member, pilot.member_email)
    member.get_by_role("navigation", name="主导航").get_by_role("link", name="押金").click()
    expect(member).to_have_url(re.compile(r"/deposits$"))
    expect(member.locator("[data-account=deposits_receivable]")).to_have_text("0.00")

    member.get_by_role("link", name="计收押金").click()
    member.get_by_label("电池包编码（每行一个）").fill(pilot.pack)
    member.locator("main").get_by_role("button", name="计收押金").click()
    expect(member).to_have_url(re.compile(r"/deposits/statement$"))
    expect(member.locator(".flash")).to_contain_text("已计收1个电池包的押金，共1,200.00元。")
    expect(member.locator("#lines tbody tr", has_text=pilot.pack)).to_have_count(2)  # receivable and held
    member.goto("/deposits")
    expect(member.locator("[data-account=deposits_receivable]")).to_have_text("1,200.00")
    expect(member.locator("[data-account=deposits_held]")).to_have_text("1,200.00")
    expect(member.locator("#open")).to_contain_text(pilot.pack)
    shot(member, "member-desktop")

    staff = new_page()
    log_in(staff, pilot.staff_email)
    staff.get_by_role("navigation", name="主导航").get_by_role("link", name="押金制度").click()
    expect(staff).to_have_url(re.compile(r"/deposits/staff$"))
    expect(staff.locator("#totals")).to_contain_text("1,200.00")
    expect(staff.locator("#monthly svg rect.bar")).to_have_count(12)
    shot(staff, "staff-desktop")
    staff.get_by_role("link", name="登记到账").click()
    staff.get_by_label("缴款单位").select_option(str(pilot.member_id))
    staff.get_by_label("到账金额（元）").fill("1200")
    expect(staff.get_by_label("到账日期")).to_have_value("2026-11-04")
    staff.get_by_label("银行流水号").fill("ICBC-20261104-0001")
    staff.locator("main").get_by_role("button", name="记账").click()
    expect(staff).to_have_url(re.compile(r"/deposits/staff/transactions/\d+$"))
    expect(staff.locator(".facts")).to_contain_text("押金到账")
    expect(staff.locator(".facts")).to_contain_text("ICBC-20261104-0001")

    member.reload()
    expect(member.locator("[data-account=deposits_receivable]")).to_have_text("0.00")
    member.goto("/deposits/statement?type=payment")
    expect(member.locator("#lines")).to_contain_text("ICBC-20261104-0001")

    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(phone, pilot.member_email)
    for path in ("/deposits", "/deposits/statement", "/deposits/bill"):
        phone.goto(path)
        assert_fits(phone)
    phone.goto("/deposits")
    shot(phone, "member-phone")
    staff_phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(staff_phone, pilot.staff_email)
    for path in ("/deposits/staff/statement", "/deposits/staff/trial-balance", "/deposits/staff/adjustments"):
        staff_phone.goto(path)
        assert_fits(staff_phone)
    staff_phone.goto("/deposits/staff")
    assert_fits(staff_phone)
    shot(staff_phone, "staff-phone")
