"""The registry API from the refused side: tokens, scopes, other members, the public; batches; idempotency."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.api.models import ApiToken, IdempotentRequest
from portal.core.audit import AuditEntry
from portal.registry.models import Battery, BatteryEvent, BatteryTransfer
from tests.factories import battery_code, make_token
from tests.registry.conftest import in_car

pytestmark = pytest.mark.db


def _count(session, model) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def _register(api, token, code=None, **extra):
    code = code or battery_code()
    response = api("POST", "/batteries", token, json={"code": code, "rated_capacity_kwh": 60, "mass_kg": 420, **extra})
    assert response.status_code == 201, response.get_json()
    return code


def test_no_token_unknown_token_and_revoked_token_get_401_in_the_error_shape(world, api, session):
    from portal.api import tokens
    from portal.core.actors import system

    code = _register(api, world.maker.token)
    for token in (None, "sdbr_not-a-real-token"):
        answer = api("GET", f"/batteries/{code}", token)
        assert answer.status_code == 401
        assert answer.get_json()["error"]["code"] == "unauthorized"
    token_id = session.scalar(select(ApiToken.id).where(ApiToken.enterprise_id == world.maker.id))
    tokens.revoke_token(session, system("test"), token_id)
    session.commit()
    assert api("GET", f"/batteries/{code}", world.maker.token).status_code == 401
    refused = api(
        "POST", "/batteries", world.maker.token, json={"code": battery_code(), "rated_capacity_kwh": 1, "mass_kg": 1}
    )
    assert refused.status_code == 401
    assert _count(session, Battery) == 1


def test_a_token_without_the_scope_gets_403_and_writes_nothing(world, api, session):
    from portal.members.queries import get_enterprise

    read_only = make_token(session, get_enterprise(session, world.maker.id), scopes=("batteries:read",))
    session.commit()
    answer = api("POST", "/batteries", read_only, json={"code": battery_code(), "rated_capacity_kwh": 1, "mass_kg": 1})
    assert answer.status_code == 403
    assert "batteries:write" in answer.get_json()["error"]["message"]
    assert _count(session, Battery) == 0


def test_another_member_and_the_public_are_told_the_battery_does_not_exist(world, api, client):
    code = _register(api, world.maker.token)
    assert api("GET", f"/batteries/{code}", world.stranger.token).status_code == 404
    unknown = api("GET", f"/batteries/{battery_code()}", world.stranger.token)
    assert unknown.status_code == 404
    # Same answer for a code that exists and one that does not: existence is not disclosed.
    assert api("GET", f"/batteries/{code}", world.stranger.token).get_json() != {}
    assert client.get(f"/registry/batteries/{code}").status_code == 302  # the public: to the login page
    assert api("GET", "/batteries?holder=me", world.stranger.token).get_json()["total"] == 0


def test_a_member_cannot_move_a_battery_it_does_not_hold(world, api, session):
    code = _register(api, world.maker.token)
    answer = api(
        "POST",
        f"/batteries/{code}/events",
        world.car.token,
        json={
            "event": "sold",
            "occurred_at": "2026-11-02 09:00",
            "counterparty_credit_code": world.cascade.credit_code,
        },
    )
    assert answer.status_code == 422
    assert "code" in answer.get_json()["error"]["fields"]  # not found for it: it has never held it
    assert _count(session, BatteryEvent) == 1  # only the production


def test_an_event_that_does_not_fit_the_state_is_refused_with_the_reason_and_the_state(world, api, session):
    code = _register(api, world.maker.token)
    answer = api(
        "POST",
        f"/batteries/{code}/events",
        world.maker.token,
        json={
            "event": "final_processing",
            "occurred_at": "2026-11-02 09:00",
            "recovered_kg": {"li": 1, "ni": 0, "co": 0, "mn": 0},
        },
    )
    assert answer.status_code == 422
    message = answer.get_json()["error"]["fields"]["event"]
    assert "最终处置" in message and "未装车" in message and "装车" in message
    assert _count(session, BatteryEvent) == 1


def test_english_interface_gets_english_refusals(world, api):
    code = _register(api, world.maker.token)
    answer = api(
        "POST",
        f"/batteries/{code}/events?lang=en",
        world.maker.token,
        json={"event": "final_processing", "occurred_at": "2026-11-02 09:00"},
    )
    assert answer.status_code == 422
    assert "Final processing" in answer.get_json()["error"]["fields"]["event"]


def test_a_batch_is_all_or_nothing_and_names_every_bad_item_by_index_and_field(world, api, session):
    good = battery_code()
    items = [
        {"code": good, "rated_capacity_kwh": 60, "mass_kg": 400},
        {"code": "ABC", "rated_capacity_kwh": 60, "mass_kg": 400},
        {"code": battery_code(), "rated_capacity_kwh": -1, "mass_kg": 400},
        {"code": good, "rated_capacity_kwh": 60, "mass_kg": 400},
        {"code": battery_code(kind="C"), "rated_capacity_kwh": 60, "mass_kg": 400},
    ]
    answer = api("POST", "/batteries", world.maker.token, json={"items": items})
    assert answer.status_code == 422
    fields = answer.get_json()["error"]["fields"]
    assert set(fields) == {"items.1.code", "items.2.rated_capacity_kwh", "items.3.code", "items.4.chemistry"}
    assert "24" in fields["items.1.code"] and "第1项" in fields["items.3.code"]
    assert _count(session, Battery) == 0


def test_unknown_fields_are_refused_not_ignored(world, api, session):
    answer = api("POST", "/batteries", world.maker.token, json={"code": battery_code(), "capacity": 60, "mass_kg": 1})
    assert answer.status_code == 422
    assert "capacity" in answer.get_json()["error"]["fields"]
    assert api("POST", "/batteries", world.maker.token, json=["not", "an", "object"]).status_code == 422
    assert _count(session, Battery) == 0


def test_modules_belong_to_a_pack_registered_before_them(world, api):
    pack, module, cell = battery_code(), battery_code(product="M"), battery_code(product="C")
    answer = api(
        "POST",
        "/batteries",
        world.maker.token,
        json={
            "items": [
                {"code": pack, "rated_capacity_kwh": 60, "mass_kg": 400},
                {"code": module, "rated_capacity_kwh": 5, "mass_kg": 30, "pack_code": pack},
                {"code": cell, "rated_capacity_kwh": 0.2, "mass_kg": 1, "pack_code": module},
            ]
        },
    )
    assert answer.status_code == 201, answer.get_json()
    record = api("GET", f"/batteries/{pack}", world.maker.token).get_json()
    assert record["parts"] == [module]
    assert api("GET", f"/batteries/{cell}", world.maker.token).get_json()["pack_code"] == module
    bad = api(
        "POST",
        "/batteries",
        world.maker.token,
        json={"code": battery_code(), "rated_capacity_kwh": 1, "mass_kg": 1, "pack_code": module},
    )
    assert "pack_code" in bad.get_json()["error"]["fields"]  # a pack belongs to nothing


def test_same_key_same_body_replays_the_first_answer_and_writes_nothing(world, api, session):
    body = {"code": battery_code(), "rated_capacity_kwh": 60, "mass_kg": 420}
    first = api("POST", "/batteries", world.maker.token, json=body, key="k-1")
    again = api("POST", "/batteries", world.maker.token, json=dict(reversed(list(body.items()))), key="k-1")
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count(session, Battery) == 1
    assert _count(session, BatteryEvent) == 1


def test_same_key_with_another_body_is_422_and_writes_nothing(world, api, session):
    api(
        "POST",
        "/batteries",
        world.maker.token,
        json={"code": battery_code(), "rated_capacity_kwh": 60, "mass_kg": 1},
        key="k-2",
    )
    other = api(
        "POST",
        "/batteries",
        world.maker.token,
        json={"code": battery_code(), "rated_capacity_kwh": 60, "mass_kg": 1},
        key="k-2",
    )
    assert other.status_code == 422
    assert "Idempotency-Key" in other.get_json()["error"]["fields"]
    assert _count(session, Battery) == 1


def test_a_refusal_is_replayed_too_and_keys_belong_to_their_caller(world, api, session):
    body = {"code": "short", "rated_capacity_kwh": 60, "mass_kg": 1}
    first = api("POST", "/batteries", world.maker.token, json=body, key="k-3")
    again = api("POST", "/batteries", world.maker.token, json=body, key="k-3")
    assert first.status_code == again.status_code == 422 and first.get_json() == again.get_json()
    # Another caller's key of the same name is its own.
    mine = api(
        "POST",
        "/batteries",
        world.car.token,
        json={"code": battery_code(), "rated_capacity_kwh": 1, "mass_kg": 1},
        key="k-3",
    )
    assert mine.status_code == 201
    assert _count(session, IdempotentRequest) == 2


def test_every_writing_call_is_attributed_to_its_token_in_the_audit_log(world, api, session):
    _register(api, world.maker.token)
    session.rollback()
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "api.call")).all()
    assert len(entries) == 1
    token_id = session.scalar(select(ApiToken.id).where(ApiToken.enterprise_id == world.maker.id))
    assert entries[0].actor_label.startswith(f"token:{token_id}:")
    assert entries[0].after["path"] == "/api/v1/batteries"


def test_a_session_cookie_cannot_write_through_the_api(world, client, login):
    login(world.maker.email)
    answer = client.post("/api/v1/batteries", json={"code": battery_code(), "rated_capacity_kwh": 1, "mass_kg": 1})
    assert answer.status_code == 401  # no CSRF token in the API: writes need a token


def test_refusal_returns_custody_to_the_sender_exactly_as_before(world, api, session):
    code = _register(api, world.maker.token)
    api(
        "POST",
        f"/batteries/{code}/events",
        world.maker.token,
        json={"event": "sold", "occurred_at": "2026-11-02 09:00", "counterparty_credit_code": world.car.credit_code},
    )
    assert (
        api(
            "POST", f"/batteries/{code}/receipt", world.stranger.token, json={"accept": False, "reason": "x"}
        ).status_code
        == 404
    )
    no_reason = api("POST", f"/batteries/{code}/receipt", world.car.token, json={"accept": False, "reason": " "})
    assert no_reason.status_code == 422
    refused = api(
        "POST", f"/batteries/{code}/receipt", world.car.token, json={"accept": False, "reason": "型号与订单不符"}
    )
    assert refused.status_code == 200
    record = refused.get_json()
    assert record["state"] == "new" and record["holder"]["credit_code"] == world.maker.credit_code
    assert record["events"][-1]["transfer"] == {
        "state": "refused",
        "receiver": world.car.name,
        "decided_at": record["events"][-1]["transfer"]["decided_at"],
        "refusal_reason": "型号与订单不符",
    }
    session.rollback()
    assert session.scalar(select(BatteryTransfer.state)) == "refused"


def test_in_transit_nobody_may_move_it_and_the_sender_sees_why(world, api):
    code = _register(api, world.maker.token)
    api(
        "POST",
        f"/batteries/{code}/events",
        world.maker.token,
        json={"event": "sold", "occurred_at": "2026-11-02 09:00", "counterparty_credit_code": world.car.credit_code},
    )
    again = api(
        "POST",
        f"/batteries/{code}/events",
        world.maker.token,
        json={
            "event": "sold",
            "occurred_at": "2026-11-02 09:01",
            "counterparty_credit_code": world.cascade.credit_code,
        },
    )
    assert again.status_code == 422
    assert "移交" in again.get_json()["error"]["fields"]["event"]


def test_an_outside_receiver_needs_a_name_and_a_document_and_is_marked(world, api):
    code = _register(api, world.maker.token)
    outside = "91350100M000100Y43"
    missing = api(
        "POST",
        f"/batteries/{code}/events",
        world.maker.token,
        json={"event": "sold", "occurred_at": "2026-11-02 09:00", "counterparty_credit_code": outside},
    )
    assert set(missing.get_json()["error"]["fields"]) == {"counterparty_name"}
    no_doc = api(
        "POST",
        f"/batteries/{code}/events",
        world.maker.token,
        json={
            "event": "sold",
            "occurred_at": "2026-11-02 09:00",
            "counterparty_credit_code": outside,
            "counterparty_name": "闽江汽车",
        },
    )
    assert set(no_doc.get_json()["error"]["fields"]) == {"evidence_document"}
    bad_code = api(
        "POST",
        f"/batteries/{code}/events",
        world.maker.token,
        json={
            "event": "sold",
            "occurred_at": "2026-11-02 09:00",
            "counterparty_credit_code": "91350100M000100Y44",
            "counterparty_name": "闽江汽车",
            "evidence_document": "交接单 JJ-1",
        },
    )
    assert "counterparty_credit_code" in bad_code.get_json()["error"]["fields"]
    done = api(
        "POST",
        f"/batteries/{code}/events",
        world.maker.token,
        json={
            "event": "sold",
            "occurred_at": "2026-11-02 09:00",
            "counterparty_credit_code": outside,
            "counterparty_name": "闽江汽车",
            "evidence_document": "交接单 JJ-1",
        },
    )
    assert done.status_code == 201
    record = api("GET", f"/batteries/{code}", world.maker.token).get_json()
    assert record["holder"] == {"name": "闽江汽车", "credit_code": outside}
    assert record["events"][-1]["counterparty"]["recorded_by_reporter"] is True
    assert record["events"][-1]["counterparty"]["evidence_document"] == "交接单 JJ-1"


@pytest.mark.parametrize(
    ("occurred", "field"),
    [
        ("", "occurred_at"),
        ("yesterday", "occurred_at"),
        ("2026-12-31 09:00", "occurred_at"),
        ("2024-01-01", "occurred_at"),
    ],
)
def test_bad_times_are_refused(world, api, occurred, field):
    code = _register(api, world.maker.token)
    answer = api(
        "POST",
        f"/batteries/{code}/events",
        world.maker.token,
        json={"event": "fitted", "occurred_at": occurred, "vin": "LFV2A21K8G4043336"},
    )
    assert answer.status_code == 422
    assert field in answer.get_json()["error"]["fields"]


def test_a_report_after_the_deadline_is_accepted_and_flagged_with_how_late(world, api, at):
    code = _register(api, world.maker.token)
    api(
        "POST",
        f"/batteries/{code}/events",
        world.maker.token,
        json={"event": "sold", "occurred_at": "2026-11-02 09:00", "counterparty_credit_code": world.car.credit_code},
    )
    api("POST", f"/batteries/{code}/receipt", world.car.token, json={"accept": True, "occurred_at": "2026-11-02 10:00"})
    at("2026-11-30 10:00")
    # Fitted on 2 November: 15 working days run to 23 November; 30 November is 5 working days late.
    late = api(
        "POST",
        f"/batteries/{code}/events",
        world.car.token,
        json={"event": "fitted", "occurred_at": "2026-11-02 11:00", "vin": "LFV2A21K8G4043336"},
    )
    assert late.status_code == 201, late.get_json()
    assert late.get_json()["event"]["late_by_working_days"] == 5
    event = api("GET", f"/batteries/{code}", world.car.token).get_json()["events"][-1]
    assert (event["deadline_working_days"], event["working_days_taken"]) == (15, 20)


def test_a_correction_is_a_new_event_pointing_at_the_one_it_corrects(world, api):
    code = _register(api, world.maker.token)
    sold = api(
        "POST",
        f"/batteries/{code}/events",
        world.maker.token,
        json={"event": "sold", "occurred_at": "2026-11-02 09:00", "counterparty_credit_code": world.car.credit_code},
    )
    event_id = sold.get_json()["event"]["id"]
    no_reason = api(
        "POST",
        f"/batteries/{code}/events",
        world.maker.token,
        json={"event": "sold", "occurred_at": "2026-11-02 08:00", "corrects_event_id": event_id},
    )
    assert "note" in no_reason.get_json()["error"]["fields"]
    assert (
        api(
            "POST",
            f"/batteries/{code}/events",
            world.car.token,
            json={"event": "sold", "occurred_at": "2026-11-02 08:00", "corrects_event_id": event_id, "note": "x"},
        ).status_code
        == 422
    )
    fixed = api(
        "POST",
        f"/batteries/{code}/events",
        world.maker.token,
        json={
            "event": "sold",
            "occurred_at": "2026-11-02 08:00",
            "corrects_event_id": event_id,
            "note": "出库单时间录错",
        },
    )
    assert fixed.status_code == 201, fixed.get_json()
    record = api("GET", f"/batteries/{code}", world.maker.token).get_json()
    sold_entry = next(e for e in record["events"] if e["id"] == event_id)
    assert sold_entry["occurred_at"].startswith("2026-11-02T09:00")  # the original is unchanged
    assert sold_entry["corrections"][0]["note"] == "出库单时间录错"
    assert record["state"] == "in_transit"


def test_a_car_maker_reports_for_an_outlet_in_its_network_another_car_maker_cannot(world, api, session):
    from portal.members.queries import get_enterprise
    from tests.factories import make_member

    code = in_car(world, api)
    api(
        "POST",
        f"/batteries/{code}/events",
        world.car.token,
        json={
            "event": "retired",
            "occurred_at": "2026-11-02 08:20",
            "counterparty_credit_code": world.outlet_operator.credit_code,
            "outlet_code": world.outlet_code,
        },
    )
    rival, _admin = make_member(session, name="另一家整车企业", activities=("vehicle_maker",))
    rival_token = make_token(session, get_enterprise(session, rival.id))
    session.commit()
    refused = api(
        "POST",
        f"/batteries/{code}/events",
        rival_token,
        json={"event": "outlet_intake", "occurred_at": "2026-11-02 08:30"},
    )
    assert refused.status_code == 422
    # The sender never confirms its own hand-over, even to an outlet of its network: the outlet does.
    own = api(
        "POST",
        f"/batteries/{code}/events",
        world.car.token,
        json={"event": "outlet_intake", "occurred_at": "2026-11-02 08:30"},
    )
    assert own.status_code == 422
    intake = api(
        "POST",
        f"/batteries/{code}/events",
        world.outlet_operator.token,
        json={"event": "outlet_intake", "occurred_at": "2026-11-02 08:30"},
    )
    assert intake.status_code == 201, intake.get_json()
    assert intake.get_json()["battery"]["holder"]["credit_code"] == world.outlet_operator.credit_code
    # Stored at an outlet of its network, the car maker reports the outlet's dispatch (outlets report to it);
    # another car maker cannot.
    dispatch = {
        "event": "outlet_dispatch",
        "occurred_at": "2026-11-02 08:40",
        "counterparty_credit_code": world.recycler.credit_code,
    }
    assert api("POST", f"/batteries/{code}/events", rival_token, json=dispatch).status_code == 422
    out = api(
        "POST",
        f"/batteries/{code}/events",
        world.car.token,
        json={
            "event": "outlet_dispatch",
            "occurred_at": "2026-11-02 08:40",
            "counterparty_credit_code": world.recycler.credit_code,
        },
    )
    assert out.status_code == 201, out.get_json()


def test_staff_may_correct_any_event(world, api, session, client, login):
    from tests.factories import make_user

    code = _register(api, world.maker.token)
    sold = api(
        "POST",
        f"/batteries/{code}/events",
        world.maker.token,
        json={"event": "sold", "occurred_at": "2026-11-02 09:00", "counterparty_credit_code": world.car.credit_code},
    )
    staff = make_user(session, "staff")
    session.commit()
    from portal.core.uow import unit_of_work
    from portal.registry import events, services

    with unit_of_work() as s:
        events.report_events(
            s,
            staff,
            [
                services.EventInput(
                    code=code,
                    event="sold",
                    occurred_at="2026-11-02 08:00",
                    corrects_event_id=sold.get_json()["event"]["id"],
                    note="按出库单更正",
                )
            ],
            batch=False,
        )
    record = api("GET", f"/batteries/{code}", world.maker.token).get_json()
    assert record["events"][-1]["corrections"][0]["note"] == "按出库单更正"
