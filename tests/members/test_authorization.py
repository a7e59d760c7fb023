"""Who may do what, tested from the refused side through HTTP (and the positive side, so refusals mean something)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.core.files import uploads_dir
from portal.db import get_db
from portal.errors import Forbidden
from portal.members import enterprises
from portal.members.models import (
    Enterprise,
    FeePayment,
    Membership,
    MembershipApplication,
    ReviewAssignment,
    TierFee,
    WhitelistRequest,
)
from tests.factories import make_application, make_member, make_user, pdf_bytes
from tests.members.helpers import count, text_of

pytestmark = pytest.mark.db


@dataclass
class World:
    staff: str
    observer: str
    reviewer: str
    reviewer_id: int
    admin: str
    admin_id: int
    editor: str
    editor_id: int
    other_admin: str
    enterprise_id: int
    other_enterprise_id: int
    membership_id: int
    assigned_id: int
    assigned_name: str
    unassigned_id: int
    unassigned_name: str
    whitelist_request_id: int


def _licence(application) -> None:
    name = f"licence{application.id}.pdf"
    (uploads_dir() / name).write_bytes(pdf_bytes())
    application.licence_file = name


@pytest.fixture
def world(app, session, at) -> World:
    at("2026-05-10 10:00")
    staff = make_user(session, "staff")
    observer = make_user(session, "observer")
    reviewer = make_user(session, "reviewer")
    enterprise, admin = make_member(session, name="青岛海湾新能源科技有限公司")
    editor = make_user(session, "member_editor", enterprise=enterprise)
    other, other_admin = make_member(session, name="潍坊恒信电池材料有限公司")
    assigned, _ = make_application(session)
    unassigned, _ = make_application(session)
    _licence(assigned)
    _licence(unassigned)
    session.add(ReviewAssignment(application_id=assigned.id, reviewer_id=reviewer.id))
    request_row = WhitelistRequest(
        enterprise_id=enterprise.id,
        batch=3,
        activity="recycling",
        evidence_file="evidence.pdf",
        evidence_name="公告截图.pdf",
        evidence_mime="application/pdf",
        requested_by_id=admin.id,
    )
    session.add(request_row)
    session.flush()
    result = World(
        staff=staff.email,
        observer=observer.email,
        reviewer=reviewer.email,
        reviewer_id=reviewer.id,
        admin=admin.email,
        admin_id=admin.id,
        editor=editor.email,
        editor_id=editor.id,
        other_admin=other_admin.email,
        enterprise_id=enterprise.id,
        other_enterprise_id=other.id,
        membership_id=enterprise.membership.id,
        assigned_id=assigned.id,
        assigned_name=assigned.enterprise.name,
        unassigned_id=unassigned.id,
        unassigned_name=unassigned.enterprise.name,
        whitelist_request_id=request_row.id,
    )
    session.commit()
    session.close()
    return result


def read(fn):
    with get_db().session(write=False) as s:
        return fn(s)


def snapshot() -> dict:
    """Everything the staff actions below could change."""

    def take(s):
        return {
            "applications": sorted(s.execute(select(MembershipApplication.id, MembershipApplication.state)).all()),
            "memberships": sorted(s.execute(select(Membership.id, Membership.state, Membership.number)).all()),
            "assignments": sorted(
                s.execute(select(ReviewAssignment.application_id, ReviewAssignment.reviewer_id)).all()
            ),
            "payments": s.scalars(select(FeePayment.id)).all(),
            "fees": s.execute(select(TierFee.tier, TierFee.annual_fee_fen)).all(),
            "whitelist": s.execute(select(Enterprise.id, Enterprise.whitelist_batch)).all(),
            "requests": s.execute(select(WhitelistRequest.id, WhitelistRequest.state)).all(),
            "users": sorted(s.execute(select(User.id, User.role, User.is_active)).all()),
        }

    return read(take)


# --- members --------------------------------------------------------------------------------------


def test_member_cannot_edit_another_enterprise_through_the_service(app, world):
    data = enterprises.ProfileData(
        description="冒名修改",
        website="",
        address="潍坊市奎文区胜利东街1号",
        contact_name="王五",
        contact_phone="13800138000",
        contact_email="x@example.cn",
    )
    with get_db().session(write=True) as s:
        admin = s.get(User, world.admin_id)
        with pytest.raises(Forbidden, match="只能管理本企业"):
            enterprises.update_profile(s, admin, world.other_enterprise_id, data)
        enterprises.update_profile(s, admin, world.enterprise_id, data)  # its own: allowed
        s.commit()
    assert read(lambda s: s.get(Enterprise, world.other_enterprise_id).description) == ""
    assert read(lambda s: s.get(Enterprise, world.enterprise_id).description) == "冒名修改"


def test_no_member_url_takes_an_enterprise_id(app):
    """The member area always works on the logged-in user's own enterprise."""
    member_rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("account.")]
    assert member_rules
    for rule in member_rules:
        assert not (rule.arguments & {"enterprise_id", "id", "membership_id"}), rule.rule


