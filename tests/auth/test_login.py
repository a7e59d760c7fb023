"""Logging in and out: redirects by role, refusals, failure limits, session rotation and ending."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.auth.models import LoginFailure
from tests.factories import PASSWORD, make_member, make_user

WRONG = "wrong-password-123"


def logged_in(client) -> bool:
    """True while the client's session is a live login (the password page needs one)."""
    return client.get("/account/password").status_code == 200


def post_login(client, email, password=PASSWORD, address="10.0.0.1", **data):
    return client.post(
        "/login", data={"email": email, "password": password, **data}, environ_base={"REMOTE_ADDR": address}
    )


@pytest.mark.parametrize(
    ("role", "target"),
    [("staff", "/staff"), ("admin", "/staff"), ("observer", "/staff"), ("reviewer", "/staff/applications")],
)
def test_login_redirects_by_role(client, session, role, target):
    user = make_user(session, role)
    session.commit()

    response = post_login(client, user.email)

    assert response.status_code == 302
    assert response.headers["Location"] == target
    assert logged_in(client)


def test_member_login_goes_to_member_centre(client, session):
    _, user = make_member(session)
    session.commit()

    response = post_login(client, user.email)

    assert response.status_code == 302
    assert response.headers["Location"] == "/account"


def test_email_is_matched_without_regard_to_case(client, session):
    user = make_user(session, "staff")
    session.commit()

    assert post_login(client, "  " + user.email.upper()).status_code == 302


def test_wrong_password_is_refused_in_chinese(client, session):
    user = make_user(session, "staff")
    session.commit()

    response = post_login(client, user.email, WRONG)

    assert response.status_code == 401
    assert "电子邮箱或密码不正确" in response.get_data(as_text=True)
    assert not logged_in(client)


def test_unknown_address_gets_the_same_refusal(client):
    response = post_login(client, "nobody@example.cn", WRONG)

    assert response.status_code == 401
    assert "电子邮箱或密码不正确" in response.get_data(as_text=True)


def test_unverified_email_is_refused(client, session):
    user = make_user(session, "staff", verified=False)
    session.commit()

    response = post_login(client, user.email)

    assert response.status_code == 401
    assert "验证您的电子邮箱" in response.get_data(as_text=True)
    assert not logged_in(client)


def test_deactivated_user_is_refused(client, session):
    user = make_user(session, "staff")
    user.is_active = False
    session.commit()

    response = post_login(client, user.email)

    assert response.status_code == 401
    assert "该账户已停用" in response.get_data(as_text=True)
    assert not logged_in(client)


def test_empty_form_is_answered_422(client):
    response = client.post("/login", data={"email": "", "password": ""})

    assert response.status_code == 422
    assert "此项为必填项" in response.get_data(as_text=True)


# --- failure limits ------------------------------------------------------------------------------


@pytest.mark.db
def test_sixth_attempt_on_an_account_is_throttled_until_the_window_passes(client, session, at):
    at("2026-03-02 09:00:00")
    user = make_user(session, "staff")
    session.commit()
    for i in range(5):
        at(f"2026-03-02 09:00:{i * 5:02d}")
        assert post_login(client, user.email, WRONG, address=f"10.0.1.{i}").status_code == 401

    at("2026-03-02 09:00:30")
    response = post_login(client, user.email, PASSWORD, address="10.0.2.1")

    assert response.status_code == 429
    # The oldest failure (09:00:00) leaves the window at 09:01:00, 30 seconds from now.
    assert response.headers["Retry-After"] == "30"
    assert "登录失败次数过多，请在30秒后重试" in response.get_data(as_text=True)
    assert not logged_in(client)

    at("2026-03-02 09:01:01")
    assert post_login(client, user.email, PASSWORD, address="10.0.2.1").status_code == 302
    assert logged_in(client)


@pytest.mark.db
def test_five_failures_are_allowed(client, session, at):
    at("2026-03-02 09:00")
    user = make_user(session, "staff")
    session.commit()
    for _ in range(4):
        assert post_login(client, user.email, WRONG).status_code == 401

    assert post_login(client, user.email, PASSWORD).status_code == 302


@pytest.mark.db
def test_failures_from_one_address_across_accounts_are_throttled(client, session, at):
    at("2026-03-02 09:00")
    users = [make_user(session, "staff") for _ in range(6)]
    session.commit()
    for user in users[:5]:
        assert post_login(client, user.email, WRONG, address="192.0.2.7").status_code == 401

    refused = post_login(client, users[5].email, PASSWORD, address="192.0.2.7")
    other_address = post_login(client, users[5].email, PASSWORD, address="192.0.2.8")

    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) == 60
    assert "请在60秒后重试" in refused.get_data(as_text=True)
    assert other_address.status_code == 302


@pytest.mark.db
def test_failure_counters_are_shared_by_app_instances(app_config, client, session, at):
    from portal import create_app

    at("2026-03-02 09:00")
    user = make_user(session, "staff")
    session.commit()
    for _ in range(5):
        assert post_login(client, user.email, WRONG).status_code == 401

    second = create_app(app_config)
    try:
        with second.app_context():
            response = post_login(second.test_client(), user.email, PASSWORD, address="10.9.9.9")
    finally:
        second.extensions["portal_db"].dispose()

    assert response.status_code == 429
    assert session.scalar(select(func.count()).select_from(LoginFailure).where(LoginFailure.key.like("account:%"))) == 5


