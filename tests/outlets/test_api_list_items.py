"""GET /api/v1/outlets shows each outlet exactly as GET /api/v1/outlets/<code> does (the list reads plain
rows, the detail the Outlet object): every field, the car makers served, on every kind of list."""

from __future__ import annotations

import pytest

from portal.outlets.models import OutletMaker
from tests.factories import SAMPLE_OUTLETS, commit_and_index, make_member, make_outlet, make_user

pytestmark = pytest.mark.db


@pytest.fixture
def outlets(app, session):
    staff = make_user(session, "staff")
    made = [make_outlet(session, staff, **{"district": "", **values}) for values in SAMPLE_OUTLETS.values()]
    makers = [
        make_member(session, name=f"鲁风新能源汽车{i}有限公司", activities=("vehicle_maker",))[0] for i in range(2)
    ]
    session.flush()
    session.add_all(OutletMaker(outlet_id=made[0].id, enterprise_id=m.id) for m in reversed(makers))
    session.add(OutletMaker(outlet_id=made[1].id, enterprise_id=makers[1].id))
    commit_and_index(session)
    return made, sorted(m.id for m in makers)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "新能源"},
        {"q": "路"},
        {"near": "36.66,117.12"},
        {"near": "36.66,117.12", "q": "路"},
        {"status": "closed"},
    ],
)
def test_a_list_item_is_the_detail_item(client, outlets, params):
    body = client.get("/api/v1/outlets", query_string=params).get_json()
    assert body["items"], params
    for item in body["items"]:
        detail = client.get(f"/api/v1/outlets/{item['code']}").get_json()
        if "near" in params:
            assert isinstance(item.pop("distance_km"), float)
        assert item == detail


def test_the_car_makers_of_a_listed_outlet(client, outlets):
    made, maker_ids = outlets
    items = {item["code"]: item for item in client.get("/api/v1/outlets").get_json()["items"]}
    assert items[made[0].code]["car_maker_ids"] == maker_ids
    assert items[made[1].code]["car_maker_ids"] == maker_ids[1:]
    assert items[made[2].code]["car_maker_ids"] == []


def test_a_site_search_hit_shows_an_outlet_as_its_object_would(app, session, client, outlets):
    from portal import search
    from portal.outlets.search import present_outlet

    made, _makers = outlets
    ids = [o.id for o in made]
    assert search.SOURCES["outlet"].present(session, ids) == {o.id: present_outlet(o) for o in made}
    body = client.get("/api/v1/search", query_string={"q": made[0].name, "kind": "outlet"}).get_json()
    assert body["items"][0]["title"] == made[0].name
    assert body["items"][0]["url"] == f"/outlets/{made[0].code}"
