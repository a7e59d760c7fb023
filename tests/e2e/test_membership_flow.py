"""The membership journey in a real browser: apply, verify, approval, member area, certificate, directory."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.factories import PASSWORD, credit_code, make_user, pdf_bytes

pytestmark = pytest.mark.e2e

APPLICANT_PASSWORD = "battery-Loop-2026"
UNPROCESSABLE = r"status of 422"  # a form shown again with its errors is answered 422


@dataclass
class Applicant:
    name: str
    credit_code: str
    email: str
    city: str = "烟台市"
    tier: str = "理事单位"
    tier_code: str = "council"
    address: str = "烟台市经济技术开发区长江路188号"
    legal_representative: str = "张建国"
    contact: str = "李明"
    title: str = "综合办公室主任"
    phone: str = "0535-6396688"
    activities: tuple[str, ...] = ("梯次利用", "再生利用")


def licence_pdf() -> dict:
    """A small real PDF, as if chosen in the file dialog."""
    return {"name": "营业执照.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}


def fill_application(page: Page, who: Applicant) -> None:
    page.goto("/join")
    expect(page.get_by_role("heading", level=1)).to_have_text("申请加入山东省动力电池回收利用协会")
    page.get_by_label("企业（单位）全称").fill(who.name)
    page.get_by_label("统一社会信用代码").press_sequentially(who.credit_code)
    for activity in who.activities:
        page.get_by_label(activity, exact=True).check()
    page.get_by_label("所在城市").select_option(label=who.city)
    page.get_by_label("详细地址").fill(who.address)
    page.get_by_label("法定代表人").fill(who.legal_representative)
    page.get_by_label("营业执照或登记证书").set_input_files(licence_pdf())
    page.get_by_label("申请会员级别").select_option(value=who.tier_code)
    page.get_by_label("联系人", exact=True).fill(who.contact)
    page.get_by_label("联系人职务").fill(who.title)
    page.get_by_label("联系电话").fill(who.phone)
    page.get_by_label("电子邮箱（登录账号）").fill(who.email)
    page.get_by_label("设置登录密码（至少10个字符）").fill(APPLICANT_PASSWORD)
    page.get_by_label("再次输入密码").fill(APPLICANT_PASSWORD)
    page.get_by_label("我已阅读并同意《个人信息处理规则》").check()


def submit_application(page: Page) -> None:
    page.get_by_role("button", name="提交申请").click()


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码").fill(password)
    page.locator("main").get_by_role("button", name="登录").click()
    expect(page.locator("#site-nav").get_by_role("button", name="退出")).to_be_attached()


def log_out(page: Page) -> None:
    page.locator("#site-nav").get_by_role("button", name="退出").click()
    expect(page.locator(".flash")).to_have_text("您已退出登录。")


def applicant(**changes) -> Applicant:
    code = credit_code()
    values = {
        "name": "烟台绿循新能源科技有限公司",
        "credit_code": code,
        "email": f"li.ming.{code[-6:].lower()}@example.cn",
    }
    return Applicant(**{**values, **changes})


# --------------------------------------------------------------------------- the application form


def test_application_form_as_a_user_fills_it(page: Page, outbox):
    who = applicant()
    fill_application(page, who)
    submit_application(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("申请已提交")
    expect(page).to_have_url(re.compile(r"/join/submitted$"))  # redirected: a reload submits nothing
    expect(page.locator("main")).to_contain_text(f"我们已向 {who.email} 发送了一封验证邮件")
    expect(page.get_by_role("link", name="前往登录")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("申请已提交")
    mails = [m for m in outbox() if m.to_address == who.email]
    assert len(mails) == 1 and "/verify/" in mails[0].body

    page.get_by_role("link", name="重新发送验证邮件").click()
    expect(page.get_by_label("注册时使用的电子邮箱")).to_have_value(who.email)


def test_wrong_credit_code_shows_the_chinese_error_and_keeps_the_input(page: Page, browser_log, outbox):
    browser_log.expect(UNPROCESSABLE)
    who = applicant()
    wrong = who.credit_code[:-1] + ("0" if who.credit_code[-1] != "0" else "1")
    fill_application(page, Applicant(**{**who.__dict__, "credit_code": wrong}))
    submit_application(page)

    expect(page.locator(".flash-error")).to_have_text("请更正下面标出的错误。")
    code_field = page.locator(".field.has-error", has=page.get_by_label("统一社会信用代码"))
    expect(code_field.locator(".error")).to_have_text("第18位校验码不符，请核对是否输错。")
    expect(page.get_by_label("统一社会信用代码")).to_have_attribute("aria-invalid", "true")
    # What was typed is still there (files and passwords are never sent back, and the page says so).
    expect(page.get_by_label("统一社会信用代码")).to_have_value(wrong)
    expect(page.get_by_label("企业（单位）全称")).to_have_value(who.name)
    expect(page.get_by_label("详细地址")).to_have_value(who.address)
    expect(page.get_by_label("联系人", exact=True)).to_have_value(who.contact)
    expect(page.get_by_label("联系电话")).to_have_value(who.phone)
    expect(page.get_by_label("电子邮箱（登录账号）")).to_have_value(who.email)
    for activity in who.activities:
        expect(page.get_by_label(activity, exact=True)).to_be_checked()
    expect(page.get_by_label("所在城市").locator("option:checked")).to_have_text(who.city)
    expect(page.get_by_label("申请会员级别").locator("option:checked")).to_contain_text(who.tier)
    expect(page.get_by_label("我已阅读并同意《个人信息处理规则》")).to_be_checked()
    expect(page.locator("main")).to_contain_text("请重新选择营业执照文件")
    assert not [m for m in outbox() if m.to_address == who.email]

    # Correcting the code (and choosing the file and password again) is enough.
    page.get_by_label("统一社会信用代码").fill(who.credit_code)
    page.get_by_label("营业执照或登记证书").set_input_files(licence_pdf())
    page.get_by_label("设置登录密码（至少10个字符）").fill(APPLICANT_PASSWORD)
    page.get_by_label("再次输入密码").fill(APPLICANT_PASSWORD)
    submit_application(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("申请已提交")


# --------------------------------------------------------------------------- the whole journey


@pytest.fixture
def staff_user(app):
    """A secretariat account, committed so the live server sees it."""
    from portal.db import get_db

    s = get_db().session(write=True)
    try:
        user = make_user(s, "staff", email="mishu@sdbra.example.cn", name="秘书处 王芳")
        s.commit()
        return user.email
    finally:
        s.close()


def test_from_application_to_certificate_and_directory(page: Page, new_page, outbox, staff_user, at):
    at("2026-12-02 10:00")  # after the 1 October cut-off: the first term runs to the end of 2027
    who = applicant(name="烟台蓝鲸动力电池再生科技有限公司")
    fill_application(page, who)
    submit_application(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("申请已提交")

    # The applicant opens the link in the e-mail.
    (mail,) = [m for m in outbox() if m.to_address == who.email]
    link = re.search(r"https?://\S+/verify/\S+", mail.body).group(0)
    page.goto(link)
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator(".flash")).to_have_text("电子邮箱已验证，现在可以登录。")

    # The secretariat approves the application, in another browser.
    staff = new_page()
    log_in(staff, staff_user, PASSWORD)
    expect(staff).to_have_url(re.compile(r"/staff$"))
    staff.get_by_role("link", name="入会申请").first.click()
    staff.get_by_role("link", name=who.name).click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(who.name)
    expect(staff.locator(".facts")).to_contain_text(who.credit_code)
    expect(staff.locator(".facts")).to_contain_text("已验证")
    staff.get_by_label("处理").select_option(label="批准入会")
    staff.get_by_role("button", name="提交审核结果").click()
    expect(staff.locator(".flash")).to_contain_text("已批准，会员编号")

    # The applicant, now a member, logs in and looks after the profile.
    log_in(page, who.email, APPLICANT_PASSWORD)
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(who.name)
    expect(page.locator(".facts")).to_contain_text(who.tier)
    expect(page.locator(".facts")).to_contain_text("有效")

    page.get_by_role("link", name="编辑企业资料").click()
    description = "专注退役动力电池梯次利用与再生利用，\n在烟台设有两个回收服务网点。"
    page.get_by_label("企业简介").fill(description)
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash")).to_have_text("企业信息已保存。")
    expect(page.get_by_label("企业简介")).to_have_value(description)

    # Before the fee is recorded the account page says so, and offers no certificate yet.
    page.goto("/account")
    expect(page.locator(".facts")).to_contain_text("入会至2026-12-31免收会费")
    expect(page.locator(".facts")).to_contain_text("2027年度会费")
    expect(page.locator(".facts")).to_contain_text("未缴")
    expect(page.locator("main")).to_contain_text("会员证书在2027年度会费登记后即可下载")
    expect(page.get_by_role("link", name="下载会员证书（PDF）")).to_have_count(0)

    # The secretariat records the 2027 fee.
    staff.goto("/staff/memberships")
    staff.locator("tr", has_text=who.name).get_by_role("link").first.click()
    staff.get_by_label("会费年度").fill("2027")
    staff.get_by_label("金额（元）").fill("5000")
    staff.get_by_label("缴费日期").fill("2026-12-02")
    staff.get_by_role("button", name="登记", exact=True).click()
    expect(staff.locator(".flash")).to_have_text("缴费已登记。")
    log_out(staff)

    # The certificate downloads as a one-page PDF naming the member and the term it has.
    page.goto("/account")
    expect(page.locator(".facts")).to_contain_text("已缴")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载会员证书（PDF）").click()
    download = download_info.value
    assert download.suggested_filename.startswith("membership-certificate-")
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert who.name in text.replace(" ", "").replace("\n", "")
    assert "2027年12月31日" in text.replace(" ", "")

    # Anyone can now find the member in the public directory.
    visitor = new_page()
    visitor.goto("/members")
    expect(visitor.locator(".result-count")).to_have_text("共 1 家会员单位")
    visitor.get_by_role("link", name=who.name).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(who.name)
    expect(visitor.locator(".facts")).to_contain_text(who.city)
    expect(visitor.locator("main")).to_contain_text("专注退役动力电池梯次利用与再生利用")


# --------------------------------------------------------------------------- phone-sized screens


def assert_no_horizontal_overflow(page: Page) -> None:
    # Against the viewport the page was opened with: on a mobile viewport the browser widens
    # window.innerWidth to whatever the content needs, so that cannot be the yardstick.
    width, viewport = page.evaluate("document.documentElement.scrollWidth"), page.viewport_size["width"]
    assert width <= viewport, f"{page.url} is {width}px wide on a {viewport}px screen"


def test_phone_navigation_and_join_form_fit(new_page, browser_log):
    browser_log.expect(UNPROCESSABLE)
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto("/")
    nav, toggle = page.locator("#site-nav"), page.get_by_role("button", name="菜单")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="申请入会")).to_be_visible()
    nav.get_by_role("link", name="申请入会").click()

    expect(page).to_have_url(re.compile(r"/join$"))
    expect(nav).to_be_hidden()  # a new page starts with the menu closed
    assert_no_horizontal_overflow(page)
    submit_application(page)  # empty: every field shows its error
    expect(page.locator(".flash-error")).to_be_visible()
    assert_no_horizontal_overflow(page)
    for path in ("/", "/members", "/login"):
        page.goto(path)
        assert_no_horizontal_overflow(page)


def test_phone_account_page_shows_fee_state_and_why_privileges_are_closed(new_page, at):
    """A suspended member's account page at 390x844: the reason, the fee rows, nothing wider than the screen."""
    import datetime as dt

    from portal.db import get_db
    from portal.members import memberships
    from tests.factories import make_member

    at("2026-12-05 10:00")
    s = get_db().session(write=True)
    try:
        staff = make_user(s, "staff")
        enterprise, admin = make_member(s, name="潍坊长松新能源回收利用有限公司")
        memberships.set_tier_fee(s, staff, "member", 500000)
        memberships.record_payment(s, staff, enterprise.membership.id, 2026, 500000, dt.date(2026, 3, 1))
        memberships.suspend(s, staff, enterprise.membership.id, "未按时提交年度报告")
        s.commit()
        email = admin.email
    finally:
        s.close()

    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto("/login")
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    notice = page.locator("#standing")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("贵单位的会员资格已暂停（原因：未按时提交年度报告）")
    expect(notice).to_contain_text("请联系协会秘书处")
    expect(page.locator(".facts")).to_contain_text("2026年度会费")
    expect(page.locator(".facts")).to_contain_text("2027年度会费")
    assert_no_horizontal_overflow(page)
    page.goto("/join")
    assert_no_horizontal_overflow(page)
