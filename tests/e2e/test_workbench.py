"""The staff work-bench in a browser: at phone and desk widths every count and its link are in view."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.account_pages.test_workbench import waiting  # noqa: F401 - the fixture of waiting work
from tests.e2e.test_account_pages import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.db]
CARDS = ("applications", "outlets", "campaigns", "rectifications", "whitelist", "consultations", "training")


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1366, "height": 900}], ids=str)
def test_every_count_and_its_link_fit_the_screen(new_page, waiting, viewport):  # noqa: F811
    page = new_page(viewport=viewport)
    sign_in(page, waiting["staff"].email)
    page.goto("/staff")
    for card in CARDS:
        link = page.locator(f"#bench-{card} > a")
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], card
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.screenshot(path=f"test-artifacts/workbench-{viewport['width']}.png", full_page=True)
    page.locator("#bench-training > a").click()
    expect(page.get_by_text("本周五的网点培训")).to_be_visible()
    expect(page.get_by_text("下周一的网点培训")).to_have_count(0)
