"""One rule: an answer to a signed-in user or a token is never stored by browsers or proxies."""

from __future__ import annotations

from tests.factories import make_member, make_token, make_user

SKIP = {"static", "auth.logout"}


def pages(app) -> list[str]:
    """Every GET URL of the application that takes no arguments."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and rule.endpoint not in SKIP
    )


def test_every_page_answered_to_signed_in_staff_is_no_store(app, client, session, login):
    staff = make_user(session, "staff")
    session.commit()
    login(staff.email)
    seen = 0
    for path in pages(app):
        response = client.get(path)
        if response.status_code >= 300:
            continue
        seen += 1
        assert "no-store" in response.headers.get("Cache-Control", ""), path
    assert seen > 30


def test_member_pages_and_the_certificate_are_no_store(app, client, session, login, at):
    import datetime as dt

    from portal.members import memberships

    at("2026-05-10 10:00")
    enterprise, admin = make_member(session)
    staff = make_user(session, "staff")
    memberships.record_payment(session, staff, enterprise.membership.id, 2026, 500000, dt.date(2026, 5, 1))
    session.commit()
    login(admin.email)
    for path in ("/account", "/notifications", "/account/certificate.pdf"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response.headers["Cache-Control"], path


def test_token_answers_are_no_store_and_anonymous_public_pages_are_not(app, client, session):
    enterprise, _admin = make_member(session, activities=("battery_maker",))
    token = make_token(session, enterprise, scopes=("batteries:read",))
    session.commit()
    answer = client.get("/api/v1/batteries", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and "no-store" in answer.headers["Cache-Control"]
    for path in ("/", "/outlets", "/api/v1/outlets"):
        response = client.get(path)
        assert response.status_code == 200 and "no-store" not in response.headers.get("Cache-Control", ""), path
