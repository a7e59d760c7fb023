"""Reviewing applications: approve with a yearly sequential number, reject with a reason, ask for more."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.core import clock
from portal.errors import Conflict, DomainError, Forbidden
from portal.members import applications
from portal.members.models import Membership, MembershipApplication, MembershipCounter
from portal.notify.models import Notification
from tests.factories import PASSWORD, make_application, make_user, pdf_bytes
from tests.members.helpers import count, flashes, text_of

pytestmark = pytest.mark.db


def test_approval_numbers_are_sequential_per_year(session, staff, at, outbox):
    at("2026-03-02 10:00")
    first, first_user = make_application(session)
    second, _ = make_application(session)
    third, _ = make_application(session)
    m1 = applications.approve_application(session, staff, first.id)
    m2 = applications.approve_application(session, staff, second.id)
    session.commit()
    assert (m1.number, m2.number) == ("SDBRA-2026-0001", "SDBRA-2026-0002")

    assert m1.state == "active"
    assert m1.tier == "member"
    assert (m1.term_start, m1.term_end) == (dt.date(2026, 3, 2), dt.date(2026, 12, 31))
    assert first.state == "approved"
    assert first.decided_by_id == staff.id
    assert first.enterprise.status == "member"
    titles = session.scalars(select(Notification.title).where(Notification.user_id == first_user.id)).all()
    assert titles == ["入会申请已通过，会员编号 SDBRA-2026-0001"]
    mail = next(m for m in outbox() if m.to_address == first_user.email)
    assert "SDBRA-2026-0001" in mail.body

    at("2027-01-04 09:00")
    m3 = applications.approve_application(session, staff, third.id, tier="council")
    session.commit()
    assert m3.number == "SDBRA-2027-0001"  # a new year starts again at 0001
    assert m3.tier == "council"
    assert (m3.term_start, m3.term_end) == (dt.date(2027, 1, 4), dt.date(2027, 12, 31))


def test_unverified_applicant_cannot_be_approved(session, staff, at):
    at("2026-05-01 10:00")
    application, applicant = make_application(session, verified=False)
    session.commit()
    with pytest.raises(Conflict, match="尚未验证电子邮箱"):
        applications.approve_application(session, staff, application.id)
    session.rollback()
    assert application.state == "submitted"
    assert count(Membership) == 0

    applicant.email_verified_at = dt.datetime(2026, 5, 1, 3, tzinfo=dt.UTC)
    membership = applications.approve_application(session, staff, application.id)
    session.commit()
    assert membership.number == "SDBRA-2026-0001"  # the refused attempt used no number


def test_only_staff_may_decide(session):
    application, applicant = make_application(session)
    for role in ("observer", "reviewer"):
        actor = make_user(session, role)
        with pytest.raises(Forbidden):
            applications.approve_application(session, actor, application.id)
        with pytest.raises(Forbidden):
            applications.reject_application(session, actor, application.id, "不符合条件")
    with pytest.raises(Forbidden):
        applications.approve_application(session, applicant, application.id)
    assert application.state == "submitted"


def test_unknown_tier_is_refused(session, staff):
    application, _ = make_application(session)
    with pytest.raises(DomainError) as info:
        applications.approve_application(session, staff, application.id, tier="emperor")
    assert "tier" in info.value.fields
    assert application.state == "submitted"


def test_reject_needs_a_reason(session, staff):
    application, _ = make_application(session)
    with pytest.raises(DomainError) as info:
        applications.reject_application(session, staff, application.id, "   ")
    assert info.value.fields == {"reason": "请填写理由。"}
    assert application.state == "submitted"


def test_decided_applications_cannot_be_decided_again(session, staff):
    approved, _ = make_application(session)
    rejected, _ = make_application(session)
    applications.approve_application(session, staff, approved.id)
    applications.reject_application(session, staff, rejected.id, "营业执照已过期")
    session.commit()
    for application in (approved, rejected):
        with pytest.raises(Conflict, match="已处理完毕"):
            applications.approve_application(session, staff, application.id)
        with pytest.raises(Conflict):
            applications.reject_application(session, staff, application.id, "再次处理")
        with pytest.raises(Conflict):
            applications.request_information(session, staff, application.id, "请补充")
    session.rollback()
    assert (approved.state, rejected.state) == ("approved", "rejected")
    assert rejected.reason == "营业执照已过期"
    assert count(Membership) == 1
    assert session.get(MembershipCounter, clock.today().year).last_value == 1


# --- through the web ------------------------------------------------------------------------------


def decide(client, application_id, **data):
    return client.post(f"/staff/applications/{application_id}/decide", data=data)


def test_staff_approve_through_the_web(app, client, session, staff, login, at):
    at("2026-06-10 10:00")
    application, _ = make_application(session)
    other, _ = make_application(session)
    name, ids = application.enterprise.name, (application.enterprise_id, other.enterprise_id)
    session.commit()
    login(staff.email)
    page = client.get(f"/staff/applications/{application.id}")
    assert page.status_code == 200
    assert name in text_of(page)

    response = decide(client, application.id, action="approve", tier="")
    assert response.status_code == 302
    assert "已批准，会员编号 SDBRA-2026-0001。" in flashes(client)
    decide(client, other.id, action="approve", tier="vice_president")
    numbers = {e: (n, t) for e, n, t in _memberships()}
    assert numbers == {ids[0]: ("SDBRA-2026-0001", "member"), ids[1]: ("SDBRA-2026-0002", "vice_president")}

    # A second decision on the same application is refused and changes nothing.
    response = decide(client, application.id, action="reject", reason="重复处理")
    assert response.status_code == 303
    assert any("已处理完毕" in message for message in flashes(client))
    assert count(MembershipApplication, MembershipApplication.state == "approved") == 2


def _memberships():
    from portal.db import get_db

    with get_db().session(write=False) as s:
        return s.execute(select(Membership.enterprise_id, Membership.number, Membership.tier)).all()


def test_web_approval_of_unverified_applicant_is_refused(app, client, session, staff, login):
    application, _ = make_application(session, verified=False)
    session.commit()
    login(staff.email)
    response = decide(client, application.id, action="approve")
    assert response.status_code == 303
    assert "申请人尚未验证电子邮箱，暂不能批准。" in flashes(client)
    assert count(Membership) == 0
    assert count(MembershipApplication, MembershipApplication.state == "submitted") == 1


def test_rejection_reason_is_shown_to_the_applicant(app, client, session, staff, login, outbox):
    application, applicant = make_application(session)
    session.commit()
    login(staff.email)
    response = decide(client, application.id, action="reject", reason="")
    assert response.status_code == 303
    assert count(MembershipApplication, MembershipApplication.state == "rejected") == 0

    decide(client, application.id, action="reject", reason="主营业务与动力电池回收利用无关。")
    assert count(MembershipApplication, MembershipApplication.state == "rejected") == 1
    mail = outbox()[-1]
    assert mail.to_address == applicant.email
    assert "主营业务与动力电池回收利用无关。" in mail.body

    client.post("/logout")
    login(applicant.email, PASSWORD)
    text = text_of(client.get("/account"))
    assert "未通过" in text
    assert "主营业务与动力电池回收利用无关。" in text


def test_request_information_then_resubmit(app, client, session, staff, login, outbox):
    application, applicant = make_application(session)
    name = application.enterprise.name
    session.commit()
    login(staff.email)
    decide(client, application.id, action="request_info", reason="请上传加盖公章的营业执照副本。")
    assert count(MembershipApplication, MembershipApplication.state == "info_requested") == 1
    assert "请上传加盖公章的营业执照副本。" in outbox()[-1].body
    client.post("/logout")

    login(applicant.email, PASSWORD)
    text = text_of(client.get("/account"))
    assert "需补充材料" in text
    assert "请上传加盖公章的营业执照副本。" in text
    response = client.post(
        "/account/resubmit",
        data={"note": "已上传盖章副本", "licence": (io.BytesIO(pdf_bytes()), "盖章副本.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    from portal.db import get_db

    with get_db().session(write=False) as s:
        row = s.get(MembershipApplication, application.id)
        assert row.state == "submitted"
        assert row.licence_name == "盖章副本.pdf"
        assert "已上传盖章副本" in row.reason
        staff_titles = s.scalars(select(Notification.title).where(Notification.user_id == staff.id)).all()
    assert f"申请已补充材料：{name}" in staff_titles

    # Nothing more to answer now.
    again = client.post("/account/resubmit", data={"note": "再补充"})
    assert again.status_code == 303
    assert "当前没有需要补充材料的申请。" in flashes(client)
    client.post("/logout")

    login(staff.email)
    decide(client, application.id, action="approve")
    assert count(Membership) == 1


def test_resubmit_needs_a_note_or_a_file(session, staff):
    application, applicant = make_application(session)
    applications.request_information(session, staff, application.id, "请补充")
    with pytest.raises(DomainError) as info:
        applications.resubmit_application(session, applicant, "  ", None)
    assert "note" in info.value.fields
    assert application.state == "info_requested"


def test_request_information_needs_a_message(session, staff):
    application, _ = make_application(session)
    with pytest.raises(DomainError) as info:
        applications.request_information(session, staff, application.id, "")
    assert "reason" in info.value.fields
    assert application.state == "submitted"


def test_a_refused_resubmission_keeps_no_file(app, client, session, login):
    _application, applicant = make_application(session)  # submitted: nothing is asked for
    email = applicant.email
    session.commit()
    session.close()
    login(email, PASSWORD)
    response = client.post(
        "/account/resubmit",
        data={"note": "主动补充", "licence": (io.BytesIO(pdf_bytes()), "补充.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert "当前没有需要补充材料的申请。" in flashes(client)
    uploads = Path(app.config["PORTAL_DATA_DIR"]) / "uploads"
    assert not uploads.exists() or list(uploads.iterdir()) == []


def test_the_year_of_a_number_is_the_local_year(session, staff, at):
    """Half past midnight on 1 January in Shandong is still 31 December in UTC."""
    application, _ = make_application(session)
    at("2027-01-01 00:30")
    membership = applications.approve_application(session, staff, application.id)
    assert membership.number == "SDBRA-2027-0001"
    assert (membership.term_start, membership.term_end) == (dt.date(2027, 1, 1), dt.date(2027, 12, 31))
