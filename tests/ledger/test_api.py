"""The scheme's API: POST /deposits (one, a batch, idempotent), the balances and the statement, each refusal."""

from __future__ import annotations

import pytest

from tests.ledger.conftest import bill, in_car, new_pack, retire_to_outlet, verify_ok

pytestmark = pytest.mark.db


def _count(session) -> int:
    from sqlalchemy import func, select

    from portal.ledger.models import LedgerTransaction

    session.rollback()
    return session.scalar(select(func.count()).select_from(LedgerTransaction))


def test_a_batch_is_billed_in_one_call_and_the_amounts_follow_the_rule(scheme, api, session):
    codes = [new_pack(scheme, api, kwh) for kwh in (60, 52.5, 0.025)]
    answer = bill(scheme, api, *codes)
    assert answer.status_code == 201, answer.get_json()
    items = answer.get_json()["items"]
    # 20 yuan per kWh (see test_amounts for the rounding).
    assert [i["amount_fen"] for i in items] == [120000, 105000, 50]
    assert answer.get_json()["total_fen"] == 225050
    assert {i["status"] for i in items} == {"open"}
    verify_ok(session)


def test_one_bad_code_in_a_batch_writes_nothing_and_names_the_item(scheme, api, session):
    good = new_pack(scheme, api)
    before = _count(session)
    answer = bill(scheme, api, good, "NOTACODE", good)
    assert answer.status_code == 422
    fields = answer.get_json()["error"]["fields"]
    assert set(fields) == {"items.1.code", "items.2.code"}
    assert "重复" in fields["items.2.code"]
    assert _count(session) == before


def test_the_same_idempotency_key_replays_and_a_new_key_is_refused_for_a_billed_pack(scheme, api, session):
    code = new_pack(scheme, api)
    first = api("POST", "/deposits", scheme.maker_token, json={"code": code}, key="k-1")
    replay = api("POST", "/deposits", scheme.maker_token, json={"code": code}, key="k-1")
    assert first.status_code == replay.status_code == 201
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.get_json() == first.get_json()
    again = api("POST", "/deposits", scheme.maker_token, json={"code": code}, key="k-2")
    assert again.status_code == 422
    assert _count(session) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "code"),
        ({"code": ""}, "code"),
        ({"codes": "ABC"}, "codes"),
        ({"codes": [1, 2]}, "codes"),
        ({"code": "X", "payer": 3}, "payer"),
    ],
)
def test_malformed_bodies_are_refused_with_the_field(scheme, api, session, body, field):
    answer = api("POST", "/deposits", scheme.maker_token, json=body)
    assert answer.status_code == 422
    assert field in answer.get_json()["error"]["fields"]
    assert _count(session) == 0


def test_who_may_bill_and_for_which_packs(scheme, api, session, client):
    from portal.members.queries import get_enterprise
    from tests.factories import make_token

    w = scheme.world
    code = new_pack(scheme, api)
    # No token, a token without the scope, and a member who neither made nor held the pack.
    assert api("POST", "/deposits", None, json={"code": code}).status_code == 401
    assert api("POST", "/deposits", w.maker.token, json={"code": code}).status_code == 403
    stranger = make_token(session, get_enterprise(session, w.stranger.id), ("deposits:write",))
    session.commit()
    refused = api("POST", "/deposits", stranger, json={"code": code})
    assert refused.status_code == 422
    assert "没有找到" in refused.get_json()["error"]["fields"]["code"]
    # Unknown and not-yours read alike.
    unknown = api("POST", "/deposits", stranger, json={"code": "ABCPB01A000001A1Q10000001"})
    assert unknown.get_json()["error"]["fields"]["code"].startswith("没有找到")
    assert _count(session) == 0


def test_the_car_maker_that_bought_the_pack_may_pay_its_deposit(scheme, api, session):
    code = in_car(scheme.world, api)
    answer = bill(scheme, api, code, token=scheme.car_token)
    assert answer.status_code == 201, answer.get_json()
    balances = api("GET", "/ledger/balances", scheme.car_token).get_json()
    assert balances["balances_fen"]["deposits_held"] == 120000
    assert balances["deposits"] == {"open": {"packs": 1, "fen": 120000}}
    assert api("GET", "/ledger/balances", scheme.maker_token).get_json()["balances_fen"]["deposits_held"] == 0


