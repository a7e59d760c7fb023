"""Fees and payments (yuan typed, fen stored), suspension and reinstatement."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.db import get_db
from portal.errors import Conflict, DomainError
from portal.members import memberships
from portal.members.models import FeePayment, Membership, TierFee
from tests.factories import PASSWORD
from tests.members.helpers import count, flashes, text_of

pytestmark = pytest.mark.db


@pytest.fixture
def member_options():
    return {"name": "东营黄河口储能科技有限公司", "tier": "council"}


def payments() -> list[tuple[int, int]]:
    with get_db().session(write=False) as s:
        return s.execute(select(FeePayment.term_year, FeePayment.amount_fen).order_by(FeePayment.id)).all()


def pay(client, membership_id, amount, year="2026", paid_on="2026-05-08", note=""):
    return client.post(
        f"/staff/memberships/{membership_id}/payment",
        data={"term_year": year, "amount": amount, "paid_on": paid_on, "note": note},
    )


AMOUNTS = [("5000", 500000), ("5,000.50", 500050), ("12.3", 1230), (" 20000.00 ", 2000000), ("0.01", 1)]
BAD_AMOUNTS = [
    ("五千", "金额格式不正确"),
    ("-5", "金额格式不正确"),
    ("5000.123", "金额格式不正确"),
    ("1e3", "金额格式不正确"),
    ("0", "金额必须大于零"),
    ("0.00", "金额必须大于零"),
]


def test_amount_in_yuan_is_stored_in_fen(client, login, staff, member, subtests):
    membership_id = member.membership_id
    login(staff.email)
    for year, (typed, fen) in enumerate(AMOUNTS, start=2026):
        with subtests.test(msg=typed):
            response = pay(client, membership_id, typed, year=str(year), note="银行回单 0042")
            assert response.status_code == 302
            assert "缴费已登记。" in flashes(client)
            client.get("/")  # show (and so consume) the flash
            assert payments()[-1] == (year, fen)
    assert len(payments()) == len(AMOUNTS)


def test_bad_amounts_are_refused(client, login, staff, member, subtests):
    membership_id = member.membership_id
    login(staff.email)
    for typed, message in BAD_AMOUNTS:
        with subtests.test(msg=typed):
            response = pay(client, membership_id, typed)
            assert response.status_code == 303
            assert any(message in m for m in flashes(client))
            client.get("/")
            assert payments() == []


def test_a_year_is_paid_once(client, login, staff, member):
    membership_id, email = member.membership_id, member.email
    login(staff.email)
    assert pay(client, membership_id, "5000").status_code == 302
    response = pay(client, membership_id, "5000", paid_on="2026-05-09")
    assert response.status_code == 303
    assert any("2026年度的会费已登记，不能重复登记。" in m for m in flashes(client))
    assert pay(client, membership_id, "5000", year="2027").status_code == 302
    assert payments() == [(2026, 500000), (2027, 500000)]

    client.post("/logout")
    client.get("/")  # consume the staff member's flashes
    client.post("/login", data={"email": email, "password": PASSWORD})
    text = text_of(client.get("/account"))
    assert "2026年度会费 已缴 5,000.00 元" in text
    assert "2027年度会费 已缴 5,000.00 元" in text


def test_payment_service_rules(session, staff, member, at):
    membership_id = member.membership_id
    with pytest.raises(DomainError) as info:
        memberships.record_payment(session, staff, membership_id, 1999, 0, dt.date(2026, 6, 1))
    assert set(info.value.fields) == {"amount", "term_year", "paid_on"}
    memberships.record_payment(session, staff, membership_id, 2026, 100, dt.date(2026, 5, 1))
    with pytest.raises(Conflict):
        memberships.record_payment(session, staff, membership_id, 2026, 100, dt.date(2026, 5, 2))
    session.commit()
    assert payments() == [(2026, 100)]


def test_tier_fee_in_yuan_is_shown_to_members(client, login, staff, member):
    email = member.email
    login(staff.email)
    assert client.post("/staff/fees", data={"tier": "council", "fee": "20,000"}).status_code == 302
    bad = client.post("/staff/fees", data={"tier": "council", "fee": "二万"})
    assert bad.status_code == 422
    assert "金额格式不正确" in text_of(bad)
    with get_db().session(write=False) as s:
        assert s.get(TierFee, "council").annual_fee_fen == 2000000
    client.post("/logout")
    client.post("/login", data={"email": email, "password": PASSWORD})
    assert "20,000.00 元" in text_of(client.get("/account"))


# --- suspension ----------------------------------------------------------------------------------


def test_suspend_and_reinstate_show_on_the_public_profile(client, login, staff, member, at):
    enterprise_id, membership_id = member.enterprise_id, member.membership_id
    profile = f"/members/{enterprise_id}"
    assert "会员状态：有效" in text_of(client.get(profile))

    login(staff.email)
    response = client.post(f"/staff/memberships/{membership_id}/suspend", data={"reason": ""})
    assert response.status_code == 303
    assert any("请填写暂停的原因" in m for m in flashes(client))
    client.get("/")

    assert client.post(f"/staff/memberships/{membership_id}/suspend", data={"reason": "拒不整改"}).status_code == 302
    text = text_of(client.get(profile))
    assert "会员状态：已暂停" in text
    assert "拒不整改" not in text  # the reason is not published
    assert "已暂停" in text_of(client.get(f"/staff/memberships/{membership_id}"))

    again = client.post(f"/staff/memberships/{membership_id}/suspend", data={"reason": "再次"})
    assert again.status_code == 303
    assert any("已处于暂停状态" in m for m in flashes(client))

    assert client.post(f"/staff/memberships/{membership_id}/reinstate").status_code == 302
    assert "会员状态：有效" in text_of(client.get(profile))
    again = client.post(f"/staff/memberships/{membership_id}/reinstate")
    assert again.status_code == 303
    assert any("未被暂停" in m for m in flashes(client))


def test_suspension_is_told_to_the_member(client, login, staff, member):
    membership_id, email = member.membership_id, member.email
    login(staff.email)
    client.post(f"/staff/memberships/{membership_id}/suspend", data={"reason": "未按时提交年度报告"})
    client.post("/logout")
    client.post("/login", data={"email": email, "password": PASSWORD})
    text = text_of(client.get("/account"))
    assert "已暂停" in text
    assert "未按时提交年度报告" in text
    assert "下载会员证书" not in text
    assert client.get("/account/certificate.pdf").status_code == 303


def test_reinstating_after_the_term_ended_means_grace(session, staff, member, at):
    membership_id = member.membership_id
    memberships.suspend(session, staff, membership_id, "调查中")
    session.commit()
    at("2027-01-10 10:00")
    memberships.reinstate(session, staff, membership_id)
    session.commit()
    assert session.get(Membership, membership_id).state == "grace"
    assert count(Membership, Membership.state == "active") == 0
