"""The e-mail outbox and the notification centre."""

from __future__ import annotations

import datetime as dt
import logging
import re
import smtplib
from types import SimpleNamespace
from typing import ClassVar

import pytest
from sqlalchemy import select

from portal import jobs
from portal.core import uow
from portal.notify import services
from portal.notify.models import Notification, OutboxMail
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.db


def queue(session, to="someone@example.cn", subject="重置密码"):
    return services.queue_mail(session, to, subject, "reset_password", token="tok-123", minutes=60)


def mails(session) -> list[SimpleNamespace]:
    """Plain copies of the outbox rows (the session lets go of SQLite's write lock at once)."""
    columns = ("to_address", "subject", "body", "sent_at", "attempts", "last_error")
    rows = [
        SimpleNamespace(**{c: getattr(row, c) for c in columns})
        for row in session.scalars(select(OutboxMail).order_by(OutboxMail.id).execution_options(populate_existing=True))
    ]
    session.rollback()
    return rows


# --- the outbox ------------------------------------------------------------------------------------


def test_queued_mail_is_rendered_from_its_template(app, session):
    mail = queue(session)
    session.commit()

    assert mail.to_address == "someone@example.cn"
    assert mail.subject == "重置密码"
    assert "http://portal.test/reset/tok-123" in mail.body
    assert "请在60分钟内" in mail.body
    assert mail.sent_at is None


def test_queued_mail_rolls_back_with_its_transaction(app, session):
    with pytest.raises(RuntimeError), uow.unit_of_work() as s:
        queue(s)
        raise RuntimeError("the cause of the mail failed")
    with uow.unit_of_work() as s:
        queue(s, to="kept@example.cn")

    assert [m.to_address for m in mails(session)] == ["kept@example.cn"]


def test_mail_can_be_queued_by_a_job_outside_any_request(app, session, monkeypatch, at):
    at("2026-06-01 09:00")
    monkeypatch.setattr(jobs, "REGISTRY", {})
    jobs.register("test.mailer", every=dt.timedelta(days=1))(lambda s, now: queue(s, to="job@example.cn"))

    outcome = jobs.run_due()

    assert outcome == {"test.mailer": "ok"}
    assert [m.to_address for m in mails(session)] == ["job@example.cn"]


def test_log_backend_marks_mail_sent(app, session, caplog, at):
    now = at("2026-06-01 09:00")
    caplog.set_level(logging.INFO, logger="portal.mail")
    queue(session)
    queue(session, to="second@example.cn")
    session.commit()

    sent = services.deliver_pending()
    session.commit()

    assert sent == 2
    rows = mails(session)
    assert [m.sent_at for m in rows] == [now, now]
    assert [m.attempts for m in rows] == [1, 1]
    assert "e-mail to someone@example.cn: 重置密码" in caplog.text
    assert services.deliver_pending() == 0


class FakeSMTP:
    """Records what would be sent; fails while ``failures`` is above zero."""

    failures = 0
    sent: ClassVar[list] = []
    instances: ClassVar[list] = []

    def __init__(self, host, port, timeout=None):
        if FakeSMTP.failures > 0:
            FakeSMTP.failures -= 1
            raise ConnectionRefusedError(111, "Connection refused")
        self.host, self.port = host, port
        self.calls: list[str] = []
        FakeSMTP.instances.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        self.calls.append("starttls")

    def login(self, user, password):
        self.calls.append(f"login {user}")

    def send_message(self, message):
        FakeSMTP.sent.append(message)


@pytest.fixture
def smtp(app, monkeypatch):
    FakeSMTP.failures, FakeSMTP.sent, FakeSMTP.instances = 0, [], []
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    app.config.update(
        MAIL_BACKEND="smtp", MAIL_SERVER="smtp.example.cn", MAIL_PORT=587, MAIL_USE_TLS=True, MAIL_USERNAME="portal"
    )
    return FakeSMTP


def test_smtp_backend_sends_the_message(app, session, smtp):
    queue(session)
    session.commit()

    assert services.deliver_pending() == 1
    session.commit()

    (message,) = smtp.sent
    assert message["To"] == "someone@example.cn"
    assert message["Subject"] == "重置密码"
    assert "noreply@sdbra.example.cn" in message["From"]
    assert "http://portal.test/reset/tok-123" in message.get_content()
    assert smtp.instances[0].host == "smtp.example.cn"
    assert smtp.instances[0].calls == ["starttls", "login portal"]
    assert mails(session)[0].sent_at is not None


def test_smtp_failure_is_recorded_and_retried(app, session, smtp, at):
    at("2026-06-01 09:00")
    queue(session)
    session.commit()
    smtp.failures = 1

    first = services.deliver_pending()
    session.commit()
    (after_failure,) = mails(session)
    second = services.deliver_pending()
    session.commit()
    (mail,) = mails(session)

    assert first == 0
    assert after_failure.sent_at is None
    assert after_failure.attempts == 1
    assert "Connection refused" in after_failure.last_error
    assert second == 1
    assert mail.sent_at is not None
    assert mail.attempts == 2
    assert len(smtp.sent) == 1


def test_one_failing_mail_does_not_hold_back_the_others(app, session, smtp):
    queue(session, to="first@example.cn")
    queue(session, to="second@example.cn")
    session.commit()
    smtp.failures = 1

    assert services.deliver_pending() == 1
    session.commit()

    assert [m.sent_at is not None for m in mails(session)] == [False, True]


