"""The ledger's commands and scheduled jobs: verify, forfeit, close-month; a failed nightly verify is reported."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.ledger.conftest import bill, in_car, new_pack

pytestmark = pytest.mark.db


def test_verify_passes_on_a_fresh_and_a_used_ledger(scheme, api, runner):
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    bill(scheme, api, new_pack(scheme, api), new_pack(scheme, api))
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert "2 transactions, 4 lines" in result.output and "ok" in result.output


def _retire(scheme, api, code: str, when: str) -> None:
    """Retired to a member that is neither a 合规 outlet nor whitelisted: no refund."""
    w = scheme.world
    sent = api(
        "POST",
        f"/batteries/{code}/events",
        w.car.token,
        json={"event": "retired", "occurred_at": when, "counterparty_credit_code": w.stranger.credit_code},
    )
    assert sent.status_code == 201, sent.get_json()


def test_forfeit_takes_deposits_past_their_period_once(scheme, api, session, runner, at):
    from portal.ledger.billing import account_balance

    code = in_car(scheme.world, api)
    bill(scheme, api, code)
    _retire(scheme, api, code, "2026-11-02 09:00")
    at("2027-11-02 08:00")  # 365 days less an hour
    assert "forfeited 0" in runner.invoke(args=["ledger", "forfeit"]).output
    at("2027-11-02 10:00")
    assert "forfeited 1" in runner.invoke(args=["ledger", "forfeit"]).output
    assert "forfeited 0" in runner.invoke(args=["ledger", "forfeit"]).output
    session.rollback()
    assert account_balance(session, "recycling_fund") == 120000
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0


@pytest.mark.parametrize(
    ("month", "message"),
    [("2026-12", "已经过去"), ("2026-13", "格式"), ("last month", "格式"), ("2027-01", "已经过去")],
)
def test_close_month_refuses_a_month_not_over_or_malformed(scheme, runner, month, message):
    result = runner.invoke(args=["ledger", "close-month", month])
    assert result.exit_code != 0
    assert message in result.output


def test_a_closed_month_takes_no_posting_dated_inside_it(scheme, api, session, runner, at, staff):
    from portal.errors import DomainError
    from portal.ledger import billing

    w = scheme.world
    bill(scheme, api, new_pack(scheme, api))
    at("2026-12-03 09:00")
    result = runner.invoke(args=["ledger", "close-month", "2026-11"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["ledger", "close-month", "2026-11"]).exit_code != 0
    with pytest.raises(DomainError, match="已结账"):
        billing.record_payment(session, staff, w.maker.id, "100", "2026-11-30", "LATE-1")
    session.rollback()
    billing.record_payment(session, staff, w.maker.id, "100", "2026-12-01", "ON-TIME-1")
    session.commit()
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0


def test_a_failing_nightly_verify_tells_the_administrators(scheme, api, session, app):
    from portal.ledger import jobs, triggers
    from portal.notify.models import Notification
    from tests.factories import make_user

    admin = make_user(session, "admin")
    session.commit()
    bill(scheme, api, new_pack(scheme, api))
    assert jobs.verify_job(None) is True
    dialect = session.get_bind().dialect.name
    for statement in triggers.drop_statements(dialect):
        session.execute(text(statement))
    session.commit()
    assert jobs.verify_job(None) is False
    session.rollback()
    told = session.query(Notification).filter_by(user_id=admin.id).all()
    assert len(told) == 1 and "校验未通过" in told[0].title
    for statement in triggers.create_statements(dialect):
        session.execute(text(statement))
    session.commit()
