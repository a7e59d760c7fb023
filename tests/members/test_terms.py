"""Late joiners and fees: the cut-off staff set, the first term it gives, the certificate after payment,
the fee state on the account page, and no renewal reminder in a member's first weeks."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.errors import DomainError, Forbidden
from portal.members import applications, memberships, terms
from portal.members.models import Membership, MembershipCertificate, MembershipSettings
from tests.factories import make_application, make_member, make_user
from tests.members.helpers import count, flashes, text_of

# --- pure: the cut-off and the first term -----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("10-01", "10-01"), ("10-1", "10-01"), ("10月1日", "10-01"), ("9/15", "09-15"), (" 12-31 ", "12-31"), ("", None)],
)
def test_cutoff_is_read_in_the_usual_ways(typed, stored, app):
    assert terms.parse_cutoff(typed) == stored


@pytest.mark.parametrize("typed", ["13-01", "02-29", "10", "ten-one", "10-32", "１０-01", "0-0"])
def test_a_wrong_cutoff_is_refused_on_its_field(typed, app):
    with pytest.raises(DomainError) as info:
        terms.parse_cutoff(typed)
    assert "请按“月-日”填写截止日" in info.value.fields["cutoff"]


@pytest.mark.parametrize(
    ("approved", "cutoff", "term"),
    [
        ("2026-09-30", "10-01", ("2026-09-30", "2026-12-31")),
        ("2026-10-01", "10-01", ("2026-10-01", "2027-12-31")),  # on the cut-off day: next year
        ("2026-12-02", "10-01", ("2026-12-02", "2027-12-31")),
        ("2026-12-02", None, ("2026-12-02", "2026-12-31")),  # no cut-off
        ("2026-01-05", "10-01", ("2026-01-05", "2026-12-31")),
    ],
)
def test_first_term(approved, cutoff, term):
    start, end = terms.first_term(dt.date.fromisoformat(approved), cutoff)
    assert (start.isoformat(), end.isoformat()) == term


# --- approval uses the cut-off ---------------------------------------------------------------------


def _approve(session, staff):
    application, _user = make_application(session)
    membership = applications.approve_application(session, staff, application.id)
    session.commit()
    return membership


@pytest.mark.db
def test_approved_on_2_december_gets_the_next_year_and_pays_only_it(session, staff, at):
    at("2026-12-02 10:00")
    membership = _approve(session, staff)
    assert (membership.term_start, membership.term_end) == (dt.date(2026, 12, 2), dt.date(2027, 12, 31))
    state = terms.fee_state(session, membership)
    assert [y.year for y in state.years] == [2027]
    assert state.free_until == dt.date(2026, 12, 31)


@pytest.mark.db
def test_before_the_cut_off_the_term_is_this_year(session, staff, at):
    at("2026-09-30 10:00")
    membership = _approve(session, staff)
    assert membership.term_end == dt.date(2026, 12, 31)
    assert terms.fee_state(session, membership).free_until is None


@pytest.mark.db
def test_staff_change_the_cut_off_on_the_fee_page(client, login, session, staff, at):
    at("2026-11-02 10:00")
    login(staff.email)
    page = client.get("/staff/fees")
    assert page.status_code == 200
    assert "当前截止日：10月1日" in text_of(page)
    response = client.post("/staff/fees/cutoff", data={"cutoff": "12月1日"})
    assert response.status_code == 302
    assert session.get(MembershipSettings, 1).late_join_cutoff == "12-01"
    assert "当前截止日：12月1日" in text_of(client.get("/staff/fees"))
    assert _approve(session, staff).term_end == dt.date(2026, 12, 31)  # 2 November is now before it

    bad = client.post("/staff/fees/cutoff", data={"cutoff": "2月30日"})
    assert bad.status_code == 422
    assert "请按“月-日”填写截止日" in text_of(bad)
    session.rollback()  # a fresh reading of what the requests committed
    assert session.get(MembershipSettings, 1).late_join_cutoff == "12-01"

    assert client.post("/staff/fees/cutoff", data={"cutoff": ""}).status_code == 302  # no cut-off at all
    session.rollback()
    assert session.get(MembershipSettings, 1).late_join_cutoff is None
    at("2026-12-20 10:00")
    assert _approve(session, staff).term_end == dt.date(2026, 12, 31)


@pytest.mark.db
@pytest.mark.parametrize("role", ["observer", "member_admin", "reviewer"])
def test_only_staff_set_the_cut_off(client, login, session, role):
    if role == "member_admin":
        _enterprise, user = make_member(session)
    else:
        user = make_user(session, role)
    session.commit()
    login(user.email)
    assert client.post("/staff/fees/cutoff", data={"cutoff": "11-01"}).status_code == 403
    assert count(MembershipSettings) == 0
    with pytest.raises(Forbidden):
        terms.set_late_join_cutoff(session, user, "11-01")


# --- the certificate after payment, the fee state on the account page --------------------------------


@pytest.mark.db
def test_a_late_joiner_sees_its_free_weeks_and_gets_a_certificate_for_the_term_it_has(
    client, login, session, staff, at
):
    at("2026-12-02 10:00")
    memberships.set_tier_fee(session, staff, "member", 500000)
    membership = _approve(session, staff)
    admin_email = _admin_email(session, membership)
    login(admin_email)

    text = text_of(client.get("/account"))
    assert "入会至2026-12-31免收会费" in text
    assert "2027年度会费 未缴 应缴 5,000.00 元" in text
    assert "会员证书在2027年度会费登记后即可下载" in text
    assert "下载会员证书" not in text
    refused = client.get("/account/certificate.pdf")
    assert refused.status_code == 303
    assert any("2027年度会费登记后即可下载会员证书" in m for m in flashes(client))
    assert count(MembershipCertificate) == 0

    session.rollback()  # start afresh after the requests (SQLite: no stale snapshot to write from)
    membership = session.get(Membership, membership.id)
    memberships.record_payment(session, staff, membership.id, 2027, 500000, dt.date(2026, 12, 2))
    session.commit()
    text = text_of(client.get("/account"))
    assert "2027年度会费 已缴 5,000.00 元" in text
    response = client.get("/account/certificate.pdf")
    assert response.status_code == 200
    from tests.members.test_account import pdf_text

    pdf = pdf_text(response.data)
    assert "2026年12月02日" in pdf and "2027年12月31日" in pdf  # the term it actually gets
    assert membership.number in pdf and "HY-2026-" in pdf  # the register's number, issued in 2026


def _admin_email(session, membership) -> str:
    from portal.auth import queries as auth_queries

    [admin] = auth_queries.enterprise_admins(session, membership.enterprise_id)
    return admin.email


@pytest.mark.db
def test_the_next_years_fee_shows_once_renewal_is_near(client, login, session, staff, at):
    at("2026-05-10 10:00")
    enterprise, admin = make_member(session)
    memberships.record_payment(session, staff, enterprise.membership.id, 2026, 100000, dt.date(2026, 5, 1))
    session.commit()
    login(admin.email)
    text = text_of(client.get("/account"))
    assert "2026年度会费 已缴" in text
    assert "2027年度会费" not in text
    at("2026-12-05 10:00")
    assert "2027年度会费 未缴" in text_of(client.get("/account"))


# --- the reminder window does not catch a new member ---------------------------------------------


@pytest.mark.db
def test_a_late_joiner_is_not_reminded_this_year(session, staff, at, outbox):
    at("2026-12-02 10:00")
    membership = _approve(session, staff)
    for day in ("2026-12-02", "2026-12-10", "2026-12-24", "2026-12-31", "2027-01-01"):
        counts = memberships.run_membership_cycle(session, dt.date.fromisoformat(day), grace_days=60)
        session.commit()
        assert counts == {"renewed": 0, "reminded": 0, "grace": 0, "lapsed": 0}, day
    assert session.get(Membership, membership.id).state == "active"
    assert [m.subject for m in outbox() if "到期" in m.subject] == []
    counts = memberships.run_membership_cycle(session, dt.date(2027, 12, 1), grace_days=60)
    assert counts["reminded"] == 1  # its own term's end is reminded in its turn
