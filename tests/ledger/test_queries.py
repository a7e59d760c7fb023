"""The read side: monthly figures net of reversals, the trial balance, reconciliation pack by pack."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.ledger.conftest import bill, in_car, new_pack, retire_to_outlet

pytestmark = pytest.mark.db


def test_monthly_figures_count_reversals_against_the_kind_they_reverse(scheme, api, session, staff, at):
    from portal.ledger import billing, corrections, queries

    w = scheme.world
    bill(scheme, api, new_pack(scheme, api), new_pack(scheme, api))
    wrong = billing.record_payment(session, staff, w.maker.id, "500", "2026-11-02", "B-1")
    billing.record_payment(session, staff, w.maker.id, "700", "2026-11-02", "B-2")
    session.commit()
    at("2026-12-01 09:00")
    corrections.reverse(session, staff, wrong, "到账金额录错")
    session.commit()
    months = {row["month"]: row for row in queries.monthly(session, 12, dt.date(2026, 12, 1))}
    assert len(months) == 12 and list(months)[-1] == "2026-12"
    assert months["2026-11"]["bill"] == 240000
    assert months["2026-11"]["payment"] == 120000
    assert months["2026-12"]["payment"] == -50000
    totals = queries.scheme_totals(session)
    assert totals["escrow_bank"] == 70000
    assert totals["deposits_receivable"] == 240000 - 70000


def test_the_trial_balance_balances_and_reconciliation_proves_each_payer(scheme, api, session, staff):
    from portal.ledger import billing, queries

    w = scheme.world
    code = in_car(w, api)
    bill(scheme, api, code, new_pack(scheme, api))
    billing.record_payment(session, staff, w.maker.id, "1500", "2026-11-02", "B-9")
    session.commit()
    retire_to_outlet(scheme, api, code)
    accounts = queries.trial_balance(session)
    assert sum(a.debits_fen for a in accounts) == sum(a.credits_fen for a in accounts) > 0
    (maker,) = queries.reconciliation(session)
    assert maker.enterprise_id == w.maker.id and maker.ok
    assert (maker.open_packs, maker.open_fen, maker.held_fen) == (1, 120000, 120000)
    assert (maker.billed_fen, maker.paid_fen, maker.receivable_fen) == (240000, 150000, 90000)
