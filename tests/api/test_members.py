"""GET /api/v1/members: the public directory of approved members."""

from __future__ import annotations

import pytest

from tests.factories import make_application, make_enterprise, make_member

pytestmark = pytest.mark.db

FIELDS = {
    "id",
    "name",
    "credit_code",
    "membership_number",
    "tier",
    "tier_label",
    "membership_state",
    "city",
    "city_label",
    "activities",
    "website",
    "whitelist_batch",
    "whitelist_activity",
    "profile_url",
}


@pytest.fixture
def directory(session, at):
    """Three members in two cities, an applicant and a rejected enterprise."""
    at("2026-03-01 09:00")
    yantai, _ = make_member(
        session, name="烟台绿源再生资源有限公司", city="370600", tier="council", activities=("recycling", "cascade_use")
    )
    jinan, _ = make_member(session, name="济南动力电池梯次利用有限公司", city="370100", activities=("cascade_use",))
    qingdao, _ = make_member(session, name="青岛新能源汽车有限公司", city="370200", activities=("vehicle_maker",))
    make_application(session)
    make_enterprise(session, name="已驳回的企业有限公司", status="rejected")
    session.commit()
    return {"yantai": yantai.id, "jinan": jinan.id, "qingdao": qingdao.id}


def names(response) -> list[str]:
    return [item["name"] for item in response.get_json()["items"]]


def test_lists_only_approved_members_with_the_documented_shape(client, directory):
    response = client.get("/api/v1/members")

    body = response.get_json()
    assert response.status_code == 200
    assert set(body) == {"items", "total", "page", "per_page"}
    assert (body["total"], body["page"], body["per_page"]) == (3, 1, 20)
    assert sorted(names(response)) == sorted(
        ["烟台绿源再生资源有限公司", "济南动力电池梯次利用有限公司", "青岛新能源汽车有限公司"]
    )
    first = body["items"][0]
    assert set(first) == FIELDS
    assert first["id"] == directory["yantai"]
    assert first["membership_number"] == "SDBRA-2026-0001"
    assert (first["tier"], first["tier_label"]) == ("council", "理事单位")
    assert (first["city"], first["city_label"]) == ("370600", "烟台市")
    assert first["activities"] == ["cascade_use", "recycling"]
    assert first["membership_state"] == "active"
    assert first["profile_url"] == f"/members/{directory['yantai']}"
    assert len(first["credit_code"]) == 18


def test_leaves_out_private_details(client, directory):
    text = client.get("/api/v1/members").get_data(as_text=True)

    for private in ("contact", "phone", "bank", "address", "@example.cn"):
        assert private not in text


def test_pages_through_the_members(client, directory):
    first = client.get("/api/v1/members?per_page=2").get_json()
    second = client.get("/api/v1/members?per_page=2&page=2").get_json()
    beyond = client.get("/api/v1/members?per_page=2&page=3").get_json()

    assert [len(first["items"]), len(second["items"]), len(beyond["items"])] == [2, 1, 0]
    assert first["total"] == second["total"] == beyond["total"] == 3
    assert (second["page"], second["per_page"]) == (2, 2)
    ids = [i["id"] for i in first["items"] + second["items"]]
    assert sorted(ids) == sorted(directory.values())


def test_per_page_100_is_allowed(client, directory):
    assert client.get("/api/v1/members?per_page=100").get_json()["per_page"] == 100


@pytest.mark.parametrize("value", ["370600", "烟台", "烟台市", "Yantai", " 烟台市 "])
def test_filters_by_city_code_or_label(client, directory, value):
    response = client.get("/api/v1/members", query_string={"city": value})

    assert names(response) == ["烟台绿源再生资源有限公司"]


@pytest.mark.parametrize("value", ["cascade_use", "梯次利用"])
def test_filters_by_activity_code_or_label(client, directory, value):
    response = client.get("/api/v1/members", query_string={"activity": value})

    assert sorted(names(response)) == sorted(["烟台绿源再生资源有限公司", "济南动力电池梯次利用有限公司"])


@pytest.mark.parametrize("value", ["council", "理事单位"])
def test_filters_by_tier_code_or_label(client, directory, value):
    response = client.get("/api/v1/members", query_string={"tier": value})

    assert names(response) == ["烟台绿源再生资源有限公司"]


def test_filters_combine(client, directory):
    response = client.get("/api/v1/members", query_string={"activity": "梯次利用", "city": "济南"})

    assert names(response) == ["济南动力电池梯次利用有限公司"]


def test_searches_by_part_of_the_name(client, directory):
    assert names(client.get("/api/v1/members", query_string={"q": "青岛"})) == ["青岛新能源汽车有限公司"]


def test_wildcards_in_the_query_are_taken_literally(client, directory):
    assert client.get("/api/v1/members", query_string={"q": "%"}).get_json()["total"] == 0
    assert client.get("/api/v1/members", query_string={"q": "_"}).get_json()["total"] == 0


def test_searches_by_full_credit_code_in_any_case(client, directory):
    code = client.get("/api/v1/members?city=青岛").get_json()["items"][0]["credit_code"]

    response = client.get("/api/v1/members", query_string={"q": code.lower()})

    assert names(response) == ["青岛新能源汽车有限公司"]


def test_an_empty_directory_is_an_empty_page(client):
    assert client.get("/api/v1/members").get_json() == {"items": [], "total": 0, "page": 1, "per_page": 20}
