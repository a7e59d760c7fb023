"""Searching and opening a standard in the browser, as an engineer would."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import commit_and_index, make_standard, make_user

pytestmark = pytest.mark.e2e


@pytest.fixture
def standards(app, session):
    staff = make_user(session, "staff")
    for number, title, topic in (
        ("GB/T 34015.3-2021", "车用动力电池回收利用 梯次利用 第3部分：梯次利用要求", "梯次利用"),
        ("GB/T 33598.3-2021", "车用动力电池回收利用 再生利用 第3部分：放电规范", "再生利用"),
    ):
        make_standard(session, staff, number=number, title_zh=title, topic=topic, published_on="", effective_on="")
    commit_and_index(session)


def test_find_a_standard_by_number_in_any_spelling_and_open_it(page, live_server, standards):
    page.goto(live_server("/search"))
    page.locator("main").get_by_role("searchbox").fill("gbt33598")
    page.locator("main").get_by_role("button", name="搜索").click()
    result = page.locator(".search-results li")
    expect(result).to_have_count(1)
    expect(result.first).to_contain_text("放电规范")
    page.locator("main").get_by_role("searchbox").fill("放电")
    page.locator("main").get_by_role("button", name="搜索").click()
    expect(page.locator(".search-results mark").first).to_have_text("放电")
    page.locator(".search-results h2 a").first.click()
    expect(page).to_have_url(re.compile(r"/standards/\d+$"))
    expect(page.locator("h1")).to_contain_text("放电规范")


def test_the_catalogue_search_box_understands_full_width_numbers(page, live_server, standards):
    page.goto(live_server("/standards"))
    page.locator("main").get_by_role("searchbox").first.fill("ＧＢ／Ｔ３４０１５")
    page.keyboard.press("Enter")
    expect(page.get_by_text("GB/T 34015.3-2021")).to_be_visible()
    expect(page.get_by_text("GB/T 33598.3-2021")).to_have_count(0)
