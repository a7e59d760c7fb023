"""Membership numbers under concurrent approvals: distinct, sequential, no gaps (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, select

from portal.auth.models import User
from portal.core.uow import run_in_transaction
from portal.db import get_db
from portal.members import applications, memberships
from portal.members.models import Membership, MembershipCounter
from tests.factories import make_application, make_member, make_user

WORKERS = 8


def _record_transaction_starts(engine):
    """Remember, per thread, the statements each connection sends (to see how transactions begin)."""
    seen: dict[int, list[str]] = {}
    lock = threading.Lock()

    def before(conn, cursor, statement, parameters, context, executemany):
        with lock:
            seen.setdefault(threading.get_ident(), []).append(
                statement.strip().split()[0].upper()
                + (" IMMEDIATE" if statement.strip().upper() == "BEGIN IMMEDIATE" else "")
            )

    event.listen(engine, "before_cursor_execute", before)
    return seen, lambda: event.remove(engine, "before_cursor_execute", before)


@pytest.mark.db
@pytest.mark.parametrize("already_given", [0, 2])
def test_concurrent_approvals_get_distinct_gapless_numbers(app, session, at, already_given):
    at("2026-04-01 10:00")
    for _ in range(already_given):
        make_member(session)
    staff_id = make_user(session, "staff").id
    application_ids = [make_application(session)[0].id for _ in range(WORKERS)]
    session.commit()
    session.close()

    engine = get_db().engine
    statements, stop_recording = _record_transaction_starts(engine)
    barrier = threading.Barrier(WORKERS)
    numbers: dict[int, str] = {}
    errors: list[BaseException] = []
    worker_threads: set[int] = set()

    def approve(application_id: int) -> None:
        worker_threads.add(threading.get_ident())
        try:
            with app.app_context():
                barrier.wait(timeout=30)

                def work(s):
                    actor = s.get(User, staff_id)
                    return applications.approve_application(s, actor, application_id).number

                # PostgreSQL runs writers at REPEATABLE READ: of the approvals that collide on the
                # year's counter one commits and the others fail with 40001 and run again. Each
                # round lets at least one through, so WORKERS attempts always suffice.
                numbers[application_id] = run_in_transaction(work, attempts=WORKERS)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=approve, args=(i,)) for i in application_ids]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        stop_recording()

    assert not errors, errors
    expected = [f"SDBRA-2026-{n:04d}" for n in range(already_given + 1, already_given + WORKERS + 1)]
    assert sorted(numbers.values()) == expected
    with get_db().session(write=False) as s:
        stored = sorted(s.scalars(select(Membership.number)))
        assert stored == [f"SDBRA-2026-{n:04d}" for n in range(1, already_given + WORKERS + 1)]
        assert s.get(MembershipCounter, 2026).last_value == already_given + WORKERS

    if engine.dialect.name == "sqlite":
        # Each worker's writing unit of work took the write lock first, before reading anything.
        for ident in worker_threads:
            begins = [s for s in statements[ident] if s.startswith("BEGIN")]
            assert begins, "the worker sent no BEGIN"
            assert statements[ident][0] == "BEGIN IMMEDIATE", statements[ident][:3]
            assert set(begins) == {"BEGIN IMMEDIATE"}


@pytest.mark.db
def test_numbers_in_one_transaction_follow_each_other(app, session):
    """Two numbers taken in one unit of work (e.g. an import) are consecutive, not the same."""
    first = memberships.next_membership_number(session, 2026)
    second = memberships.next_membership_number(session, 2026)
    session.commit()
    assert (first, second) == ("SDBRA-2026-0001", "SDBRA-2026-0002")
    assert memberships.next_membership_number(session, 2027) == "SDBRA-2027-0001"


@pytest.mark.db
def test_a_long_lived_session_sees_numbers_given_elsewhere(app, session):
    """A session kept across commits (a command, an import) must not reuse its stale counter."""
    assert memberships.next_membership_number(session, 2026) == "SDBRA-2026-0001"
    counter = session.get(MembershipCounter, 2026)  # still held, e.g. shown in a report
    session.commit()
    # Meanwhile a request elsewhere gives the next number.
    assert run_in_transaction(lambda s: memberships.next_membership_number(s, 2026)) == "SDBRA-2026-0002"
    assert memberships.next_membership_number(session, 2026) == "SDBRA-2026-0003"
    assert counter.last_value == 3
    session.commit()
    with get_db().session(write=False) as s:
        assert s.get(MembershipCounter, 2026).last_value == 3
