"""The public outlet pages as a visitor uses them: districts of the chosen city, the detail page with
map links and the way back to the same search, operators that are members, and the exports."""

from __future__ import annotations

import datetime as dt
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook

from portal.core import geo
from tests.factories import commit_and_index, make_member, make_outlet, make_user
from tests.outlets.samples import make_samples

pytestmark = pytest.mark.db


@pytest.fixture
def outlets(app, session):
    staff = make_user(session, "staff")
    made = make_samples(session, staff)
    made["jinan_shizhong"] = make_outlet(
        session,
        staff,
        name="济南市中区网点",
        address="济南市市中区经十路1号",
        city="济南",
        district="市中区",
        lat="36.64",
        lon="117.00",
    )
    made["zaozhuang_shizhong"] = make_outlet(
        session,
        staff,
        name="枣庄市中区网点",
        address="枣庄市市中区光明路2号",
        city="枣庄",
        district="市中区",
        lat="34.86",
        lon="117.56",
    )
    commit_and_index(session)
    return made


def page_names(client, **params) -> list[str]:
    html = client.get("/outlets", query_string=params).get_data(as_text=True)
    return re.findall(r'<h2><a href="/outlets/[^"]+">([^<]+)</a></h2>', html)


def test_the_district_list_groups_districts_under_their_city(client, outlets):
    html = client.get("/outlets").get_data(as_text=True)
    select = html[html.index('<select id="district"') : html.index("</select>", html.index('<select id="district"'))]
    assert select.count(">市中区</option>") == 2
    assert '<optgroup label="济南市" data-city="370100">' in select
    assert re.search(r'<optgroup label="枣庄市" data-city="370400">\s*<option value="370402"', select)
    assert select.index('value="370103"') < select.index('label="青岛市"') < select.index('value="370402"')


def test_the_two_shizhong_districts_are_filtered_apart(client, outlets):
    assert page_names(client, district="370103") == ["济南市中区网点"]
    assert page_names(client, district="370402") == ["枣庄市中区网点"]
    assert page_names(client, city="370400", district="市中区") == ["枣庄市中区网点"]


def test_a_district_of_another_city_is_left_out_with_a_message(client, outlets):
    response = client.get("/outlets", query_string={"city": "370400", "district": "370102"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "历下区属于济南市，不属于枣庄市。已按不限区县查询。" in html
    assert page_names(client, city="370400", district="370102") == ["枣庄市中区网点"]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"district": "市中区"}, "济南市、枣庄市都有“市中区”，请同时选择城市。"),
        ({"district": "999999"}, "没有代码为“999999”的区县。"),
        ({"district": "\x00<script>"}, "山东省没有名为"),
    ],
)
def test_odd_districts_never_fail_the_page(client, outlets, params, message):
    response = client.get("/outlets", query_string=params)
    assert response.status_code == 200 and message in response.get_data(as_text=True)


def test_the_api_finds_nothing_for_a_district_of_another_city_and_refuses_an_unknown_one(client, outlets):
    response = client.get("/api/v1/outlets", query_string={"city": "370400", "district": "历下区"})
    assert response.status_code == 200 and response.get_json()["total"] == 0  # city AND district: none
    unknown = client.get("/api/v1/outlets", query_string={"district": "长岛县"})
    assert unknown.status_code == 422 and unknown.get_json()["error"]["fields"]["district"] == "无法识别的取值：长岛县"
    ok = client.get("/api/v1/outlets", query_string={"district": "370402"}).get_json()
    assert [i["name"] for i in ok["items"]] == ["枣庄市中区网点"]
    assert (ok["items"][0]["district"], ok["items"][0]["district_code"]) == ("市中区", "370402")