def test_delivery_gives_up_after_max_attempts(app, session, smtp):
    queue(session)
    session.commit()
    smtp.failures = 100

    for _ in range(services.MAX_ATTEMPTS + 2):
        services.deliver_pending()
        session.commit()

    (mail,) = mails(session)
    assert mail.attempts == services.MAX_ATTEMPTS
    assert mail.sent_at is None


def test_sending_holds_no_lock_on_the_database(app, session, smtp, monkeypatch):
    """While the mail server is being talked to, other writers (web requests) are not kept waiting."""
    from sqlalchemy import text

    from portal.db import WRITE_OPTION, make_engine

    queue(session)
    session.commit()
    probe = make_engine(app.config["DATABASE_URL"], busy_timeout_ms=200).execution_options(**{WRITE_OPTION: True})
    seen: list[str] = []

    def send_while_probing(self, message):
        with probe.begin() as conn:  # fails within 200 ms if the outbox row or the database is locked
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL lock_timeout = '200ms'")
            conn.execute(text("UPDATE outbox_mails SET subject = subject"))
        seen.append(message["To"])

    monkeypatch.setattr(FakeSMTP, "send_message", send_while_probing)
    try:
        assert services.deliver_pending() == 1
    finally:
        probe.dispose()

    assert seen == ["someone@example.cn"]


def test_delivery_stops_starting_mails_when_its_time_is_up(app, session, smtp, monkeypatch):
    """A slow mail server: after the time budget the rest wait for the next run."""
    for n in range(4):
        queue(session, to=f"r{n}@example.cn")
    session.commit()
    fake_time = SimpleNamespace(t=1000.0)
    monkeypatch.setattr(services, "time", SimpleNamespace(monotonic=lambda: fake_time.t))

    def slow_send(self, message):
        fake_time.t += 40  # each e-mail takes 40 seconds
        FakeSMTP.sent.append(message)

    monkeypatch.setattr(FakeSMTP, "send_message", slow_send)

    assert services.deliver_pending(budget_seconds=100) == 3
    assert [m.sent_at is not None for m in mails(session)] == [True, True, True, False]
    assert services.deliver_pending(budget_seconds=100) == 1


def test_the_deliver_job_sends_the_outbox(app, session, at):
    at("2026-06-01 09:00")
    queue(session)
    session.commit()

    outcome = jobs.run_due(only=["mail.deliver"])

    assert outcome == {"mail.deliver": "ok"}
    assert mails(session)[0].sent_at is not None


# --- notifications -------------------------------------------------------------------------------


def badge(page: str) -> str | None:
    match = re.search(r'<span class="badge" aria-label="(\d+)条未读">(\d+)</span>', page)
    return match.group(2) if match else None


@pytest.fixture
def two_users(session):
    alice, bob = make_user(session, "staff"), make_user(session, "staff")
    services.notify(session, [alice.id], "申请已提交", "请等待审核。", link="/staff")
    services.notify(session, [alice.id, alice.id], "第二条")
    services.notify(session, [bob.id], "给别人的")
    session.commit()
    return alice, bob


def test_unread_count_shows_in_the_header_and_drops_after_reading(client, session, two_users):
    alice, _bob = two_users
    client.post("/login", data={"email": alice.email, "password": PASSWORD})
    first = session.scalar(select(Notification.id).where(Notification.title == "申请已提交"))
    session.rollback()

    before = client.get("/notifications").get_data(as_text=True)
    client.post("/notifications/read", data={"id": str(first)})
    after_one = client.get("/").get_data(as_text=True)
    client.post("/notifications/read")
    after_all = client.get("/").get_data(as_text=True)

    assert badge(before) == "2"
    assert "申请已提交" in before
    assert "给别人的" not in before
    assert badge(after_one) == "1"
    assert badge(after_all) is None


def test_no_badge_for_anonymous_visitors(client, two_users):
    assert badge(client.get("/").get_data(as_text=True)) is None


def test_users_cannot_mark_others_notifications_read(client, session, two_users):
    alice, bob = two_users
    client.post("/login", data={"email": alice.email, "password": PASSWORD})
    bobs = session.scalar(select(Notification.id).where(Notification.user_id == bob.id))
    session.rollback()  # expires alice and bob: touch them only after the requests

    client.post("/notifications/read", data={"id": str(bobs)})

    assert session.get(Notification, bobs).read_at is None
    assert services.unread_count(session, alice.id) == 2


@pytest.mark.parametrize("value", ["1 OR 1=1", "abc", "-1", "１", "9" * 30])
def test_a_malformed_id_marks_nothing_read(client, session, two_users, value):
    alice, _bob = two_users
    client.post("/login", data={"email": alice.email, "password": PASSWORD})

    response = client.post("/notifications/read", data={"id": value})

    assert response.status_code == 400
    assert services.unread_count(session, alice.id) == 2


def test_notifications_need_a_login(client):
    response = client.get("/notifications")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_mark_read_returns_how_many_changed(session, two_users):
    alice, bob = two_users

    assert services.mark_read(session, alice.id) == 2
    assert services.mark_read(session, alice.id) == 0
    assert services.unread_count(session, bob.id) == 1
