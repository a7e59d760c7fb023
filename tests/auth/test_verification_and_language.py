"""Resending the verification e-mail (one answer for every address), an already verified address clicking
again, and the chosen language kept at login (on the account) and at logout (for the visitor)."""

from __future__ import annotations

import pytest

from portal.auth.models import User
from tests.factories import PASSWORD, make_member, make_user

pytestmark = pytest.mark.db


def verify_links(outbox, address: str) -> list[str]:
    return [
        line.replace("http://portal.test", "")
        for mail in outbox()
        if mail.to_address == address
        for line in mail.body.splitlines()
        if "/verify/" in line
    ]


# --- resend -------------------------------------------------------------------------------------------


def test_resend_mails_a_new_link_and_the_old_one_stops_working(client, session, at, outbox):
    at("2026-04-01 10:00")
    user = make_user(session, "staff", verified=False)
    session.commit()
    assert client.get(f"/verify/resend?email={user.email}").status_code == 200
    response = client.post("/verify/resend", data={"email": user.email.upper()})
    assert response.status_code == 303
    [first] = verify_links(outbox, user.email)

    at("2026-04-01 10:05")
    client.post("/verify/resend", data={"email": user.email})
    old, new = verify_links(outbox, user.email)
    assert old == first
    assert client.get(old).status_code == 400  # replaced by the newer link
    assert client.get(new).status_code == 302
    assert session.get(User, user.id, populate_existing=True).email_verified_at is not None


@pytest.mark.parametrize("kind", ["unknown", "verified", "unverified", "deactivated"])
def test_resend_answers_the_same_for_every_address(client, session, at, outbox, kind):
    at("2026-04-01 10:00")
    email = "nobody@example.cn"
    if kind != "unknown":
        user = make_user(session, "staff", verified=kind == "verified", email=email)
        user.is_active = kind != "deactivated"
        session.commit()
    response = client.post("/verify/resend", data={"email": email}, follow_redirects=True)
    assert response.status_code == 200
    assert "如果该邮箱已注册且尚未验证，我们已重新发送验证邮件" in response.get_data(as_text=True)
    assert len(verify_links(outbox, email)) == (1 if kind == "unverified" else 0)


def test_resend_within_a_minute_sends_nothing_more(client, session, at, outbox):
    at("2026-04-01 10:00")
    user = make_user(session, "staff", verified=False)
    session.commit()
    for _ in range(3):
        client.post("/verify/resend", data={"email": user.email})
    assert len(verify_links(outbox, user.email)) == 1


def test_a_bad_resend_form_is_a_form_error(client):
    response = client.post("/verify/resend", data={"email": ""})
    assert response.status_code == 422
    assert "此项为必填项" in response.get_data(as_text=True)


def test_a_verified_address_clicking_an_older_link_is_told_it_is_verified(client, session, at, outbox):
    at("2026-04-01 10:00")
    user = make_user(session, "staff", verified=False)
    session.commit()
    client.post("/verify/resend", data={"email": user.email})
    at("2026-04-01 10:02")
    client.post("/verify/resend", data={"email": user.email})
    old, new = verify_links(outbox, user.email)
    assert client.get(new).status_code == 302
    again = client.get(old)
    assert again.status_code == 200
    assert "该电子邮箱已经验证过了，请直接登录。" in again.get_data(as_text=True)


# --- language ---------------------------------------------------------------------------------------------


def _login(client, email):
    return client.post("/login", data={"email": email, "password": PASSWORD})


def test_the_language_chosen_before_login_is_kept_and_stored_on_the_account(app, session):
    _enterprise, admin = make_member(session)
    session.commit()
    browser = app.test_client()
    browser.get("/lang/en")
    assert _login(browser, admin.email).status_code == 302
    page = browser.get("/account").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert session.get(User, admin.id, populate_existing=True).locale == "en"

    # Another device, no choice made there: the account's language applies after login.
    other = app.test_client()
    assert '<html lang="en">' not in other.get("/login").get_data(as_text=True)
    _login(other, admin.email)
    assert '<html lang="en">' in other.get("/account").get_data(as_text=True)

    # Logging out keeps the visitor's language.
    other.post("/logout")
    assert '<html lang="en">' in other.get("/").get_data(as_text=True)


def test_a_choice_made_at_login_time_wins_over_the_account(app, session):
    user = make_user(session, "staff")
    user.locale = "en"
    session.commit()
    browser = app.test_client()
    browser.get("/lang/zh_Hans_CN")
    _login(browser, user.email)
    assert '<html lang="en">' not in browser.get("/staff").get_data(as_text=True)
    assert session.get(User, user.id, populate_existing=True).locale == "zh_Hans_CN"


def test_without_any_choice_the_portal_speaks_chinese(app, session):
    user = make_user(session, "staff")
    session.commit()
    browser = app.test_client()
    _login(browser, user.email)
    assert '<html lang="en">' not in browser.get("/staff").get_data(as_text=True)
    assert session.get(User, user.id, populate_existing=True).locale is None


def test_a_switch_made_while_signed_in_is_kept_on_the_account(app, session):
    user = make_user(session, "staff")
    session.commit()
    browser = app.test_client()
    _login(browser, user.email)
    browser.get("/lang/en")
    assert session.get(User, user.id, populate_existing=True).locale == "en"
    other = app.test_client()  # another device, no choice made there
    _login(other, user.email)
    assert '<html lang="en">' in other.get("/staff").get_data(as_text=True)
