"""A small chain of member enterprises, each with an admin and a token, and an outlet in a car maker's network."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import battery_code


@dataclass
class Party:
    id: int
    name: str
    credit_code: str
    email: str
    token: str


@dataclass
class World:
    maker: Party  # battery maker
    car: Party  # car maker
    outlet_operator: Party
    cascade: Party
    recycler: Party
    stranger: Party  # a member with nothing to do with the batteries
    outlet_code: str


@pytest.fixture
def world(session, at) -> World:
    from portal.core.actors import system
    from portal.outlets import services as outlet_services
    from tests.factories import make_member, make_outlet, make_token

    at("2026-11-02 10:00")
    parties = {}
    for key, name, activity in (
        ("maker", "齐鲁动力电池有限公司", "battery_maker"),
        ("car", "鲁风新能源汽车股份有限公司", "vehicle_maker"),
        ("outlet_operator", "烟台回收网点运营有限公司", "outlet_operator"),
        ("cascade", "泰山梯次利用科技有限公司", "cascade_use"),
        ("recycler", "黄河再生资源有限公司", "recycling"),
        ("stranger", "无关储能有限公司", "other"),
    ):
        enterprise, admin = make_member(session, name=name, activities=(activity,))
        parties[key] = Party(
            enterprise.id, enterprise.name, enterprise.credit_code, admin.email, make_token(session, enterprise)
        )
    outlet = make_outlet(
        session, operator=parties["outlet_operator"].name, operator_credit_code=parties["outlet_operator"].credit_code
    )
    outlet_services.set_makers(session, system("test"), outlet.id, [parties["car"].id])
    session.commit()
    return World(**parties, outlet_code=outlet.code)


@pytest.fixture
def api(client):
    """Call the API with a token: api("POST", "/batteries", token, json=..., key=...)."""

    def call(method: str, path: str, token: str | None, *, json=None, key: str | None = None, headers=None):
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        if key:
            sent["Idempotency-Key"] = key
        return client.open("/api/v1" + path, method=method, json=json, headers=sent)

    return call


def in_car(world, api) -> str:
    """A pack made by the maker, sold to the car maker (confirmed) and fitted: its code."""
    code = battery_code()
    api("POST", "/batteries", world.maker.token, json={"code": code, "rated_capacity_kwh": 60, "mass_kg": 420})
    api(
        "POST",
        f"/batteries/{code}/events",
        world.maker.token,
        json={"event": "sold", "occurred_at": "2026-11-02 08:00", "counterparty_credit_code": world.car.credit_code},
    )
    api("POST", f"/batteries/{code}/receipt", world.car.token, json={"accept": True, "occurred_at": "2026-11-02 08:10"})
    api(
        "POST",
        f"/batteries/{code}/events",
        world.car.token,
        json={"event": "fitted", "occurred_at": "2026-11-02 08:20", "vin": "LFV2A21K8G4043336"},
    )
    return code
