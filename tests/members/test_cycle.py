"""The membership cycle with a moved clock: reminders at 30 and 7 days, grace, lapse, renewal, payment."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal import jobs
from portal.db import get_db
from portal.members import memberships
from portal.members.models import Membership
from portal.notify.models import Notification
from tests.factories import make_member, make_user

pytestmark = pytest.mark.db

GRACE = 60
TERM_END = dt.date(2026, 12, 31)


def cycle(session, day: str, grace_days: int = GRACE) -> dict:
    """Run the daily job's service for a local date, and commit like the job runner does."""
    counts = memberships.run_membership_cycle(session, dt.date.fromisoformat(day), grace_days=grace_days)
    session.commit()
    return counts


def mails_to(outbox, address: str) -> list[str]:
    return [f"{m.subject}\n{m.body}" for m in outbox() if m.to_address == address]


def titles_for(user_id: int) -> list[str]:
    with get_db().session(write=False) as s:
        return list(
            s.scalars(select(Notification.title).where(Notification.user_id == user_id).order_by(Notification.id))
        )


def state_of(enterprise_id: int) -> tuple[str, dt.date, dt.date]:
    with get_db().session(write=False) as s:
        m = s.scalar(select(Membership).where(Membership.enterprise_id == enterprise_id))
        return m.state, m.term_start, m.term_end


@pytest.fixture
def member_options():
    """An active member whose term ends on 2026-12-31 and who has not paid for 2027."""
    return {"at": "2026-06-01 10:00", "term_end": TERM_END, "name": "济南绿源电池回收有限公司"}


def test_unpaid_member_is_reminded_then_goes_into_grace_then_lapses(session, member, outbox, at):
    enterprise_id, admin_id, email = member.enterprise_id, member.admin_id, member.email

    at("2026-11-30 09:00")
    assert cycle(session, "2026-11-30")["reminded"] == 0
    assert mails_to(outbox, email) == []

    at("2026-12-01 09:00")
    assert cycle(session, "2026-12-01")["reminded"] == 1
    [mail] = mails_to(outbox, email)
    assert "会员资格将于2026-12-31到期" in mail
    assert "还有 30 天" in mail
    assert titles_for(admin_id) == ["会员资格将于2026-12-31到期，请及时续费"]

    # The job runs every hour and on following days: the 30-day reminder goes out once.
    for day in ("2026-12-01", "2026-12-02", "2026-12-15", "2026-12-23"):
        assert cycle(session, day)["reminded"] == 0
    assert len(mails_to(outbox, email)) == 1

    at("2026-12-24 09:00")
    assert cycle(session, "2026-12-24")["reminded"] == 1
    mails = mails_to(outbox, email)
    assert len(mails) == 2
    assert "还有 7 天" in mails[1]
    assert cycle(session, "2026-12-31")["reminded"] == 0
    assert state_of(enterprise_id)[0] == "active"
    assert len(titles_for(admin_id)) == 2

    at("2027-01-01 09:00")
    assert cycle(session, "2027-01-01")["grace"] == 1
    assert state_of(enterprise_id)[0] == "grace"
    mails = mails_to(outbox, email)
    assert len(mails) == 3
    assert "宽限期" in mails[2]
    assert "60天宽限期" in mails[2]
    assert titles_for(admin_id)[-1] == "会员资格已到期，进入宽限期"

    assert cycle(session, "2027-02-15") == {"renewed": 0, "reminded": 0, "grace": 0, "lapsed": 0}
    assert cycle(session, "2027-03-01")["lapsed"] == 0  # the 60th day of grace is still grace
    assert state_of(enterprise_id)[0] == "grace"

    at("2027-03-02 09:00")
    assert cycle(session, "2027-03-02")["lapsed"] == 1
    assert state_of(enterprise_id)[0] == "lapsed"
    mails = mails_to(outbox, email)
    assert len(mails) == 4
    assert "会员资格已失效" in mails[3]
    assert titles_for(admin_id)[-1] == "会员资格已失效"

    cycle(session, "2027-03-03")
    cycle(session, "2027-06-01")
    assert len(mails_to(outbox, email)) == 4
    assert len(titles_for(admin_id)) == 4


