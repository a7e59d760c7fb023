"""An operation that fails half-way leaves nothing half-posted.

(a) An exception injected between two steps of an operation (after the journal's transaction rows are
inserted, before its lines; after the journal is posted, before the deposit rows or the payment's
allocations; after a refund is posted in the registry's intake transaction) rolls the whole unit of
work back: no new row in any ledger table, ``verify`` passes, and the next posting chains on.
(b) A process killed in the middle of an operation (the journal's rows flushed, not committed) leaves
nothing either: the process exits at once, or its parent SIGKILLs it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal

import pytest
from sqlalchemy import insert as real_insert
from sqlalchemy import select

from portal.core import clock
from portal.core.uow import run_in_transaction
from portal.ledger import billing, journal
from portal.ledger.models import DepositAllocation, LedgerLine, LedgerTransaction
from tests.ledger import helpers
from tests.ledger.helpers import snapshot, user

pytestmark = pytest.mark.db


class Injected(RuntimeError):
    """The failure injected into an operation."""


@pytest.fixture
def cast(app, session):
    cast = helpers.build_cast(session)
    session.close()
    return cast


def _fresh_packs(cast, *capacities) -> list[str]:
    return run_in_transaction(lambda s: helpers.register_packs(s, cast, capacities or ("60",)))


def _bill(cast, *codes):
    return run_in_transaction(
        lambda s: [d.billed_txn_id for d in billing.bill_deposits(s, user(s, cast.maker_email), list(codes))],
        locks=journal.LOCKS,
    )


def _read(fn):
    from portal.db import get_db

    with get_db().session(write=False) as s:
        return fn(s)


def _failing_insert(model):
    """An ``insert`` that raises for one table and is the real one for every other."""

    def fake(table, *args, **kwargs):
        if table is model or table is model.__table__:
            raise Injected(f"injected before inserting into {model.__tablename__}")
        return real_insert(table, *args, **kwargs)

    return fake


def _chains_on(cast) -> None:
    """A normal posting after the failure takes the next number, and the whole chain verifies."""
    from portal.ledger.verify import verify

    last = _read(lambda s: journal.head(s)[0])
    (txn_id,) = _bill(cast, *_fresh_packs(cast, "10"))
    assert txn_id == last + 1
    report = _read(verify)
    assert report.ok and report.transactions == txn_id, report.problems
    _read(helpers.check_independently)


def _before(cast):
    """Some history first, so a failure has a chain to break."""
    codes = _fresh_packs(cast, "60", "45.5")
    _bill(cast, codes[0])
    return codes[1], _read(snapshot)


def test_a_failure_between_the_transaction_rows_and_their_lines_posts_nothing(cast, monkeypatch):
    code, before = _before(cast)
    monkeypatch.setattr(journal, "insert", _failing_insert(LedgerLine))
    with pytest.raises(Injected):
        _bill(cast, code)
    monkeypatch.undo()
    assert _read(snapshot) == before
    _chains_on(cast)


def test_a_failure_after_posting_before_the_deposit_rows_posts_nothing(cast, monkeypatch):
    code, before = _before(cast)
    sent = []
    real_post_many = journal.post_many

    def failing(ids):  # the journal's rows are sent (in the same round trip on PostgreSQL); the deposits' fail
        sent.append(ids)
        raise Injected("injected before inserting into deposits")

    monkeypatch.setattr(journal, "post_many", lambda *a, **k: real_post_many(*a, **{**k, "along": failing}))
    with pytest.raises(Injected):
        _bill(cast, code)
    monkeypatch.undo()
    assert len(sent) == 1 and sent[0], "the journal was posted before the failure"
    assert _read(snapshot) == before
    _chains_on(cast)


def test_deposit_rows_refused_by_the_database_after_the_journal_rows_post_nothing(cast, monkeypatch):
    """The deposits' insert goes in the journal's round trip: the database's refusal of it (paid more than
    billed breaks a CHECK) is raised as SQLAlchemy's error, and the journal's rows before it roll back."""
    from sqlalchemy.exc import IntegrityError

    code, before = _before(cast)
    real_row = billing._deposit_row
    monkeypatch.setattr(billing, "_deposit_row", lambda *a: {**real_row(*a), "paid_fen": -1})
    with pytest.raises(IntegrityError):
        _bill(cast, code)
    monkeypatch.undo()
    assert _read(snapshot) == before
    _chains_on(cast)


def test_a_failure_before_the_payments_allocations_posts_nothing(cast, monkeypatch):
    _code, before = _before(cast)
    monkeypatch.setattr(billing, "insert", _failing_insert(DepositAllocation))

    def pay(session):
        return billing.record_payment(session, user(session, cast.staff_email), cast.maker, 500, clock.today(), "B-1")

    with pytest.raises(Injected):
        run_in_transaction(pay, locks=journal.LOCKS)
    monkeypatch.undo()
    assert _read(snapshot) == before
    run_in_transaction(pay, locks=journal.LOCKS)  # the same reference is free: nothing of it was kept
    _chains_on(cast)


def test_a_failure_after_the_refund_is_posted_refuses_the_intake_with_it(cast, monkeypatch):
    from portal.ledger import refunds
    from portal.registry.models import Battery, BatteryEvent

    code = _fresh_packs(cast, "60")[0]
    _bill(cast, code)
    run_in_transaction(lambda s: helpers.retire(s, cast, code, "outlet"))
    before = _read(snapshot)
    events = _read(lambda s: s.scalar(select(BatteryEvent.id).order_by(BatteryEvent.id.desc()).limit(1)))
    real_post_many = journal.post_many

    def post_then_fail(*args, **kwargs):
        real_post_many(*args, **kwargs)
        raise Injected("after the refund was posted")

    monkeypatch.setattr(refunds.journal, "post_many", post_then_fail)
    with pytest.raises(Injected):
        run_in_transaction(lambda s: helpers.take_in(s, cast, code, "outlet"))
    monkeypatch.undo()
    assert _read(snapshot) == before
    assert _read(lambda s: s.scalar(select(BatteryEvent.id).order_by(BatteryEvent.id.desc()).limit(1))) == events
    assert _read(lambda s: s.scalar(select(Battery.state).where(Battery.code == code))) == "retired"
    # Taken in again without the failure: the intake and its refund are recorded together, once.
    run_in_transaction(lambda s: helpers.take_in(s, cast, code, "outlet"))
    kinds = _read(lambda s: list(s.scalars(select(LedgerTransaction.kind).order_by(LedgerTransaction.id))))
    assert kinds == ["bill", "refund"]
    _chains_on(cast)


# --- a process killed in the middle ---------------------------------------------------------------


def _doomed(config: dict, cast: helpers.Cast, code: str, how: str, ready) -> None:
    """A process that bills the pack and dies once the journal's rows are flushed, before committing."""
    from portal import create_app
    from portal.ledger import journal as journal_

    app = create_app(config)
    real_post_many = journal_.post_many

    def post_and_die(session, *args, **kwargs):
        ids = real_post_many(session, *args, **kwargs)
        session.flush()
        assert session.scalar(select(LedgerTransaction.id).where(LedgerTransaction.id == ids[-1])) == ids[-1]
        if how == "exit":
            os._exit(17)
        ready.set()
        signal.pause()  # the parent kills us here
        return ids

    journal_.post_many = post_and_die
    with app.app_context():
        run_in_transaction(
            lambda s: billing.bill_deposits(s, user(s, cast.maker_email), [code]),
            locks=journal_.LOCKS,
        )
    os._exit(0)  # not reached


@pytest.mark.parametrize("how", ["exit", "sigkill"])
def test_a_process_killed_in_the_middle_of_a_posting_leaves_nothing(cast, app, app_config, how):
    code, before = _before(cast)
    app.extensions["portal_db"].dispose()  # nothing of ours is shared with the child
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    child = ctx.Process(target=_doomed, args=(app_config, cast, code, how, ready))
    child.start()
    try:
        if how == "sigkill":
            assert ready.wait(120), "the child never reached the point of no commit"
            os.kill(child.pid, signal.SIGKILL)
        child.join(120)
    finally:
        if child.is_alive():
            child.kill()
            child.join(10)
    assert child.exitcode == (17 if how == "exit" else -signal.SIGKILL)
    assert _read(snapshot) == before
    _chains_on(cast)
    # The pack the dead process was billing can be billed normally now.
    (txn_id,) = _bill(cast, code)
    assert txn_id == _read(lambda s: journal.head(s)[0])
