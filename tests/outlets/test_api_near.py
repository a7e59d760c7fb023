"""GET /api/v1/outlets with near: the distance order, with and without a search, against a brute-force
sort of the same outlets; and the list order the list indexes serve."""

from __future__ import annotations

import pytest

from portal.core.geo import haversine_km
from tests.factories import commit_and_index, make_outlet, make_user

pytestmark = pytest.mark.db

HERE = (36.66, 117.12)


@pytest.fixture
def outlets(app, session):
    staff = make_user(session, "staff")
    made = []
    for i, (lat, lon) in enumerate([(36.70, 117.10), (36.61, 117.20), (36.90, 117.00), (36.66, 117.12), (36.5, 117.4)]):
        made.append(
            make_outlet(
                session,
                staff,
                name=f"长江路第{i}回收网点" if i % 2 == 0 else f"黄河路第{i}换电站",
                operator="济南测试新能源有限公司",
                address=f"济南市历城区长江路{i}号" if i % 2 == 0 else f"济南市历城区黄河路{i}号",
                city="济南",
                district="历城区",
                lat=str(lat),
                lon=str(lon),
            )
        )
    made.append(
        make_outlet(
            session,
            staff,
            name="长江路无坐标网点",
            address="济南市历城区长江路99号",
            city="济南",
            district="历城区",
            lat="",
            lon="",
        )
    )
    commit_and_index(session)
    return made


def expected(outlets, fragment: str = "") -> list[tuple[str, float]]:
    found = [o for o in outlets if o.lat is not None and fragment in o.name + o.address]
    distances = {o.name: haversine_km(*HERE, o.lat, o.lon) for o in found}
    ordered = sorted(found, key=lambda o: (distances[o.name], o.id))
    return [(o.name, round(distances[o.name], 3)) for o in ordered]


def near(client, **params) -> dict:
    response = client.get("/api/v1/outlets", query_string={"near": f"{HERE[0]},{HERE[1]}", **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_near_with_a_search_orders_the_hits_with_coordinates_by_distance(client, outlets):
    body = near(client, q="长江路")
    assert [(item["name"], item["distance_km"]) for item in body["items"]] == expected(outlets, "长江路")
    assert body["total"] == 3  # the outlet without coordinates is left out


def test_near_with_a_search_that_finds_nothing(client, outlets):
    assert near(client, q="没有这样的网点") == {"items": [], "total": 0, "page": 1, "per_page": 20}


def test_near_pages_and_without_a_search(client, outlets):
    first, second = near(client, per_page=2), near(client, per_page=2, page=2)
    names = [item["name"] for item in first["items"] + second["items"]]
    assert names == [name for name, _km in expected(outlets)][:4]
    assert first["total"] == 5


def test_the_list_without_text_is_in_city_and_name_order_with_its_total(client, outlets):
    response = client.get("/api/v1/outlets", query_string={"city": "济南", "type": "collection", "per_page": 3})
    body = response.get_json()
    everything = sorted(outlets, key=lambda o: (o.city, o.name, o.id))
    assert [item["name"] for item in body["items"]] == [o.name for o in everything if o.type == "collection"][:3]
    assert body["total"] == sum(o.type == "collection" for o in outlets)


def test_near_with_a_search_pages_through_the_same_order_with_ties_by_id(client, session, outlets):
    staff = make_user(session, "staff")
    twins = [
        make_outlet(
            session,
            staff,
            name=f"长江路同址网点{i}",
            address="济南市历城区长江路7号",
            city="济南",
            district="历城区",
            lat="36.70",
            lon="117.10",
        )
        for i in range(2)
    ]
    commit_and_index(session)
    everything = outlets + twins
    pages = [near(client, q="长江路", per_page=2, page=n) for n in (1, 2, 3)]
    seen = [(item["name"], item["distance_km"]) for body in pages for item in body["items"]]
    assert seen == expected(everything, "长江路")  # the twins and outlet 0 share a place: by id
    assert [body["total"] for body in pages] == [5, 5, 5]


def test_an_outlet_moved_is_found_at_its_new_place_once_indexed(client, session, outlets):
    from portal.outlets import services
    from tests.factories import outlet_input

    staff = make_user(session, "staff")
    farthest = outlets[4]  # 长江路第4回收网点, at (36.5, 117.4)
    assert near(client, q="长江路")["items"][-1]["name"] == farthest.name
    data = outlet_input(
        code=farthest.code,
        name=farthest.name,
        address=farthest.address,
        city="济南",
        district="历城区",
        lat=str(HERE[0]),
        lon=str(HERE[1]),
    )
    services.update_outlet(session, staff, farthest.id, data)
    commit_and_index(session)
    body = near(client, q="长江路")
    assert (body["items"][0]["name"], body["items"][0]["distance_km"]) == (farthest.name, 0.0)
    assert [(i["name"], i["distance_km"]) for i in body["items"]] == expected(outlets, "长江路")
