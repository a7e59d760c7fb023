"""The battery registry in a real browser: a car maker hands a pack to an outlet, the outlet confirms or refuses."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, battery_code, make_member, make_outlet

pytestmark = pytest.mark.e2e

NOW = "2026-11-04 10:00"  # the portal's clock during the test (Shandong time)
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Chain:
    """Two packs fitted to vehicles by a car maker, and the outlet of its network that takes batteries back."""

    car_email: str
    car_name: str
    operator_email: str
    operator_name: str
    operator_credit_code: str
    outlet_code: str
    outlet_name: str
    packs: tuple[str, str]


@pytest.fixture
def chain(app, at) -> Chain:
    """Made through the registry's services and committed, so the live server sees it."""
    from portal.core.actors import system
    from portal.db import get_db
    from portal.outlets import services as outlets
    from portal.registry.events import report_events
    from portal.registry.services import BatteryInput, EventInput, register_batteries
    from portal.registry.transfers import confirm_receipt

    at(NOW)
    s = get_db().session(write=True)
    try:
        _maker, maker_user = make_member(s, name="齐鲁动力电池有限公司", activities=("battery_maker",))
        car, car_user = make_member(s, name="鲁风新能源汽车股份有限公司", activities=("vehicle_maker",))
        operator, operator_user = make_member(s, name="烟台回收网点运营有限公司", activities=("outlet_operator",))
        outlet = make_outlet(
            s,
            name="鲁风汽车烟台开发区4S店回收服务网点",
            operator=operator.name,
            operator_credit_code=operator.credit_code,
        )
        outlets.set_makers(s, system("test"), outlet.id, [car.id])
        packs = (battery_code(), battery_code())
        register_batteries(s, maker_user, [BatteryInput(code, "60.5", "425") for code in packs])
        sold = [EventInput(c, "sold", "2026-11-02 08:00", counterparty_credit_code=car.credit_code) for c in packs]
        report_events(s, maker_user, sold)
        for code in packs:
            confirm_receipt(s, car_user, code, "2026-11-02 09:00")
        vins = [with_check_digit(f"LFVEA21K0T4{n:06d}") for n in (43336, 43337)]
        report_events(
            s, car_user, [EventInput(c, "fitted", "2026-11-02 14:00", vin=v) for c, v in zip(packs, vins, strict=True)]
        )
        s.commit()
        return Chain(
            car_user.email,
            car.name,
            operator_user.email,
            operator.name,
            operator.credit_code,
            outlet.code,
            outlet.name,
            packs,
        )
    finally:
        s.close()


def with_check_digit(vin: str) -> str:
    """The VIN with its 9th character set to the GB 16735 check digit."""
    from portal.core.vin import check_character

    return vin[:8] + check_character(vin) + vin[9:]


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/account$"))  # members land in their area


def state_badge(page: Page):
    return page.locator("main .badge[class*='state-']").first


def report_retirement(page: Page, chain: Chain, code: str, occurred_at: str) -> None:
    """On the battery's page, the car maker reports the pack retired to the outlet of its network."""
    page.goto(f"/registry/batteries/{code}")
    expect(state_badge(page)).to_have_text("在车使用")
    report = page.locator("#report")
    report.get_by_label("事件", exact=True).select_option(label="退役")
    report.get_by_label("发生时间").fill(occurred_at)
    report.get_by_label("回收服务网点编码").fill(chain.outlet_code)
    report.get_by_label("对方统一社会信用代码").fill(chain.operator_credit_code)
    report.get_by_role("button", name="报送事件").click()
    expect(page).to_have_url(re.compile(rf"/registry/batteries/{code}#chain$"))
    expect(state_badge(page)).to_have_text("移交途中")