def test_a_form_names_the_district_of_its_city(client, session, outlets, login):
    staff = make_user(session, "staff")
    session.commit()
    login(staff.email)
    response = client.post(
        f"/outlets/{outlets['jinan'].code}/edit",
        data={
            "code": outlets["jinan"].code,
            "name": "泉城新能源换电站",
            "operator": "济南泉城新能源汽车有限公司",
            "type": "collection",
            "city": "370100",
            "district": "370402",
            "address": "济南市历城区工业北路288号",
        },
    )
    assert response.status_code == 422
    assert "市中区属于枣庄市，不属于济南市。" in response.get_data(as_text=True)
    edit = client.get(f"/outlets/{outlets['jinan'].code}/edit").get_data(as_text=True)
    assert re.search(r'<option value="370112" data-city="370100" selected>历城区</option>', edit)


def test_the_detail_page_shows_the_address_once_and_map_links_in_gcj02(client, outlets):
    jinan = outlets["jinan"]
    html = client.get(f"/outlets/{jinan.code}").get_data(as_text=True)
    assert html.count("济南市历城区工业北路288号") == 1 + html.count("addr:济南市历城区工业北路288号")
    assert "历城区 ·" not in html and "WGS-84" not in html
    glat, glon = geo.wgs84_to_gcj02(jinan.lat, jinan.lon)
    amap = re.search(r'href="(https://uri\.amap\.com/marker\?[^"]+)"', html).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(amap).query)["position"] == [f"{glon:.6f},{glat:.6f}"]
    for host in ("https://uri.amap.com/navigation?", "https://api.map.baidu.com/marker?", "https://apis.map.qq.com/"):
        assert f'href="{host}' in html
    assert '<script src="http' not in html and "<iframe" not in html


def test_an_address_without_its_city_gets_it_in_front(client, session, outlets):
    outlet = make_outlet(session, address="长江路9号", city="威海", district="环翠区", lat="37.5", lon="122.1")
    session.commit()
    html = client.get(f"/outlets/{outlet.code}").get_data(as_text=True)
    assert '<dd class="address">威海市环翠区长江路9号</dd>' in html


def test_back_to_the_list_returns_to_the_same_search(client, outlets):
    listing = client.get("/outlets", query_string={"city": "370600", "type": "collection", "q": "长江路"})
    link = re.search(r'<h2><a href="(/outlets/[^"]+)">鲁风', listing.get_data(as_text=True)).group(1)
    detail = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    back = re.search(r'class="back-link" href="([^"]+)"', detail).group(1).replace("&amp;", "&")
    parts = urlsplit(back)
    assert parts.path == "/outlets" and parts.fragment == "results"
    assert parse_qs(parts.query) == {"city": ["370600"], "type": ["collection"], "q": ["长江路"]}
    plain = client.get(f"/outlets/{outlets['jinan'].code}").get_data(as_text=True)
    assert 'class="back-link" href="/outlets"' in plain


def test_a_member_operator_is_linked_and_its_profile_lists_its_open_outlets(client, session, app):
    enterprise, _admin = make_member(session, name="鲁风汽车销售服务有限公司")
    staff = make_user(session, "staff")
    open_one = make_outlet(
        session, staff, name="鲁风网点一", operator=enterprise.name, operator_credit_code=enterprise.credit_code
    )
    closed = make_outlet(
        session,
        staff,
        name="鲁风已关闭网点",
        operator=enterprise.name,
        operator_credit_code=enterprise.credit_code,
        status="已关闭",
    )
    other = make_outlet(session, staff, name="非会员网点", operator="某物流公司")
    session.commit()
    assert open_one.operator_enterprise_id == enterprise.id
    html = client.get(f"/outlets/{open_one.code}").get_data(as_text=True)
    link = f'<a href="/members/{enterprise.id}">鲁风汽车销售服务有限公司</a>'
    assert f'{link} <span class="tag member-tag">协会会员</span>' in html
    assert "协会会员" not in client.get(f"/outlets/{other.code}").get_data(as_text=True)
    profile = client.get(f"/members/{enterprise.id}").get_data(as_text=True)
    assert "运营的回收服务网点（1 个）" in profile
    assert f'href="/outlets/{open_one.code}">鲁风网点一</a>' in profile and closed.name not in profile


