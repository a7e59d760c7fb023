"""Changing the ledger behind the application's back: the triggers refuse it, and when someone drops them
first, ``flask ledger verify`` exits 1 and names the transaction where the hash chain breaks.

Every change here is raw SQL on a connection of its own, as someone at a SQL prompt would make it.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from portal.core import clock
from portal.ledger import billing, triggers
from tests.ledger import helpers
from tests.ledger.helpers import user

pytestmark = pytest.mark.db


@pytest.fixture
def posted(app, session):
    """Three deposits billed (transactions 1-3) and a payment (4), committed; the cast."""
    cast = helpers.build_cast(session)
    codes = helpers.register_packs(session, cast, ["60", "45.5", "30"])
    for code in codes:
        billing.bill_deposits(session, user(session, cast.maker_email), [code])
    billing.record_payment(session, user(session, cast.staff_email), cast.maker, 100000, clock.today(), "BANK-1")
    session.commit()
    session.close()
    return cast


@pytest.fixture
def sql(app, database_url):
    """Run raw SQL on a connection of its own, committed at once."""
    app.extensions["portal_db"].dispose()
    engine = create_engine(database_url)

    def run(*statements: str):
        with engine.begin() as conn:
            return [conn.execute(text(s)) for s in statements][-1]

    yield run
    # The PostgreSQL database outlives the test (it is truncated, not rebuilt): put the triggers back.
    dialect = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    run(*triggers.drop_statements(dialect), *triggers.create_statements(dialect))
    engine.dispose()


def _verify(runner) -> tuple[int, str]:
    result = runner.invoke(args=["ledger", "verify"])
    return result.exit_code, result.output


def _drop_triggers(sql, database_url) -> None:
    dialect = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    sql(*triggers.drop_statements(dialect))


def _problems(output: str) -> list[str]:
    return [line.removeprefix("FAIL ") for line in output.splitlines() if line.startswith("FAIL ")]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_transactions SET memo = 'changed' WHERE id = 2",
        "DELETE FROM ledger_transactions WHERE id = 4",
        "UPDATE ledger_lines SET amount_fen = amount_fen + 1",
        "DELETE FROM ledger_lines WHERE transaction_id = 4",
        "UPDATE deposit_allocations SET amount_fen = 1",
        "UPDATE deposit_rules SET collector_share_bp = 0",
        "DELETE FROM deposit_rates",
    ],
)
def test_the_triggers_refuse_update_and_delete(posted, sql, runner, statement):
    with pytest.raises(DBAPIError, match=triggers.MESSAGE):
        sql(statement)
    assert sql("SELECT count(*) FROM ledger_transactions").scalar() == 4
    assert sql("SELECT sum(amount_fen) FROM ledger_lines").scalar() == 2 * (120000 + 91000 + 60000 + 100000)
    assert _verify(runner)[0] == 0


def test_verify_passes_on_an_untouched_ledger(posted, runner):
    code, output = _verify(runner)
    assert code == 0, output
    assert "4 transactions, 8 lines checked" in output and output.strip().endswith("ok")


def test_an_amount_changed_with_its_totals_to_match_is_caught_by_the_chain(posted, sql, runner, database_url):
    _drop_triggers(sql, database_url)
    # Transaction 2 bills 45.5 kWh (910 yuan); make it 911 everywhere the numbers could be cross-checked.
    sql(
        "UPDATE ledger_lines SET amount_fen = amount_fen + 100 WHERE transaction_id = 2",
        "UPDATE ledger_accounts SET debits_fen = debits_fen + 100 WHERE code LIKE 'deposits_receivable:%'",
        "UPDATE ledger_accounts SET credits_fen = credits_fen + 100 WHERE code LIKE 'deposits_held:%'",
        "UPDATE deposits SET amount_fen = amount_fen + 100 WHERE billed_txn_id = 2",
    )
    code, output = _verify(runner)
    assert code == 1, output
    problems = _problems(output)
    assert "哈希链在第2号凭证" in problems[0] and "被改动" in problems[0], problems
    assert "缺少拒绝修改、删除账本的触发器" in problems[-1]
    for name in ("ledger_lines_no_update", "ledger_transactions_no_delete"):
        assert name in problems[-1]
    # Nothing but the chain (and the missing triggers) gives the change away.
    assert len(problems) == 2, problems


def test_a_memo_changed_alone_breaks_the_chain_there(posted, sql, runner, database_url):
    _drop_triggers(sql, database_url)
    sql("UPDATE ledger_transactions SET memo = '已核对' WHERE id = 3")
    code, output = _verify(runner)
    assert code == 1, output
    problems = _problems(output)
    assert re.search(r"哈希链在第3号凭证（bill:\d+:0）处断开", problems[0]), problems
    assert not any("第2号" in p or "第4号" in p for p in problems), problems


def test_a_changed_hash_breaks_the_chain_at_the_next_transaction_too(posted, sql, runner, database_url):
    """Re-hashing the changed row is not enough: the next row points at the old hash."""
    from portal.ledger import journal

    _drop_triggers(sql, database_url)
    sql("UPDATE ledger_transactions SET memo = '已核对' WHERE id = 3")
    row = sql("SELECT prev_hash FROM ledger_transactions WHERE id = 3").one()
    # An attacker who recomputes transaction 3's own hash with the application's code ...
    from portal.db import get_db
    from portal.ledger.verify import _rows

    with get_db().session(write=False) as s:
        txn, lines = next((t, ls) for t, ls in _rows(s) if t.id == 3)
        forged = journal.stored_hash(txn, lines, row[0])
    sql(f"UPDATE ledger_transactions SET hash = '{forged}' WHERE id = 3")  # noqa: S608  (a hex digest made here)
    code, output = _verify(runner)
    assert code == 1, output
    assert "哈希链在第4号凭证" in _problems(output)[0], output  # ... is caught where the chain goes on


def test_the_last_transaction_deleted_is_caught(posted, sql, runner, database_url):
    _drop_triggers(sql, database_url)
    sql(
        "DELETE FROM deposit_allocations WHERE payment_txn_id = 4",
        "DELETE FROM ledger_lines WHERE transaction_id = 4",
        "DELETE FROM ledger_transactions WHERE id = 4",
    )
    code, output = _verify(runner)
    assert code == 1, output
    problems = _problems(output)
    assert "3 transactions" in output
    assert any("escrow_bank" in p and "发生额" in p and "不符" in p for p in problems), problems
    assert any("deposits_receivable:" in p and "不符" in p for p in problems), problems


def test_a_transaction_deleted_in_the_middle_is_named(posted, sql, runner, database_url):
    _drop_triggers(sql, database_url)
    sql(
        "UPDATE deposits SET billed_txn_id = 1 WHERE billed_txn_id = 2",
        "DELETE FROM ledger_lines WHERE transaction_id = 2",
        "DELETE FROM ledger_transactions WHERE id = 2",
    )
    code, output = _verify(runner)
    assert code == 1, output
    problems = _problems(output)
    assert any("应为第2号，实为第3号" in p for p in problems), problems
    assert any("哈希链在第3号凭证" in p for p in problems), problems