@pytest.mark.db
def test_throttled_attempts_and_successes_add_no_failures(client, session, at):
    at("2026-03-02 09:00")
    user = make_user(session, "staff")
    session.commit()
    assert post_login(client, user.email).status_code == 302
    for _ in range(7):
        post_login(client, user.email, WRONG)

    keys = session.scalars(select(LoginFailure.key).order_by(LoginFailure.id)).all()

    assert keys.count(f"account:{user.email}") == 5
    assert keys.count("address:10.0.0.1") == 5


# --- sessions ----------------------------------------------------------------------------------


def test_login_starts_a_fresh_session(client, session):
    user = make_user(session, "staff")
    session.commit()
    with client.session_transaction() as s:
        s["planted"] = "before login"

    post_login(client, user.email)

    with client.session_transaction() as s:
        assert "planted" not in s
        assert s["_user_id"] == f"{user.id}.{user.session_epoch}"


def test_logout_ends_copied_sessions(app, session):
    user = make_user(session, "staff")
    session.commit()
    a, b = app.test_client(), app.test_client()
    post_login(a, user.email)
    b.set_cookie("session", a.get_cookie("session").value)
    assert logged_in(b)

    response = a.post("/logout")

    assert response.status_code == 302
    assert not logged_in(a)
    assert not logged_in(b)


def test_logout_needs_post(client, session):
    user = make_user(session, "staff")
    session.commit()
    post_login(client, user.email)

    assert client.get("/logout").status_code == 405
    assert logged_in(client)


def test_password_change_ends_other_sessions_but_keeps_this_one(app, session):
    user = make_user(session, "staff")
    session.commit()
    a, b = app.test_client(), app.test_client()
    post_login(a, user.email)
    b.set_cookie("session", a.get_cookie("session").value)

    response = a.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": "a-new-password-9", "confirm": "a-new-password-9"},
    )

    assert response.status_code == 302
    assert logged_in(a)
    assert not logged_in(b)
    a.post("/logout")
    assert post_login(a, user.email, "a-new-password-9").status_code == 302


def test_password_change_with_wrong_current_password_changes_nothing(client, session):
    user = make_user(session, "staff")
    session.commit()
    post_login(client, user.email)

    response = client.post(
        "/account/password",
        data={"current_password": WRONG, "password": "a-new-password-9", "confirm": "a-new-password-9"},
    )

    assert response.status_code == 422
    assert "当前密码不正确" in response.get_data(as_text=True)
    client.post("/logout")
    assert post_login(client, user.email).status_code == 302


def test_password_change_refuses_a_short_password(client, session):
    user = make_user(session, "staff")
    session.commit()
    post_login(client, user.email)

    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "password": "short9", "confirm": "short9"}
    )

    assert response.status_code == 422
    assert "密码至少需要10个字符" in response.get_data(as_text=True)


def test_deactivating_a_user_ends_the_session(client, session):
    user = make_user(session, "staff")
    session.commit()
    post_login(client, user.email)

    user.is_active = False
    session.commit()

    assert not logged_in(client)


# --- the next parameter ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/login",
        "https://evil.example",
        "http://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/\tevil",
        " //evil.example",
        "evil.example",
    ],
)
def test_next_only_leads_inside_the_portal(client, session, target):
    user = make_user(session, "staff")
    session.commit()

    response = post_login(client, user.email, next=target)

    assert response.status_code == 302
    assert response.headers["Location"] == "/staff"


def test_next_inside_the_portal_is_followed(client, session):
    user = make_user(session, "staff")
    session.commit()

    response = post_login(client, user.email, next="/notifications?page=2")

    assert response.headers["Location"] == "/notifications?page=2"


def test_login_page_carries_next_into_the_form(client):
    page = client.get("/login?next=/notifications").get_data(as_text=True)

    assert 'value="/notifications"' in page


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example"])
def test_language_switch_does_not_redirect_outside(client, target):
    response = client.get("/lang/en", query_string={"next": target})

    assert response.headers["Location"] == "/"


# --- CSRF --------------------------------------------------------------------------------------


@pytest.fixture
def csrf_client(app_config):
    from portal import create_app

    application = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    with application.app_context():
        yield application.test_client()
    application.extensions["portal_db"].dispose()


def test_post_without_csrf_token_gets_a_friendly_page(csrf_client):
    response = csrf_client.post("/login", data={"email": "a@example.cn", "password": "whatever-long"})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "表单已过期或来源无法验证" in page
    assert "<html" in page


def test_post_with_csrf_token_is_accepted(csrf_client):
    import re

    page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', page
    )

    response = csrf_client.post(
        "/login", data={"email": "a@example.cn", "password": "whatever-long", "csrf_token": token.group(1)}
    )

    assert response.status_code == 401
