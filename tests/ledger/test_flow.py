"""The scheme from billing to payout, through the API and the services, checked by verify at each step."""

from __future__ import annotations

import pytest

from tests.ledger.conftest import bill, in_car, new_pack, retire_to_outlet, verify_ok

pytestmark = pytest.mark.db


def _balances(api, token):
    answer = api("GET", "/ledger/balances", token)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["balances_fen"]


def test_a_pack_billed_paid_returned_and_refunded(scheme, api, session, at, staff):
    from portal.ledger import billing, refunds

    w = scheme.world
    code = in_car(w, api)
    billed = bill(scheme, api, code)
    assert billed.status_code == 201, billed.get_json()
    # 60 kWh of LFP at 20 yuan per kWh: 1,200 yuan.
    assert billed.get_json()["items"][0]["amount_fen"] == 120000
    assert _balances(api, scheme.maker_token) == {
        "deposits_held": 120000,
        "deposits_receivable": 120000,
        "refunds_payable": 0,
    }
    billing.record_payment(session, staff, w.maker.id, "1200.00", "2026-11-02", "BANK-0001")
    session.commit()
    retire_to_outlet(scheme, api, code)
    # The outlet was 合规: the refund is approved in the intake's transaction, 20 % to the collector.
    assert _balances(api, scheme.maker_token)["refunds_payable"] == 96000
    assert _balances(api, scheme.maker_token)["deposits_held"] == 0
    verify_ok(session)
    refunds.pay_out(session, staff, w.maker.id, "960", "2026-11-02", "OUT-1")
    refunds.pay_out(session, staff, w.outlet_operator.id, "240", "2026-11-02", "OUT-2")
    session.commit()
    assert _balances(api, scheme.maker_token)["refunds_payable"] == 0
    verify_ok(session)


def test_a_second_bill_for_the_same_pack_is_refused(scheme, api, session):
    code = new_pack(scheme, api)
    assert bill(scheme, api, code).status_code == 201
    again = bill(scheme, api, code)
    assert again.status_code == 422
    assert "已于" in again.get_json()["error"]["fields"]["code"]
    verify_ok(session)


def test_a_bank_serial_is_posted_once_until_its_posting_is_reversed(scheme, api, session, staff, at):
    from portal.errors import DomainError
    from portal.ledger import billing, corrections, refunds

    w = scheme.world
    code = in_car(w, api)
    bill(scheme, api, code)
    wrong = billing.record_payment(session, staff, w.maker.id, "120", "2026-11-02", "icbc 0007")
    session.commit()
    retire_to_outlet(scheme, api, code)  # a refund is payable to the maker now
    with pytest.raises(DomainError, match="ICBC0007已经记账"):
        billing.record_payment(session, staff, w.maker.id, "100", "2026-11-02", "ICBC0007")
    session.rollback()
    with pytest.raises(DomainError, match="ICBC0007已经记账"):  # one serial, one movement: not also a payout
        refunds.pay_out(session, staff, w.maker.id, "1", "2026-11-02", "ICBC0007")
    session.rollback()
    corrections.reverse(session, staff, wrong, "金额录错：应为1200元")
    billing.record_payment(session, staff, w.maker.id, "1200", "2026-11-02", "ICBC0007")
    session.commit()
    assert billing.account_balance(session, "deposits_receivable", w.maker.id) == 0
    verify_ok(session)