def test_a_car_maker_reports_a_retirement_and_the_outlet_confirms_the_intake(new_page, chain):
    code = chain.packs[0]
    car = new_page()
    log_in(car, chain.car_email)
    report_retirement(car, chain, code, "2026-11-04 09:00")
    expect(car.locator(".facts")).to_contain_text("无（移交途中）")
    expect(car.locator("#chain .timeline-item").last).to_contain_text("退役")
    expect(car.locator("#chain")).to_contain_text(f"等待 {chain.operator_name} 确认接收")
    expect(car.locator("#report")).to_have_count(0)  # nothing more to report while it is on its way

    outlet = new_page()
    log_in(outlet, chain.operator_email)
    outlet.goto("/registry/account")
    waiting = outlet.locator("#incoming tbody tr", has_text=code)
    expect(waiting).to_contain_text(chain.car_name)
    waiting.get_by_role("link", name="确认或拒收").click()
    decide = outlet.locator("#decide")
    expect(decide.get_by_label("入库事件")).to_have_value("outlet_intake")
    expect(decide.get_by_label("入库事件").locator("option:checked")).to_have_text("网点入库")
    decide.get_by_label("接收时间").fill("2026-11-04 09:40")
    decide.get_by_role("button", name="确认接收").click()

    expect(state_badge(outlet)).to_have_text("回收网点贮存")
    expect(outlet.locator(".facts")).to_contain_text(chain.outlet_name)
    intake = outlet.locator("#chain .timeline-item").last
    expect(intake).to_contain_text("网点入库")
    expect(intake).to_contain_text("2026-11-04 09:40")
    expect(intake).to_contain_text(chain.outlet_code)
    expect(outlet.locator("#chain")).to_contain_text(f"{chain.operator_name} 已于")
    outlet.goto("/registry/account")
    expect(outlet.locator("#incoming")).to_contain_text("没有等待本单位确认的移交。")
    expect(outlet.locator("#batteries")).to_contain_text(code)

    car.reload()  # the car maker still sees the chain it took part in, now ending at the outlet
    expect(state_badge(car)).to_have_text("回收网点贮存")
    expect(car.locator("#chain .timeline-item").last).to_contain_text("网点入库")


def test_the_outlet_refuses_and_the_pack_returns_to_the_car_maker(new_page, chain):
    code = chain.packs[1]
    car = new_page()
    log_in(car, chain.car_email)
    report_retirement(car, chain, code, "2026-11-04 09:10")

    outlet = new_page()
    log_in(outlet, chain.operator_email)
    outlet.goto(f"/registry/batteries/{code}")
    decide = outlet.locator("#decide")
    decide.get_by_label("拒收原因").fill("外壳破损漏液，不符合网点安全接收条件。")
    decide.get_by_role("button", name="拒收并退回").click()
    expect(outlet).to_have_url(re.compile(r"/registry/account$"))
    expect(outlet.locator("#incoming")).not_to_contain_text(code)

    car.reload()
    expect(state_badge(car)).to_have_text("在车使用")
    expect(car.locator(".facts")).to_contain_text(chain.car_name)
    expect(car.locator("#chain")).to_contain_text(f"{chain.operator_name} 于")
    expect(car.locator("#chain")).to_contain_text("拒收：外壳破损漏液，不符合网点安全接收条件。")
    expect(car.locator("#report")).to_be_visible()  # the car maker holds it again and may hand it over anew


def assert_fits(page: Page) -> None:
    """No sideways scrolling on the phone. Measured against the device width: on a mobile viewport the
    browser widens window.innerWidth to whatever the content needs, so that cannot be the yardstick."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a {PHONE['width']}px screen"


def test_registry_pages_fit_a_phone(new_page, chain):
    code = chain.packs[0]
    car = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(car, chain.car_email)
    report_retirement(car, chain, code, "2026-11-04 09:00")
    assert_fits(car)
    car.goto("/registry/account")
    assert_fits(car)

    outlet = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(outlet, chain.operator_email)
    outlet.goto("/registry/account")
    expect(outlet.locator("#incoming")).to_contain_text(code)
    assert_fits(outlet)
    outlet.goto(f"/registry/batteries/{code}")
    expect(outlet.locator("#decide")).to_be_visible()
    assert_fits(outlet)


def test_a_hand_over_outside_the_association_fits_a_phone(new_page, chain):
    from portal.db import get_db
    from portal.registry.events import report_events
    from portal.registry.services import EventInput
    from tests.factories import credit_code

    code = chain.packs[1]
    s = get_db().session(write=True)
    try:
        from portal.auth.queries import user_by_email

        outside = EventInput(
            code,
            "retired",
            "2026-11-04 09:20",
            counterparty_credit_code=credit_code(),
            counterparty_name="临沂市兰山区旧机动车回收有限公司",
            evidence_document="退役电池交接单 LS-2026-1104-01",
        )
        report_events(s, user_by_email(s, chain.car_email), [outside])
        s.commit()
    finally:
        s.close()
    car = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(car, chain.car_email)
    car.goto(f"/registry/batteries/{code}")
    expect(car.locator("#chain")).to_contain_text("退役电池交接单 LS-2026-1104-01")
    assert_fits(car)