def test_a_member_in_its_first_weeks_is_not_asked_to_renew(session, at, outbox):
    """Approved on 26 December with a term to 31 December (no cut-off set): no renewal reminder yet."""
    at("2026-12-26 10:00")
    _, admin = make_member(session, term_end=TERM_END)
    session.commit()
    for day in ("2026-12-26", "2026-12-27", "2026-12-30", "2026-12-31"):
        assert cycle(session, day)["reminded"] == 0
    assert mails_to(outbox, admin.email) == []
    assert cycle(session, "2027-01-01")["grace"] == 1  # the grace notice still says the fee is due


def test_a_member_approved_a_month_before_its_term_ends_is_reminded(session, at, outbox):
    at("2026-11-20 10:00")
    _, admin = make_member(session, term_end=TERM_END)
    session.commit()
    assert cycle(session, "2026-12-19")["reminded"] == 0  # 29 days after approval: still quiet
    assert cycle(session, "2026-12-24")["reminded"] == 1  # 34 days: the 7-day reminder, and only it
    [mail] = mails_to(outbox, admin.email)
    assert "还有 7 天" in mail


def test_member_who_paid_next_year_is_renewed_without_reminders(session, member, staff, outbox, at):
    enterprise_id, admin_id, email = member.enterprise_id, member.admin_id, member.email
    at("2026-11-20 10:00")
    membership_id = _membership_id(session, enterprise_id)
    memberships.record_payment(session, staff, membership_id, 2027, 500000, dt.date(2026, 11, 18))
    session.commit()
    assert state_of(enterprise_id) == ("active", dt.date(2026, 1, 1), TERM_END)  # not before 2027

    for day in ("2026-12-01", "2026-12-24", "2026-12-31"):
        assert cycle(session, day)["reminded"] == 0
    counts = cycle(session, "2027-01-01")
    assert counts == {"renewed": 1, "reminded": 0, "grace": 0, "lapsed": 0}
    assert state_of(enterprise_id) == ("active", dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    assert mails_to(outbox, email) == []
    assert titles_for(admin_id) == []

    # The renewed term is reminded in its own turn.
    assert cycle(session, "2027-12-01")["reminded"] == 1
    assert "会员资格将于2027-12-31到期" in mails_to(outbox, email)[0]


def _membership_id(session, enterprise_id: int) -> int:
    return session.scalar(select(Membership.id).where(Membership.enterprise_id == enterprise_id))


def test_paying_the_current_year_restores_a_lapsed_member(session, member, staff, at):
    enterprise_id = member.enterprise_id
    for day in ("2027-01-01", "2027-03-10"):
        cycle(session, day)
    assert state_of(enterprise_id)[0] == "lapsed"

    at("2027-03-15 10:00")
    membership_id = _membership_id(session, enterprise_id)
    memberships.record_payment(session, staff, membership_id, 2027, 500000, dt.date(2027, 3, 15))
    session.commit()
    assert state_of(enterprise_id) == ("active", dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    assert cycle(session, "2027-03-16") == {"renewed": 0, "reminded": 0, "grace": 0, "lapsed": 0}
    assert state_of(enterprise_id)[0] == "active"


def test_paying_in_grace_restores_the_member(session, member, staff, at):
    enterprise_id = member.enterprise_id
    cycle(session, "2027-01-05")
    assert state_of(enterprise_id)[0] == "grace"
    at("2027-01-20 10:00")
    memberships.record_payment(session, staff, _membership_id(session, enterprise_id), 2027, 1, dt.date(2027, 1, 20))
    session.commit()
    assert state_of(enterprise_id) == ("active", dt.date(2027, 1, 1), dt.date(2027, 12, 31))


def test_paying_a_past_year_does_not_restore_a_lapsed_member(session, member, staff, at):
    enterprise_id = member.enterprise_id
    cycle(session, "2027-03-10")
    at("2027-03-15 10:00")
    memberships.record_payment(
        session, staff, _membership_id(session, enterprise_id), 2026, 500000, dt.date(2027, 3, 1)
    )
    session.commit()
    assert state_of(enterprise_id)[0] == "lapsed"


def test_suspended_members_are_left_alone(session, member, staff, outbox):
    enterprise_id, email = member.enterprise_id, member.email
    memberships.suspend(session, staff, _membership_id(session, enterprise_id), "未按时提交年度报告")
    session.commit()
    for day in ("2026-12-01", "2026-12-24", "2027-01-01", "2027-04-01"):
        cycle(session, day)
    assert state_of(enterprise_id)[0] == "suspended"
    assert mails_to(outbox, email) == []


# --- through the job runner ---------------------------------------------------------------------


def run_job(at, when: str) -> dict:
    now = at(when)
    return jobs.run_due(now=now, only=["members.cycle"])


def test_the_job_runner_drives_the_cycle_by_local_date(app, session, member, outbox, at):
    enterprise_id, admin_id, email = member.enterprise_id, member.admin_id, member.email
    session.close()

    assert run_job(at, "2026-11-30 23:00") == {"members.cycle": "ok"}
    assert mails_to(outbox, email) == []
    # 00:30 on 1 December in Shandong is still 30 November in UTC: the local date counts.
    assert run_job(at, "2026-12-01 00:30") == {"members.cycle": "ok"}
    assert len(mails_to(outbox, email)) == 1
    assert run_job(at, "2026-12-01 09:00") == {"members.cycle": "ok"}  # runs again: no second reminder
    assert run_job(at, "2026-12-01 09:10") == {}  # not due yet (hourly)
    assert len(mails_to(outbox, email)) == 1

    run_job(at, "2026-12-24 08:00")
    assert len(mails_to(outbox, email)) == 2
    run_job(at, "2026-12-31 23:30")
    assert state_of(enterprise_id)[0] == "active"
    run_job(at, "2027-01-01 00:30")
    assert state_of(enterprise_id)[0] == "grace"
    run_job(at, "2027-03-01 12:00")
    assert state_of(enterprise_id)[0] == "grace"
    run_job(at, "2027-03-02 00:30")
    assert state_of(enterprise_id)[0] == "lapsed"
    run_job(at, "2027-03-05 12:00")
    assert [m.split("\n")[0] for m in mails_to(outbox, email)] == [
        "会员资格将于2026-12-31到期，请及时续费",
        "会员资格将于2026-12-31到期，请及时续费",
        "会员资格已到期，进入宽限期",
        "会员资格已失效",
    ]
    assert titles_for(admin_id)[-1] == "会员资格已失效"


def test_the_job_follows_the_configured_grace_period(app, session, member, at):
    enterprise_id = member.enterprise_id
    session.close()
    app.config["MEMBERSHIP_GRACE_DAYS"] = 10
    run_job(at, "2027-01-02 09:00")
    assert state_of(enterprise_id)[0] == "grace"
    run_job(at, "2027-01-10 09:00")
    assert state_of(enterprise_id)[0] == "grace"
    run_job(at, "2027-01-11 09:00")
    assert state_of(enterprise_id)[0] == "lapsed"


def test_the_job_renews_a_paid_member(app, session, member, outbox, at):
    enterprise_id, email = member.enterprise_id, member.email
    at("2026-11-20 10:00")
    staff = make_user(session, "staff")
    memberships.record_payment(
        session, staff, _membership_id(session, enterprise_id), 2027, 800000, dt.date(2026, 11, 20)
    )
    session.commit()
    session.close()
    run_job(at, "2026-12-01 09:00")
    run_job(at, "2026-12-24 09:00")
    run_job(at, "2027-01-01 00:30")
    assert state_of(enterprise_id) == ("active", dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    assert mails_to(outbox, email) == []
