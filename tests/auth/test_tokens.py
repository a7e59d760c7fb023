"""E-mailed links: e-mail verification and password reset are single-use and expire."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from portal.auth import services
from portal.auth.models import AuthToken, User
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "brand-new-password-7"


def link_token(mail, kind: str) -> str:
    match = re.search(rf"http://portal\.test/{kind}/(\S+)", mail.body)
    assert match, mail.body
    return match.group(1)


def request_reset(client, email: str):
    return client.post("/forgot", data={"email": email})


def reset(client, token: str, password: str = NEW_PASSWORD):
    return client.post(f"/reset/{token}", data={"password": password, "confirm": password})


def can_log_in(app, email: str, password: str) -> bool:
    return app.test_client().post("/login", data={"email": email, "password": password}).status_code == 302


# --- e-mail verification -----------------------------------------------------------------------


def issue_verification(session, user, hours: int = 72) -> str:
    token = services.issue_token(session, user, "verify_email", dt.timedelta(hours=hours))
    session.commit()
    return token


def test_verification_link_verifies_once(app, client, session, at):
    at("2026-04-01 10:00")
    user = make_user(session, "staff", verified=False)
    token = issue_verification(session, user)

    first = client.get(f"/verify/{token}")
    second = client.get(f"/verify/{token}")

    assert first.status_code == 302
    assert first.headers["Location"] == "/login"
    # Clicking the link again: told the address is already verified (not that the link is broken).
    assert second.status_code == 200
    assert "该电子邮箱已经验证过了，请直接登录。" in second.get_data(as_text=True)
    assert "链接无效" not in second.get_data(as_text=True)
    assert can_log_in(app, user.email, PASSWORD)
    assert session.get(User, user.id, populate_existing=True).email_verified_at is not None


def test_verification_link_expires(app, client, session, at):
    at("2026-04-01 10:00")
    user = make_user(session, "staff", verified=False)
    token = issue_verification(session, user, hours=72)

    at("2026-04-04 10:01")
    response = client.get(f"/verify/{token}")

    assert response.status_code == 400
    assert "链接已过期" in response.get_data(as_text=True)
    assert not can_log_in(app, user.email, PASSWORD)
    assert session.get(User, user.id, populate_existing=True).email_verified_at is None


def test_verification_link_works_until_it_expires(client, session, at):
    at("2026-04-01 10:00")
    user = make_user(session, "staff", verified=False)
    token = issue_verification(session, user, hours=72)

    at("2026-04-04 09:59")

    assert client.get(f"/verify/{token}").status_code == 302


def test_unknown_verification_link_is_refused(client):
    response = client.get("/verify/not-a-token")

    assert response.status_code == 400
    assert "链接无效或已被使用" in response.get_data(as_text=True)


def test_a_reset_token_does_not_verify(client, session):
    user = make_user(session, "staff", verified=False)
    token = services.issue_token(session, user, "reset_password", dt.timedelta(hours=1))
    session.commit()

    assert client.get(f"/verify/{token}").status_code == 400


def test_only_the_token_hash_is_stored(session):
    user = make_user(session, "staff", verified=False)
    token = issue_verification(session, user)

    stored = session.scalars(select(AuthToken.token_hash)).all()

    assert token not in stored
    assert len(stored) == 1
    assert len(stored[0]) == 64


# --- password reset -----------------------------------------------------------------------------


@pytest.mark.db
def test_forgot_password_mails_a_single_use_link(app, client, session, outbox, at):
    at("2026-04-01 10:00")
    user = make_user(session, "staff")
    session.commit()

    response = request_reset(client, user.email)
    token = link_token(outbox()[-1], "reset")
    used = reset(client, token)
    again = reset(client, token, "another-password-8")

    assert response.status_code == 200
    assert outbox()[-1].to_address == user.email
    assert used.status_code == 302
    assert again.status_code == 422
    assert "链接无效或已被使用" in again.get_data(as_text=True)
    assert can_log_in(app, user.email, NEW_PASSWORD)
    assert not can_log_in(app, user.email, PASSWORD)
    assert not can_log_in(app, user.email, "another-password-8")


def test_reset_link_expires_after_an_hour(app, client, session, outbox, at):
    at("2026-04-01 10:00")
    user = make_user(session, "staff")
    session.commit()
    request_reset(client, user.email)
    token = link_token(outbox()[-1], "reset")

    at("2026-04-01 11:00:01")
    response = reset(client, token)

    assert response.status_code == 422
    assert "链接已过期" in response.get_data(as_text=True)
    assert can_log_in(app, user.email, PASSWORD)


def test_a_new_reset_link_replaces_the_old_one(app, client, session, outbox):
    user = make_user(session, "staff")
    session.commit()
    request_reset(client, user.email)
    old = link_token(outbox()[-1], "reset")
    request_reset(client, user.email)
    new = link_token(outbox()[-1], "reset")

    assert reset(client, old).status_code == 422
    assert reset(client, new).status_code == 302


def test_short_password_on_reset_keeps_the_link_usable(app, client, session, outbox):
    user = make_user(session, "staff")
    session.commit()
    request_reset(client, user.email)
    token = link_token(outbox()[-1], "reset")

    short = reset(client, token, "nine-char")

    assert short.status_code == 422
    assert "密码至少需要10个字符" in short.get_data(as_text=True)
    assert reset(client, token).status_code == 302


def test_reset_ends_every_session(app, session, outbox):
    user = make_user(session, "staff")
    session.commit()
    browser, mailer = app.test_client(), app.test_client()
    browser.post("/login", data={"email": user.email, "password": PASSWORD})
    assert browser.get("/account/password").status_code == 200

    request_reset(mailer, user.email)
    reset(mailer, link_token(outbox()[-1], "reset"))

    assert browser.get("/account/password").status_code == 302


def test_forgot_password_answers_the_same_for_unknown_addresses(client, session, outbox):
    user = make_user(session, "staff")
    session.commit()

    known = request_reset(client, user.email)
    unknown = request_reset(client, "nobody-here@example.cn")

    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert "如果该邮箱已注册" in unknown.get_data(as_text=True)
    assert [m.to_address for m in outbox()] == [user.email]


def test_forgot_password_sends_nothing_to_a_deactivated_account(client, session, outbox):
    user = make_user(session, "staff")
    user.is_active = False
    session.commit()

    response = request_reset(client, user.email)

    assert response.status_code == 200
    assert outbox() == []


@pytest.mark.db
def test_a_link_used_twice_at_the_same_moment_works_once(app, session, monkeypatch):
    """Two requests with the same reset link race: exactly one sets the password."""
    import threading
    import time
    from types import SimpleNamespace

    from portal.core import clock
    from portal.core.uow import run_in_transaction
    from portal.errors import DomainError

    user = make_user(session, "staff")
    token = services.issue_token(session, user, "reset_password", dt.timedelta(hours=1))
    session.commit()

    def slow_now():
        time.sleep(0.05)  # widen the gap between reading the token and marking it used
        return clock.now()

    monkeypatch.setattr(services, "clock", SimpleNamespace(now=slow_now))
    start = threading.Barrier(3)
    outcomes: list[str] = []

    def use(password: str) -> None:
        with app.app_context():
            start.wait()
            try:
                run_in_transaction(lambda s: services.reset_password(s, token, password))
                outcomes.append(password)
            except DomainError as err:
                outcomes.append(err.message)

    threads = [threading.Thread(target=use, args=(f"racing-password-{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    winners = [o for o in outcomes if o.startswith("racing-password-")]
    assert len(outcomes) == 3
    assert len(winners) == 1, outcomes
    assert outcomes.count("链接无效或已被使用。") == 2
    assert can_log_in(app, user.email, winners[0])