def test_member_profile_form_ignores_a_smuggled_enterprise_id(app, client, login, world):
    login(world.admin)
    response = client.post(
        f"/account/profile?enterprise_id={world.other_enterprise_id}",
        data={
            "enterprise_id": world.other_enterprise_id,
            "description": "自己的简介",
            "address": "青岛市黄岛区长江西路66号",
            "contact_name": "赵六",
            "contact_phone": "0532-86905566",
            "contact_email": "zhaoliu@example.cn",
        },
    )
    assert response.status_code == 302
    assert read(lambda s: s.get(Enterprise, world.enterprise_id).description) == "自己的简介"
    assert read(lambda s: s.get(Enterprise, world.other_enterprise_id).description) == ""


def test_member_cannot_decide_applications(app, client, login, world):
    before = snapshot()
    login(world.admin)
    for action in ("approve", "reject", "request_info"):
        response = client.post(
            f"/staff/applications/{world.unassigned_id}/decide", data={"action": action, "reason": "x"}
        )
        assert response.status_code == 403
    assert client.post(f"/staff/applications/{world.unassigned_id}/assign", data={}).status_code == 403
    assert snapshot() == before


def test_non_staff_cannot_open_the_review_queue(app, client, login, world):
    for email in (world.admin, world.editor):
        login(email)
        assert client.get("/staff/applications").status_code == 403
        assert client.get(f"/staff/applications/{world.assigned_id}").status_code == 403
        assert client.get(f"/staff/applications/{world.assigned_id}/licence").status_code == 403
        assert client.get("/staff").status_code == 403
        assert client.get("/staff/memberships").status_code == 403
        client.post("/logout")


def test_anonymous_visitors_are_sent_to_login(app, client, subtests):
    for path in (
        "/staff/applications",
        "/staff",
        "/staff/memberships",
        "/account",
        "/account/users",
        "/account/profile",
    ):
        with subtests.test(msg=path):
            response = client.get(path)
            assert response.status_code == 302
            location = urlsplit(response.headers["Location"])
            assert location.path == "/login"
            assert parse_qs(location.query) == {"next": [path]}


