"""A pack followed from production to final processing through the API, with every hand-over confirmed."""

from __future__ import annotations

import pytest

from tests.factories import battery_code

pytestmark = pytest.mark.db


def test_a_pack_from_production_through_an_outlet_and_cascade_use_to_final_processing(world, api, at):
    pack = battery_code()
    made = api(
        "POST",
        "/batteries",
        world.maker.token,
        json={"code": pack.lower(), "rated_capacity_kwh": 55.2, "mass_kg": "380"},
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["state"] == "new"
    assert made.get_json()["holder"]["credit_code"] == world.maker.credit_code

    at("2026-11-03 09:00")
    sold = api(
        "POST",
        f"/batteries/{pack}/events",
        world.maker.token,
        json={"event": "sold", "occurred_at": "2026-11-03 08:30", "counterparty_credit_code": world.car.credit_code},
    )
    assert sold.status_code == 201, sold.get_json()
    body = sold.get_json()["battery"]
    assert body["state"] == "in_transit" and body["holder"] is None
    assert body["in_transit_to"]["credit_code"] == world.car.credit_code

    received = api(
        "POST", f"/batteries/{pack}/receipt", world.car.token, json={"accept": True, "occurred_at": "2026-11-03 08:45"}
    )
    assert received.status_code == 200, received.get_json()
    assert received.get_json()["holder"]["credit_code"] == world.car.credit_code

    fitted = api(
        "POST",
        f"/batteries/{pack}/events",
        world.car.token,
        json={"event": "fitted", "occurred_at": "2026-11-03 08:50", "vin": "LFV2A21K8G4043336"},
    )
    assert fitted.status_code == 201, fitted.get_json()

    retired = api(
        "POST",
        f"/batteries/{pack}/events",
        world.car.token,
        json={
            "event": "retired",
            "occurred_at": "2026-11-03 08:55",
            "counterparty_credit_code": world.outlet_operator.credit_code,
            "outlet_code": world.outlet_code,
        },
    )
    assert retired.status_code == 201, retired.get_json()

    intake = api(
        "POST",
        f"/batteries/{pack}/events",
        world.outlet_operator.token,
        json={"event": "outlet_intake", "occurred_at": "2026-11-03 08:58"},
    )
    assert intake.status_code == 201, intake.get_json()
    assert intake.get_json()["battery"]["state"] == "at_outlet"
    assert intake.get_json()["battery"]["location"]["outlet_code"] == world.outlet_code

    out = api(
        "POST",
        f"/batteries/{pack}/events",
        world.outlet_operator.token,
        json={
            "event": "outlet_dispatch",
            "occurred_at": "2026-11-03 08:59",
            "counterparty_credit_code": world.cascade.credit_code,
        },
    )
    assert out.status_code == 201, out.get_json()
    took = api(
        "POST",
        f"/batteries/{pack}/events",
        world.cascade.token,
        json={"event": "cascade_intake", "occurred_at": "2026-11-03 08:59:30"},
    )
    assert took.status_code == 201, took.get_json()

    product = battery_code(maker="T8K", kind="B")
    recoded = api(
        "POST",
        "/batteries",
        world.cascade.token,
        json={"code": product, "rated_capacity_kwh": 40, "mass_kg": 300, "source_codes": [pack]},
    )
    assert recoded.status_code == 201, recoded.get_json()
    assert recoded.get_json()["recoded_from"] == [pack]

    shipped = api(
        "POST",
        f"/batteries/{product}/events",
        world.cascade.token,
        json={
            "event": "cascade_dispatch",
            "occurred_at": "2026-11-03 09:00",
            "counterparty_credit_code": world.stranger.credit_code,
        },
    )
    assert shipped.status_code == 201, shipped.get_json()
    assert (
        api(
            "POST",
            f"/batteries/{product}/receipt",
            world.stranger.token,
            json={"accept": True, "occurred_at": "2026-11-03 09:00"},
        ).get_json()["state"]
        == "in_use"
    )
    assert (
        api(
            "POST",
            f"/batteries/{product}/events",
            world.stranger.token,
            json={
                "event": "retired",
                "occurred_at": "2026-11-03 09:00",
                "counterparty_credit_code": world.recycler.credit_code,
            },
        ).status_code
        == 201
    )
    assert (
        api(
            "POST",
            f"/batteries/{product}/events",
            world.recycler.token,
            json={"event": "recycler_intake", "occurred_at": "2026-11-03 09:00"},
        ).status_code
        == 201
    )
    done = api(
        "POST",
        f"/batteries/{product}/events",
        world.recycler.token,
        json={
            "event": "final_processing",
            "occurred_at": "2026-11-03 09:00",
            "recovered_kg": {"li": 3.1, "ni": 0, "co": 0, "mn": 0},
        },
    )
    assert done.status_code == 201, done.get_json()
    assert done.get_json()["battery"]["state"] == "recycled"

    original = api("GET", f"/batteries/{pack}", world.maker.token).get_json()
    assert original["recoded_as"] == [product]
    assert [e["event"] for e in original["events"]] == [
        "produced",
        "sold",
        "fitted",
        "retired",
        "outlet_intake",
        "outlet_dispatch",
        "cascade_intake",
    ]
    assert api("GET", f"/batteries/{pack}", world.stranger.token).status_code == 404
