"""The public outlet list in the browser: search, filters, nearest, detail; on a phone (390x844) too."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.factories import commit_and_index, make_outlet, make_user
from tests.outlets.samples import make_samples

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def outlets(app, session):
    staff = make_user(session, "staff")
    made = make_samples(session, staff)
    for n, (city, name) in enumerate([("济南", "济南市中区网点"), ("枣庄", "枣庄市中区网点")]):
        made[city] = make_outlet(
            session,
            staff,
            name=name,
            address=f"{city}市市中区光明路{n + 1}号",
            city=city,
            district="市中区",
            lat="36.64" if city == "济南" else "34.86",
            lon="117.00" if city == "济南" else "117.56",
        )
    commit_and_index(session)
    return made


def result_names(page) -> list[str]:
    return page.locator(".outlet-item h2").all_inner_texts()


def search(page, button: str = "按条件查询", exact: bool = False) -> None:
    """Press a search button and wait for the answer's page (reading the list before it lands reads the old one)."""
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=exact).click()


def in_first_screen(page, locator) -> bool:
    """Is the element wholly inside the visible screen (after any scrolling the page did itself)?"""
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def district_labels(page) -> list[str]:
    return page.locator("#district option").all_inner_texts()


def test_search_filters_and_detail(page, live_server, outlets):
    page.goto(live_server("/outlets"))
    expect(page.locator(".result-count")).to_have_text("共 5 个网点")  # the closed one is not listed
    page.get_by_label("关键字").fill("长江路")
    search(page, "查询", exact=True)
    assert result_names(page) == ["鲁风汽车烟台开发区4S店回收服务网点"]
    page.get_by_label("关键字").fill("")
    page.get_by_label("类型").select_option(label="集中贮存型")
    search(page)
    assert result_names(page) == ["海湾动力集中贮存中心"]
    page.get_by_label("类型").select_option(label="全部")
    page.get_by_label("城市").select_option(label="济南市")
    search(page)
    assert sorted(result_names(page)) == sorted(["济南市中区网点", "泉城新能源换电站"])
    page.get_by_label("城市").select_option(label="全部")
    page.get_by_label("状态").select_option(label="已关闭")
    search(page)
    assert result_names(page) == ["已关闭的长江路网点"]
    page.get_by_role("link", name="已关闭的长江路网点").click()
    expect(page.get_by_text("该网点已关闭")).to_be_visible()
    expect(page.locator(".facts .address")).to_have_text("威海市环翠区长江路9号")


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


# --------------------------------------------------------------------------- on a phone


def test_on_a_phone_the_filters_fold_away_and_a_search_lands_on_the_results(new_page, live_server, outlets):
    page = new_page(viewport=PHONE)
    page.goto(live_server("/outlets"))
    keyword, count = page.get_by_label("关键字"), page.locator(".result-count")
    assert in_first_screen(page, keyword) and in_first_screen(page, count)
    expect(page.get_by_label("城市")).to_be_hidden()  # behind the one filter control
    page.get_by_text("筛选：城市、区县、类型、状态、运营企业").click()
    expect(page.get_by_label("城市")).to_be_visible()
    page.get_by_text("筛选：城市、区县、类型、状态、运营企业").click()
    # scroll away, then search: the answer opens on the results, not at the top of the page
    page.mouse.wheel(0, 2000)
    keyword.fill("黄岛")
    keyword.press("Enter")
    page.wait_for_url(re.compile(r"q=.*#outlet-search$"))
    expect(page.locator(".outlet-item")).to_have_count(1)
    assert page.evaluate("window.scrollY") > 0
    first = page.locator(".outlet-item").first
    assert in_first_screen(page, first) and in_first_screen(page, page.get_by_label("关键字"))
    assert in_first_screen(page, page.locator(".result-count"))
    expect(first.locator("h2")).to_have_text("海湾动力集中贮存中心")


def test_on_a_phone_nearest_to_me_lands_on_the_nearest_outlet(new_page, live_server, outlets):
    page = new_page(viewport=PHONE, geolocation={"latitude": 36.66, "longitude": 117.12}, permissions=["geolocation"])
    page.goto(live_server("/outlets"))
    page.get_by_role("button", name="离我最近").click()
    page.wait_for_url(re.compile(r"near=.*#outlet-search$"))
    first = page.locator(".outlet-item").first
    expect(first.locator("h2")).to_have_text("泉城新能源换电站")
    assert in_first_screen(page, first) and in_first_screen(page, page.locator(".result-count"))


def test_the_district_list_follows_the_city(new_page, live_server, outlets):
    page = new_page(viewport=PHONE)
    page.goto(live_server("/outlets"))
    page.get_by_text("筛选：城市、区县、类型、状态、运营企业").click()
    assert district_labels(page).count("市中区") == 2  # every city's districts, each under its city
    page.get_by_label("城市").select_option(label="枣庄市")
    assert district_labels(page) == ["全部", "市中区", "薛城区", "峄城区", "台儿庄区", "山亭区", "滕州市"]
    page.get_by_label("城市").select_option(label="济南市")
    labels = district_labels(page)
    assert labels[:3] == ["全部", "历下区", "市中区"] and "莱芜区" in labels and "薛城区" not in labels
    page.get_by_label("区县").select_option(label="市中区")
    search(page)
    assert result_names(page) == ["济南市中区网点"]
    assert parse_qs(urlsplit(page.url).query)["district"] == ["370103"]
    # choosing a district while no city is chosen chooses its city
    page.goto(live_server("/outlets"))
    page.get_by_text("筛选：城市、区县、类型、状态、运营企业").click()
    page.get_by_label("区县").select_option(value="370402")
    expect(page.get_by_label("城市")).to_have_value("370400")


def test_without_scripts_the_server_checks_the_district_against_the_city(new_page, live_server, outlets):
    page = new_page(viewport=PHONE, java_script_enabled=False)
    page.goto(live_server("/outlets?district=370402"))
    assert result_names(page) == ["枣庄市中区网点"]
    page.get_by_text("筛选：城市、区县、类型、状态、运营企业").click()
    page.get_by_label("城市").select_option(label="济南市")  # the district list does not follow
    search(page)
    expect(page.get_by_text("市中区属于枣庄市，不属于济南市。已按不限区县查询。")).to_be_visible()
    assert sorted(result_names(page)) == sorted(["济南市中区网点", "泉城新能源换电站"])


def test_the_detail_page_opens_maps_and_returns_to_the_same_search(new_page, live_server, outlets):
    page = new_page(viewport=PHONE)
    page.goto(live_server("/outlets?city=370100&type=collection"))
    page.get_by_role("link", name="泉城新能源换电站").click()
    expect(page.locator(".facts .address")).to_have_text("济南市历城区工业北路288号")
    for name in ("高德地图", "高德导航到这里", "百度地图", "腾讯地图"):
        expect(page.get_by_role("link", name=name)).to_be_visible()
    assert "coord_type=gcj02" in page.get_by_role("link", name="百度地图").get_attribute("href")
    page.get_by_role("link", name="← 返回网点列表").click()
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"city": ["370100"], "type": ["collection"]} and page.url.endswith("#results")
    expect(page.get_by_label("城市", exact=True)).to_have_value("370100")
    assert sorted(result_names(page)) == sorted(["济南市中区网点", "泉城新能源换电站"])


def test_at_desk_width_the_filters_are_shown_without_a_click(page, live_server, outlets):
    page.goto(live_server("/outlets"))
    expect(page.get_by_label("城市")).to_be_visible()
    expect(page.get_by_label("区县")).to_be_visible()
