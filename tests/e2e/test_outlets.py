"""The public outlet list in the browser: search, filters, nearest, detail."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import commit_and_index, make_sample_outlets

pytestmark = pytest.mark.e2e


@pytest.fixture
def outlets(app, session):
    make_sample_outlets(session)
    commit_and_index(session)


def result_names(page) -> list[str]:
    return page.locator(".outlet-item h2").all_inner_texts()


def test_search_filters_and_detail(page, live_server, outlets):
    page.goto(live_server("/outlets"))
    expect(page.locator(".result-count")).to_have_text("共 3 个网点")  # the closed one is not listed
    page.get_by_label("关键字").fill("长江路")
    page.get_by_role("button", name="查询").click()
    assert result_names(page) == ["鲁风汽车烟台开发区4S店回收服务网点"]
    page.get_by_label("关键字").fill("")
    page.get_by_label("类型").select_option(label="集中贮存型")
    page.get_by_role("button", name="查询").click()
    assert result_names(page) == ["海湾动力集中贮存中心"]
    page.get_by_label("类型").select_option(label="全部")
    page.get_by_label("城市").select_option(label="济南市")
    page.get_by_role("button", name="查询").click()
    assert result_names(page) == ["泉城新能源换电站"]
    page.get_by_label("城市").select_option(label="全部")
    page.get_by_label("状态").select_option(label="已关闭")
    page.get_by_role("button", name="查询").click()
    assert result_names(page) == ["已关闭的长江路网点"]
    page.get_by_role("link", name="已关闭的长江路网点").click()
    expect(page.get_by_text("该网点已关闭")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("威海市环翠区长江路9号")


def test_empty_result_suggests_loosening(page, live_server, outlets):
    page.goto(live_server("/outlets?q=不存在&city=370100"))
    expect(page.get_by_text("没有找到符合条件的网点")).to_be_visible()
    page.get_by_role("link", name=re.compile("去掉城市")).click()
    expect(page.get_by_text("没有找到符合条件的网点")).to_be_visible()
    assert "city=" not in page.url


def test_nearest_to_me_sorts_by_distance(new_page, live_server, outlets):
    # A visitor in Jinan who allows the page to read the position.
    page = new_page(geolocation={"latitude": 36.66, "longitude": 117.12}, permissions=["geolocation"])
    page.goto(live_server("/outlets"))
    page.get_by_role("button", name="离我最近").click()
    page.wait_for_url(re.compile(r"near="))
    assert result_names(page)[0] == "泉城新能源换电站"
    expect(page.locator(".result-count")).to_contain_text("按距离由近到远")
    expect(page.locator(".distance").first).to_contain_text("公里")


def test_nearest_without_permission_asks_for_a_city(new_page, live_server, outlets):
    page = new_page()  # no geolocation permission granted
    page.goto(live_server("/outlets"))
    page.get_by_role("button", name="离我最近").click()
    expect(page.locator("#near-message")).to_have_text("无法获取您的位置，请选择城市查找。")
