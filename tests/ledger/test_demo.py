"""flask seed-demo: a year of the deposit scheme over the registry's demo packs, verified, loaded once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

pytestmark = pytest.mark.db


def test_seed_demo_gives_a_verified_year_of_the_scheme_once(runner, session, at):
    from portal.ledger import accounts
    from portal.ledger.models import ClosedMonth, Deposit, LedgerTransaction
    from portal.ledger.verify import verify

    at("2026-05-10 09:00")
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    txns = list(session.scalars(select(LedgerTransaction).order_by(LedgerTransaction.id)))
    report = verify(session)
    kinds = {t.kind for t in txns}
    payers = {t.enterprise_id for t in txns if t.kind == accounts.BILL}
    closed = session.scalar(select(func.count()).select_from(ClosedMonth))
    demo_deposits = session.scalar(select(func.count()).select_from(Deposit).where(Deposit.is_demo))
    session.rollback()

    second = runner.invoke(args=["seed-demo"])
    again = session.scalar(select(func.count()).select_from(LedgerTransaction))

    assert report.ok, report.problems
    assert len(payers) >= 3
    assert kinds >= set(accounts.KINDS.codes)
    assert closed >= 1
    assert all(t.is_demo for t in txns)
    assert demo_deposits == sum(t.kind == accounts.BILL for t in txns)
    # The journal runs in time order: ids follow the moments they were posted at.
    assert [t.created_at for t in txns] == sorted(t.created_at for t in txns)
    assert second.exit_code == 0, second.output
    assert again == len(txns)
