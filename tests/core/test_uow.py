"""The unit of work: one commit point per request, rollback on error answers, bounded retries."""

from __future__ import annotations

import io
import logging
import threading
import time

import pytest
from flask import abort, request
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, OperationalError

from portal.core import uow
from portal.errors import DomainError
from portal.notify.models import Notification, OutboxMail
from portal.notify.services import notify
from tests.factories import make_user

pytestmark = pytest.mark.db


class FakeDriverError(Exception):
    """Stands in for a driver exception carrying a SQLSTATE, as psycopg's do."""

    def __init__(self, sqlstate: str, message: str = "could not serialize access") -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def db_error(sqlstate: str = "40001") -> DBAPIError:
    return DBAPIError("UPDATE something", {}, FakeDriverError(sqlstate))


def count_notifications(session) -> int:
    n = session.scalar(select(func.count()).select_from(Notification))
    session.rollback()  # let go of SQLite's write lock before the next request
    return n


@pytest.fixture
def user_id(session) -> int:
    user = make_user(session, "staff")
    session.commit()
    return user.id


@pytest.fixture
def routes(app, user_id):
    """Test-only views that write a notification and then answer in different ways."""
    calls = {"flaky": 0}

    def write(title: str) -> None:
        notify(uow.session(), [user_id], title)

    def ok():
        write("kept")
        return "ok"

    def unprocessable():
        write("422")
        return "invalid input", 422

    def domain_error():
        write("domain error")
        raise DomainError("不行。", {"name": "不行。"})

    def not_found():
        write("404")
        abort(404)

    def crash():
        write("500")
        raise RuntimeError("boom")

    def flaky():
        calls["flaky"] += 1
        write(f"attempt {calls['flaky']}")
        if calls["flaky"] == 1:
            raise db_error("40P01")
        return "ok"

    def upload():
        calls["upload"] = calls.get("upload", 0) + 1
        data = request.files["licence"].stream.read()
        write(f"read {len(data)} bytes")
        if calls["upload"] == 1:
            raise db_error("40001")
        return str(len(data))

    for name, view in [
        ("upload", upload),
        ("ok", ok),
        ("unprocessable", unprocessable),
        ("domain_error", domain_error),
        ("not_found", not_found),
        ("crash", crash),
        ("flaky", flaky),
    ]:
        app.add_url_rule(f"/_test/{name}", f"test_{name}", view, methods=["POST"])
    return calls


def test_a_view_answering_200_commits(client, session, routes):
    assert client.post("/_test/ok").status_code == 200

    assert count_notifications(session) == 1


@pytest.mark.parametrize(("path", "status"), [("unprocessable", 422), ("domain_error", 422), ("not_found", 404)])
def test_a_view_answering_an_error_changes_nothing(client, session, routes, path, status):
    response = client.post(f"/_test/{path}")

    assert response.status_code == status
    assert count_notifications(session) == 0


def test_a_crashing_view_changes_nothing_and_shows_a_friendly_page(client, session, routes):
    response = client.post("/_test/crash")

    assert response.status_code == 500
    assert "服务器出现了问题" in response.get_data(as_text=True)
    assert count_notifications(session) == 0


def test_a_view_is_run_again_after_a_deadlock_and_keeps_only_the_last_attempt(client, session, routes):
    response = client.post("/_test/flaky")

    assert response.status_code == 200
    assert routes["flaky"] == 2
    titles = session.scalars(select(Notification.title)).all()
    session.rollback()
    assert titles == ["attempt 2"]


def test_a_view_run_again_reads_its_upload_from_the_start(client, session, routes):
    response = client.post(
        "/_test/upload", data={"licence": (io.BytesIO(b"%PDF-1.4 twelve"), "l.pdf")}, content_type="multipart/form-data"
    )

    assert response.get_data(as_text=True) == "15"
    titles = session.scalars(select(Notification.title)).all()
    session.rollback()
    assert titles == ["read 15 bytes"]


def test_unit_of_work_commits_or_rolls_back(app, session, user_id):
    with uow.unit_of_work() as s:
        notify(s, [user_id], "kept")
    with pytest.raises(RuntimeError), uow.unit_of_work() as s:
        notify(s, [user_id], "dropped")
        raise RuntimeError("boom")

    assert session.scalars(select(Notification.title)).all() == ["kept"]


# --- run_in_transaction --------------------------------------------------------------------------


def test_run_in_transaction_retries_a_serialization_failure_once(app, session, user_id):
    calls = []

    def work(s):
        calls.append(1)
        notify(s, [user_id], f"attempt {len(calls)}")
        if len(calls) == 1:
            raise db_error("40001")
        return "done"

    assert uow.run_in_transaction(work) == "done"
    assert len(calls) == 2
    assert session.scalars(select(Notification.title)).all() == ["attempt 2"]


def test_run_in_transaction_gives_up_after_the_bounded_attempts(app, session, user_id):
    calls = []

    def work(s):
        calls.append(1)
        notify(s, [user_id], "never kept")
        raise db_error("40001")

    with pytest.raises(DBAPIError):
        uow.run_in_transaction(work)

    assert len(calls) == app.config["DB_RETRY_ATTEMPTS"] == 6
    assert count_notifications(session) == 0


def test_run_in_transaction_honours_a_smaller_bound(app):
    calls = []

    def work(s):
        calls.append(1)
        raise db_error("40P01")

    with pytest.raises(DBAPIError):
        uow.run_in_transaction(work, attempts=2)

    assert len(calls) == 2


@pytest.mark.parametrize(
    "error",
    [
        DBAPIError("INSERT", {}, FakeDriverError("23503", "foreign key violation")),
        ValueError("not a database error"),
        DomainError("规则不允许。"),
    ],
)
def test_run_in_transaction_does_not_retry_other_errors(app, error):
    calls = []

    def work(s):
        calls.append(1)
        raise error

    with pytest.raises(type(error)):
        uow.run_in_transaction(work)

    assert len(calls) == 1


def test_sqlite_lock_timeouts_are_retryable():
    import sqlite3

    locked = OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))

    assert uow.is_retryable(locked)
    assert uow.is_retryable(db_error("40001"))
    assert uow.is_retryable(db_error("40P01"))
    # a concurrent insert of the same key: run again, the service's own check then reports it
    assert uow.is_retryable(db_error("23505"))
    assert not uow.is_retryable(db_error("23503"))
    assert not uow.is_retryable(RuntimeError("database is locked"))


def test_concurrent_read_modify_write_loses_no_update(app, session, backend, caplog):
    """Six writers read a counter, pause, and write it back plus one: none fails, none is lost.

    SQLite's writers queue behind BEGIN IMMEDIATE and never retry. PostgreSQL's fail with 40001 and
    run again (each round lets at least one through, so six attempts always suffice).
    """
    caplog.set_level(logging.INFO, logger="portal.core.uow")
    mail = OutboxMail(to_address="a@example.cn", subject="s", body="b", attempts=0)
    session.add(mail)
    session.commit()
    mail_id = mail.id
    writers = 6
    start = threading.Barrier(writers)
    errors: list[BaseException] = []

    def increment(s):
        row = s.get(OutboxMail, mail_id)
        seen = row.attempts
        time.sleep(0.02)  # give the others every chance to read the same value
        row.attempts = seen + 1
        s.flush()

    def writer():
        try:
            with app.app_context():
                start.wait()
                uow.run_in_transaction(increment, attempts=writers)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert errors == []
    assert session.get(OutboxMail, mail_id, populate_existing=True).attempts == writers
    retried = [r for r in caplog.records if r.getMessage().startswith("retrying transaction")]
    if backend == "sqlite":
        assert retried == []