def test_an_operator_that_is_no_longer_a_member_is_not_linked(client, session):
    enterprise, _admin = make_member(session, name="已退会企业有限公司")
    outlet = make_outlet(session, operator=enterprise.name, operator_credit_code=enterprise.credit_code)
    enterprise.status = "rejected"
    session.commit()
    html = client.get(f"/outlets/{outlet.code}").get_data(as_text=True)
    assert f"/members/{enterprise.id}" not in html and "协会会员" not in html


def _sheet(client, **params):
    response = client.get("/outlets/export.xlsx", query_string=params)
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    return workbook.worksheets[0]


def test_the_xlsx_export_has_widths_a_frozen_header_and_typed_cells(client, session, outlets):
    from portal.core.actors import system
    from portal.outlets import services

    services.set_status(session, system("test"), outlets["jinan"].id, "compliant", verified_on=dt.date(2026, 11, 3))
    session.commit()
    sheet = _sheet(client, city="370100", district="370112")
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["网点编号", "网点名称", "运营企业"] and "距离（公里）" not in header
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width >= 30 and sheet.column_dimensions["G"].width >= 30
    row = dict(zip(header, [c for c in sheet[2]], strict=True))
    assert row["网点名称"].value == "泉城新能源换电站" and sheet.max_row == 2
    assert isinstance(row["经度"].value, float) and row["经度"].value == pytest.approx(117.10)
    assert isinstance(row["纬度"].value, float) and row["纬度"].number_format == "0.000000"
    assert row["最近核查日期"].is_date and row["最近核查日期"].value.date() == dt.date(2026, 11, 3)
    assert row["区县"].value == "历城区" and row["城市"].value == "济南市"


def test_the_nearest_export_has_the_distance_in_km(client, outlets):
    sheet = _sheet(client, near="36.66,117.12")
    header = [c.value for c in sheet[1]]
    assert header[0] == "距离（公里）"
    distances = [sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)]
    assert all(isinstance(d, float) for d in distances) and distances == sorted(distances)
    first_name = sheet.cell(row=2, column=header.index("网点名称") + 1).value
    assert first_name == "泉城新能源换电站" and distances[0] == pytest.approx(
        geo.haversine_km(36.66, 117.12, 36.70, 117.10), abs=0.01
    )
    csv_text = client.get("/outlets/export.csv", query_string={"near": "36.66,117.12"}).data.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("距离（公里）,网点编号")


def test_a_formula_in_an_export_stays_text(client, session):
    make_outlet(session, name='=HYPERLINK("http://x")网点', address="烟台市开发区长江路1号")
    session.commit()
    sheet = _sheet(client)
    names = [c.value for c in sheet["B"]]
    assert '=HYPERLINK("http://x")网点' in names
    cell = next(c for c in sheet["B"] if c.value == '=HYPERLINK("http://x")网点')
    assert cell.data_type == "s"


def test_in_english_the_districts_are_named_in_english(client, outlets):
    html = client.get("/outlets", query_string={"lang": "en", "city": "370400"}).get_data(as_text=True)
    assert '<optgroup label="Zaozhuang" data-city="370400">' in html
    assert ">Shizhong District</option>" in html and ">Lixia District</option>" in html
    assert ">市中区</option>" not in html


@pytest.mark.parametrize("params", [{"city": "北京"}, {"near": "abc"}, {"district": "370102", "city": "370400"}])
def test_an_export_with_odd_filters_never_fails(client, outlets, params):
    response = client.get("/outlets/export.xlsx", query_string=params)
    assert response.status_code in (200, 422)
    if "district" in params:  # the district is left out, as on the page
        sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
        assert [c.value for c in sheet["B"]][1:] == ["枣庄市中区网点"]