def test_anonymous_post_to_a_staff_action_changes_nothing(app, client, world):
    before = snapshot()
    response = client.post(f"/staff/applications/{world.unassigned_id}/decide", data={"action": "approve"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert snapshot() == before


# --- enterprise editors ------------------------------------------------------------------------


def test_editor_cannot_manage_users_or_download_the_certificate(app, client, login, world):
    before = snapshot()
    login(world.editor)
    assert client.get("/account").status_code == 200
    assert client.get("/account/users").status_code == 403
    assert client.post("/account/users", data={"email": "new@example.cn", "role": "member_admin"}).status_code == 403
    response = client.post(f"/account/users/{world.admin_id}", data={"role": "member_editor", "active": "0"})
    assert response.status_code == 403
    response = client.post(f"/account/users/{world.editor_id}", data={"role": "member_admin", "active": "1"})
    assert response.status_code == 403  # nor promote themselves
    assert client.get("/account/certificate.pdf").status_code == 403
    assert client.get("/account/whitelist").status_code == 403
    assert snapshot() == before
    from portal.members.models import Invitation

    assert count(Invitation) == 0


def test_editor_may_edit_the_profile_but_not_the_bank_account(app, client, login, world):
    login(world.editor)
    response = client.post(
        "/account/profile",
        data={
            "description": "编辑写的简介",
            "address": "青岛市黄岛区长江西路66号",
            "contact_name": "赵六",
            "contact_phone": "0532-86905566",
            "contact_email": "zhaoliu@example.cn",
            "bank_account_no": "6222020200112233445",
        },
    )
    assert response.status_code == 302
    enterprise = read(lambda s: s.get(Enterprise, world.enterprise_id))
    assert enterprise.description == "编辑写的简介"
    assert enterprise.bank_account_no == ""


def test_admin_may_manage_users(app, client, login, world):
    login(world.admin)
    assert client.get("/account/users").status_code == 200
    response = client.post("/account/users", data={"email": "new@example.cn", "role": "member_editor"})
    assert response.status_code == 302
    response = client.post(f"/account/users/{world.editor_id}", data={"role": "member_admin", "active": "1"})
    assert response.status_code == 302
    assert read(lambda s: s.get(User, world.editor_id).role) == "member_admin"


# --- reviewers ----------------------------------------------------------------------------------


def test_reviewer_sees_only_assigned_applications(app, client, login, world):
    login(world.reviewer)
    listing = text_of(client.get("/staff/applications"))
    assert world.assigned_name in listing
    assert world.unassigned_name not in listing

    assert client.get(f"/staff/applications/{world.assigned_id}").status_code == 200
    licence = client.get(f"/staff/applications/{world.assigned_id}/licence")
    assert licence.status_code == 200
    assert licence.data.startswith(b"%PDF-")

    assert client.get(f"/staff/applications/{world.unassigned_id}").status_code == 403
    assert client.get(f"/staff/applications/{world.unassigned_id}/licence").status_code == 403


def test_reviewer_gives_an_opinion_but_cannot_decide(app, client, login, world):
    before = snapshot()
    login(world.reviewer)
    for application_id in (world.assigned_id, world.unassigned_id):
        response = client.post(f"/staff/applications/{application_id}/decide", data={"action": "approve"})
        assert response.status_code == 403
    assert (
        client.post(f"/staff/applications/{world.unassigned_id}/opinion", data={"opinion": "approve"}).status_code
        == 403
    )
    assert snapshot() == before

    response = client.post(
        f"/staff/applications/{world.assigned_id}/opinion", data={"opinion": "approve", "comment": "材料齐全"}
    )
    assert response.status_code == 302
    opinion = read(lambda s: s.get(ReviewAssignment, (world.assigned_id, world.reviewer_id)))
    assert (opinion.opinion, opinion.comment) == ("approve", "材料齐全")
    assert read(lambda s: s.get(MembershipApplication, world.assigned_id).state) == "submitted"


def test_reviewer_cannot_use_the_staff_pages(app, client, login, world):
    login(world.reviewer)
    for path in ("/staff", "/staff/memberships", f"/staff/memberships/{world.membership_id}", "/staff/whitelist"):
        assert client.get(path).status_code == 403, path


# --- observers and staff: every staff action ------------------------------------------------------


def staff_actions(w: World) -> list[tuple[str, str, dict]]:
    """(name, path, form) of every state-changing staff action."""
    return [
        ("approve", f"/staff/applications/{w.unassigned_id}/decide", {"action": "approve"}),
        ("reject", f"/staff/applications/{w.assigned_id}/decide", {"action": "reject", "reason": "材料不全"}),
        ("assign", f"/staff/applications/{w.unassigned_id}/assign", {"reviewer_id": str(w.reviewer_id)}),
        (
            "payment",
            f"/staff/memberships/{w.membership_id}/payment",
            {"term_year": "2026", "amount": "5000", "paid_on": "2026-05-01"},
        ),
        ("suspend", f"/staff/memberships/{w.membership_id}/suspend", {"reason": "违反章程"}),
        ("whitelist", f"/staff/memberships/{w.membership_id}/whitelist", {"batch": "2", "activity": "recycling"}),
        ("fees", "/staff/fees", {"tier": "member", "fee": "5000"}),
        ("whitelist-decide", f"/staff/whitelist/{w.whitelist_request_id}/approve", {}),
    ]


READ_PAGES = ["/staff", "/staff/applications", "/staff/memberships", "/staff/fees", "/staff/whitelist"]


def test_observer_reads_staff_pages(app, client, login, world):
    login(world.observer)
    for path in [
        *READ_PAGES,
        f"/staff/applications/{world.unassigned_id}",
        f"/staff/memberships/{world.membership_id}",
    ]:
        assert client.get(path).status_code == 200, path
    assert world.unassigned_name in text_of(client.get("/staff/applications"))


def test_observer_cannot_post_any_staff_action(app, client, login, world):
    before = snapshot()
    login(world.observer)
    for name, path, data in staff_actions(world):
        assert client.post(path, data=data).status_code == 403, name
    assert client.post(f"/staff/memberships/{world.membership_id}/reinstate").status_code == 403
    assert client.post(f"/staff/whitelist/{world.whitelist_request_id}/reject", data={"reason": "x"}).status_code == 403
    assert snapshot() == before


def test_staff_can_do_every_staff_action(app, client, login, world):
    login(world.staff)
    for name, path, data in staff_actions(world):
        response = client.post(path, data=data)
        assert response.status_code == 302, (name, response.status_code)
    after = read(
        lambda s: {
            "unassigned": s.get(MembershipApplication, world.unassigned_id).state,
            "assigned": s.get(MembershipApplication, world.assigned_id).state,
            "assignments": s.scalars(select(ReviewAssignment.application_id)).all(),
            "payments": s.scalars(select(FeePayment.amount_fen)).all(),
            "state": s.get(Membership, world.membership_id).state,
            "whitelist": s.get(Enterprise, world.enterprise_id).whitelist_batch,
            "fee": s.get(TierFee, "member").annual_fee_fen,
            "request": s.get(WhitelistRequest, world.whitelist_request_id).state,
        }
    )
    assert after == {
        "unassigned": "approved",
        "assigned": "rejected",
        "assignments": [world.assigned_id, world.unassigned_id],
        "payments": [500000],
        "state": "suspended",
        "whitelist": 3,  # set to 2, then the approved request (batch 3) recorded
        "fee": 500000,
        "request": "approved",
    }
    assert client.post(f"/staff/memberships/{world.membership_id}/reinstate").status_code == 302
    assert read(lambda s: s.get(Membership, world.membership_id).state) == "active"


def test_audit_log_and_internal_users_are_for_admins_only(app, client, login, session, world):
    admin = make_user(session, "admin")
    session.commit()
    email = admin.email
    session.close()
    for who in (world.staff, world.observer):
        login(who)
        assert client.get("/staff/audit").status_code == 403
        assert client.get("/staff/users").status_code == 403
        client.post("/logout")
    login(email)
    assert client.get("/staff/audit").status_code == 200
    assert client.get("/staff/users").status_code == 200


def test_paid_on_in_the_future_is_refused(app, client, login, world):
    login(world.staff)
    tomorrow = (dt.date(2026, 5, 11)).isoformat()
    response = client.post(
        f"/staff/memberships/{world.membership_id}/payment",
        data={"term_year": "2026", "amount": "5000", "paid_on": tomorrow},
    )
    assert response.status_code == 303
    assert count(FeePayment) == 0
