"""The Chinese search rules of the outlet list, through the public API and the page."""

from __future__ import annotations

import pytest

from tests.factories import commit_and_index, make_outlet, make_user
from tests.outlets.samples import make_samples

pytestmark = pytest.mark.db


@pytest.fixture
def outlets(app, session):
    staff = make_user(session, "staff")
    made = make_samples(session, staff)
    made["changjiang"] = make_outlet(
        session,
        staff,
        name="长江",
        operator="长江物流有限公司",
        address="淄博市张店区华光路1号",
        city="淄博",
        district="张店区",
        lat="36.80",
        lon="118.05",
    )
    commit_and_index(session)
    return made


def names(client, **params) -> list[str]:
    response = client.get("/api/v1/outlets", query_string=params)
    assert response.status_code == 200, response.get_json()
    return [item["name"] for item in response.get_json()["items"]]


@pytest.mark.parametrize(
    "fragment",
    [
        "长江路",
        "开发区长江",
        "江路188",
        "188号",
        "4S店",
        "4s店",
        "鲁风",
        "风汽车销",
        "烟台市开发区长江路188号",
        "回收服务网点",
    ],
)
def test_any_fragment_of_name_operator_or_address_finds_the_outlet(client, outlets, fragment):
    assert "鲁风汽车烟台开发区4S店回收服务网点" in names(client, q=fragment)


def test_fragments_that_do_not_occur_find_nothing(client, outlets):
    assert names(client, q="长江北路") == []
    assert names(client, q="188路") == []
    assert "鲁风汽车烟台开发区4S店回收服务网点" not in names(client, q="工业北路")


def test_every_word_of_the_query_must_occur(client, outlets):
    assert names(client, q="烟台 长江路") == ["鲁风汽车烟台开发区4S店回收服务网点"]
    assert names(client, q="济南 长江路") == []


def test_full_width_and_case_are_normalised(client, outlets):
    assert "鲁风汽车烟台开发区4S店回收服务网点" in names(client, q="１８８号")
    assert "鲁风汽车烟台开发区4S店回收服务网点" in names(client, q="４Ｓ店")


def test_exact_name_ranks_first(client, outlets):
    # "长江" occurs in the address of the Yantai outlet too, but one outlet is named exactly 长江.
    assert names(client, q="长江")[0] == "长江"


def test_closed_outlets_leave_the_default_list_but_stay_reachable(client, outlets):
    assert "已关闭的长江路网点" not in names(client, q="长江路")
    assert "已关闭的长江路网点" in names(client, q="长江路", status="已关闭")
    response = client.get(f"/outlets/{outlets['closed'].code}")
    assert response.status_code == 200
    assert "该网点已关闭" in response.get_data(as_text=True)


def test_filters_combine_with_search(client, outlets):
    assert names(client, q="新能源", city="济南") == ["泉城新能源换电站"]
    assert names(client, q="新能源", city="370200") == []
    assert names(client, type="集中贮存型") == ["海湾动力集中贮存中心"]
    assert names(client, operator="鲁风汽车销售服务有限公司") == ["鲁风汽车烟台开发区4S店回收服务网点"]


def test_near_sorts_by_distance_and_reports_it(client, outlets):
    response = client.get("/api/v1/outlets", query_string={"near": "36.66,117.12"})
    items = response.get_json()["items"]
    assert items[0]["name"] == "泉城新能源换电站"
    distances = [item["distance_km"] for item in items]
    assert distances == sorted(distances)
    assert 0 < distances[0] < 10


def test_a_change_reaches_the_index_after_catch_up(app, client, session, outlets):
    from portal.outlets import services, validation

    staff = make_user(session, "staff")
    outlet = outlets["jinan"]
    data = validation.OutletInput(
        code=outlet.code,
        name="泉城新能源章丘服务站",
        operator=outlet.operator_name,
        city="370100",
        district="章丘区",
        address="济南市章丘区明水大道1号",
        type="收集型",
    )
    services.update_outlet(session, staff, outlet.id, data)
    commit_and_index(session)
    assert names(client, q="章丘") == ["泉城新能源章丘服务站"]
    assert names(client, q="工业北路") == []


def test_empty_result_page_suggests_what_to_loosen(client, outlets):
    page = client.get("/outlets", query_string={"q": "不存在的网点", "city": "济南"}).get_data(as_text=True)
    assert "没有找到符合条件的网点" in page
    assert "去掉城市、类型、状态等筛选条件再试" in page


def test_the_page_shows_what_the_public_needs(client, outlets):
    page = client.get("/outlets", query_string={"q": "长江路188号"}).get_data(as_text=True)
    for text in (
        "鲁风汽车烟台开发区4S店回收服务网点",
        "鲁风汽车销售服务有限公司",
        "收集型",
        "烟台市开发区长江路188号",
        "0535-6666666",
        "待核查",
        "尚未核查",
    ):
        assert text in page


@pytest.mark.parametrize(
    "params, field",
    [
        ({"city": "北京"}, "city"),
        ({"type": "大型"}, "type"),
        ({"near": "abc"}, "near"),
        ({"per_page": "500"}, "per_page"),
        ({"page": "0"}, "page"),
        ({"status": "open"}, "status"),
    ],
)
def test_bad_parameters_are_refused_with_the_field_named(client, outlets, params, field):
    response = client.get("/api/v1/outlets", query_string=params)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert client.get("/outlets", query_string=params).status_code == 422


def test_detail_api(client, outlets):
    response = client.get(f"/api/v1/outlets/{outlets['qingdao'].code}")
    item = response.get_json()
    for key in (
        "code",
        "name",
        "operator",
        "type",
        "city",
        "district",
        "address",
        "phone",
        "status",
        "last_verified_on",
        "lat",
        "lon",
    ):
        assert key in item
    assert item["type"] == "centralized" and item["city"] == "370200"
    missing = client.get("/api/v1/outlets/NOPE0000")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