def test_the_statement_filters_by_date_pack_and_type(scheme, api, session, staff, at):
    from portal.ledger import billing

    w = scheme.world
    code = in_car(w, api)
    other = new_pack(scheme, api)
    bill(scheme, api, code)
    bill(scheme, api, other)
    billing.record_payment(session, staff, w.maker.id, "2400", "2026-11-02", "B-1")
    session.commit()
    retire_to_outlet(scheme, api, code)
    lines = api("GET", "/ledger/statement", scheme.maker_token).get_json()
    kinds = [line["type"] for line in lines["items"]]
    assert kinds.count("bill") == 4 and kinds.count("payment") == 1 and kinds.count("refund") == 2
    by_pack = api("GET", f"/ledger/statement?code={code}", scheme.maker_token).get_json()["items"]
    assert {line["code"] for line in by_pack} == {code}
    refunds = api("GET", "/ledger/statement?type=refund", scheme.maker_token).get_json()["items"]
    assert {(line["account"].split(":")[0], line["change_fen"]) for line in refunds} == {
        ("deposits_held", -120000),
        ("refunds_payable", 96000),
    }
    assert api("GET", "/ledger/statement?date_to=2026-11-01", scheme.maker_token).get_json()["total"] == 0
    bad = api("GET", "/ledger/statement?type=gift&date_from=2026-13-01", scheme.maker_token)
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"type", "date_from"}
    # The collector sees its share, and nothing of the payer's accounts.
    outlet_token_lines = api("GET", "/ledger/statement", w.outlet_operator.token)
    assert outlet_token_lines.status_code == 403  # its token has no ledger:read


def test_the_reads_need_ledger_read_and_staff_must_name_the_enterprise(scheme, api, session, client, staff, login):
    w = scheme.world
    assert api("GET", "/ledger/balances", None).status_code == 401
    assert api("GET", "/ledger/balances", w.maker.token).status_code == 403
    login(staff.email)
    assert client.get("/api/v1/ledger/balances").status_code == 422
    ok = client.get(f"/api/v1/ledger/balances?enterprise_id={w.maker.id}")
    assert ok.status_code == 200 and ok.get_json()["enterprise_id"] == w.maker.id


def test_a_member_in_the_browser_reads_only_its_own(scheme, api, session, client, login):
    w = scheme.world
    bill(scheme, api, new_pack(scheme, api))
    login(w.car.email)
    own = client.get(f"/api/v1/ledger/balances?enterprise_id={w.maker.id}").get_json()
    assert own["enterprise_id"] == w.car.id
    assert own["balances_fen"]["deposits_held"] == 0


def test_a_suspended_member_bills_no_deposit_through_its_token(scheme, api, session):
    from portal.core.actors import system
    from portal.members import memberships
    from portal.members.queries import get_enterprise

    code = new_pack(scheme, api)
    membership = get_enterprise(session, scheme.world.maker.id).membership
    memberships.suspend(session, system("test"), membership.id, "会费逾期未缴")
    session.commit()
    refused = bill(scheme, api, code)
    assert refused.status_code == 422
    assert "会员资格有效" in refused.get_json()["error"]["message"]
    assert _count(session) == 0


def test_one_pack_a_call_is_the_lean_path_and_still_writes_every_record(scheme, api, session, app):
    """The single posting's statements stay few (issue 11: 21 before the lean path, then 13; now 11: the payer's
    standing and the packs in one query, the call's two audit entries in one insert), and it still keeps the
    idempotent answer and both audit entries, with the values audit.record would have written."""
    from sqlalchemy import event, select

    from portal.api.models import IdempotentRequest
    from portal.core.audit import AuditEntry

    assert bill(scheme, api, new_pack(scheme, api)).status_code == 201  # the payer's accounts exist from here
    code = new_pack(scheme, api)
    engine = app.extensions["portal_db"].engine
    sent: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        answer = api("POST", "/deposits", scheme.maker_token, json={"code": code}, key="lean-1")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert answer.status_code == 201, answer.get_json()
    assert len([s for s in sent if not s.startswith(("BEGIN", "SAVEPOINT", "RELEASE"))]) <= 11, sent
    item = answer.get_json()["items"][0]
    session.rollback()
    kept = session.scalar(select(IdempotentRequest).where(IdempotentRequest.key == "lean-1"))
    assert kept is not None and kept.status == 201 and kept.body == answer.get_data(as_text=True)
    entries = {e.action: e for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(2))}
    billed, call = entries["ledger.deposits_billed"], entries["api.call"]
    assert billed.object_type == "enterprise" and billed.before is None and billed.actor_id is None
    assert billed.after == {"packs": 1, "total_fen": item["amount_fen"]}
    assert call.object_type == "api_token" and call.actor_label == billed.actor_label != ""
    assert call.after == {"method": "POST", "path": "/api/v1/deposits", "status": 201, "idempotency_key": "lean-1"}
    assert billed.at is not None and call.at >= billed.at
    verify_ok(session)
