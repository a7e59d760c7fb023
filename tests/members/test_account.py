"""The member area: whitelist requests, inviting colleagues, managing them, the membership certificate."""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
import time

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.core.uow import run_in_transaction
from portal.db import get_db
from portal.documents.models import IssuedDocument
from portal.errors import Conflict, DomainError, Forbidden
from portal.members import enterprises, memberships
from portal.members.models import Enterprise, Invitation, MembershipCertificate, WhitelistRequest
from portal.notify.models import Notification
from tests.factories import PASSWORD, make_application, make_member, make_user, pdf_bytes, uploaded_files
from tests.members.helpers import Page, count, flashes, image_bytes, text_of

pytestmark = pytest.mark.db


@pytest.fixture
def member_options():
    return {"name": "烟台蓝海动力电池回收有限公司"}


def read(fn):
    with get_db().session(write=False) as s:
        return fn(s)


# --- whitelist ---------------------------------------------------------------------------------------


def ask_whitelist(client, evidence=None, **changes):
    data = {
        "batch": "4",
        "activity": "梯次利用",
        "note": "见工信部2022年第4批公告",
        "evidence": evidence or (io.BytesIO(image_bytes("PNG")), "公告截图.png"),
        **changes,
    }
    return client.post("/account/whitelist", data=data, content_type="multipart/form-data")


def test_whitelist_request_with_evidence_and_staff_approval(app, client, login, staff, member):
    enterprise_id, admin_id, email, name = member.enterprise_id, member.admin_id, member.email, member.name
    login(email)
    assert client.get("/account/whitelist").status_code == 200
    response = ask_whitelist(client)
    assert response.status_code == 302
    row = read(lambda s: s.scalar(select(WhitelistRequest)))
    assert (row.enterprise_id, row.batch, row.activity, row.state) == (enterprise_id, 4, "cascade_use", "pending")
    assert row.evidence_name == "公告截图.png"
    assert row.evidence_mime == "image/png"
    assert [p.name for p in uploaded_files()] == [row.evidence_file]
    assert read(lambda s: s.scalars(select(Notification.title).where(Notification.user_id == staff.id)).all()) == [
        "白名单信息核实申请"
    ]

    client.post("/logout")
    login(staff.email)
    listing = text_of(client.get("/staff/whitelist"))
    assert name in listing
    assert "第4批（梯次利用）" in listing
    evidence = client.get(f"/staff/whitelist/{row.id}/evidence")
    assert evidence.status_code == 200
    assert evidence.data.startswith(b"\x89PNG")
    assert client.post(f"/staff/whitelist/{row.id}/approve").status_code == 302

    enterprise = read(lambda s: s.get(Enterprise, enterprise_id))
    assert (enterprise.whitelist_batch, enterprise.whitelist_activity) == (4, "cascade_use")
    assert "第4批（梯次利用）" in text_of(client.get(f"/members/{enterprise_id}"))
    titles = read(lambda s: s.scalars(select(Notification.title).where(Notification.user_id == admin_id)).all())
    assert "白名单信息核实：已批准" in titles
    again = client.post(f"/staff/whitelist/{row.id}/reject", data={"reason": "改主意"})
    assert again.status_code == 303
    assert any("该申请已处理" in m for m in flashes(client))


def test_whitelist_rejection_needs_a_reason(app, client, login, staff, member):
    email = member.email
    login(email)
    ask_whitelist(client)
    client.post("/logout")
    login(staff.email)
    request_id = read(lambda s: s.scalar(select(WhitelistRequest.id)))
    assert client.post(f"/staff/whitelist/{request_id}/reject", data={"reason": ""}).status_code == 303
    assert read(lambda s: s.get(WhitelistRequest, request_id).state) == "pending"
    client.post(f"/staff/whitelist/{request_id}/reject", data={"reason": "公告中查无此企业"})
    row = read(lambda s: s.get(WhitelistRequest, request_id))
    assert (row.state, row.reason) == ("rejected", "公告中查无此企业")
    assert "公告中查无此企业" in text_of(client.get("/staff/whitelist"))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"evidence": (b"plain text pretending", "evidence.pdf")}, "evidence", "文件类型不符"),
        ({"evidence": (b"", "")}, "evidence", "请上传文件"),
        ({"batch": "0"}, "batch", "批次应为1至50之间的整数"),
        ({"activity": "拆解"}, "activity", "请选择类别"),
    ],
)
def test_bad_whitelist_requests_store_nothing(app, client, login, member, changes, field, message):
    email = member.email
    login(email)
    data = {"batch": "4", "activity": "recycling", "evidence": (pdf_bytes(), "a.pdf"), **changes}
    content, filename = data["evidence"]
    data["evidence"] = (io.BytesIO(content), filename)
    response = client.post("/account/whitelist", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    page = Page(response.get_data(as_text=True))
    assert any(message in e for e in page.errors.get(field, [])), page.errors
    assert count(WhitelistRequest) == 0
    assert uploaded_files() == []


def test_a_second_pending_request_is_refused_and_its_file_not_kept(app, client, login, member):
    email = member.email
    login(email)
    assert ask_whitelist(client).status_code == 302
    files = uploaded_files()
    response = ask_whitelist(client, batch="5")
    assert response.status_code == 422
    assert "已有一份待处理的申请" in text_of(response)
    assert count(WhitelistRequest) == 1
    assert uploaded_files() == files


def test_an_applicant_cannot_ask_for_a_whitelist_record(app, client, login, session):
    _application, applicant = make_application(session)
    email = applicant.email
    session.commit()
    session.close()
    login(email)
    response = ask_whitelist(client)
    assert response.status_code == 422
    assert "只有会员单位可以申请核实白名单信息。" in text_of(response)
    assert count(WhitelistRequest) == 0
    assert uploaded_files() == []


# --- colleagues ------------------------------------------------------------------------------------


def test_invitation_then_the_colleague_logs_in(app, client, login, member, outbox):
    enterprise_id, email, name = member.enterprise_id, member.email, member.name
    login(email)
    response = client.post("/account/users", data={"email": "Chen.Qi@Example.cn", "role": "member_editor"})
    assert response.status_code == 302
    assert "chen.qi@example.cn" in text_of(client.get("/account/users"))  # pending invitation listed
    [mail] = [m for m in outbox() if m.to_address == "chen.qi@example.cn"]
    assert name in mail.subject
    path = re.search(r"http://portal\.test(/invitation/\S+)", mail.body).group(1)
    client.post("/logout")

    page = client.get(path)
    assert page.status_code == 200
    assert "chen.qi@example.cn" in text_of(page)
    short = client.post(path, data={"name": "陈七", "password": "short", "confirm": "short"})
    assert short.status_code == 422
    assert any("至少需要10个字符" in e for e in Page(short.get_data(as_text=True)).errors["password"])
    accepted = client.post(path, data={"name": "陈七", "password": "Chen-Qi-2026!", "confirm": "Chen-Qi-2026!"})
    assert accepted.status_code == 302
    assert accepted.headers["Location"] == "/account"
    assert name in text_of(client.get("/account"))  # logged in straight away

    client.post("/logout")
    assert client.get(path).status_code == 400  # used once
    assert login("chen.qi@example.cn", "Chen-Qi-2026!").status_code == 302
    user = read(lambda s: s.scalar(select(User).where(User.email == "chen.qi@example.cn")))
    assert (user.role, user.enterprise_id, user.name) == ("member_editor", enterprise_id, "陈七")
    assert user.email_verified_at is not None


def test_invitation_to_an_existing_account_is_refused(app, client, login, member, session):
    email = member.email
    other = make_user(session, "staff", email="taken@example.cn")
    assert other.id
    session.commit()
    session.close()
    login(email)
    response = client.post("/account/users", data={"email": "taken@example.cn", "role": "member_editor"})
    assert response.status_code == 422
    assert any("已有账户" in e for e in Page(response.get_data(as_text=True)).errors["email"])
    assert count(Invitation) == 0


def test_expired_invitation_is_refused(app, client, login, member, at):
    email = member.email
    login(email)
    client.post("/account/users", data={"email": "late@example.cn", "role": "member_admin"})
    token_path = None
    from portal.notify.models import OutboxMail

    body = read(lambda s: s.scalar(select(OutboxMail.body).where(OutboxMail.to_address == "late@example.cn")))
    token_path = re.search(r"(/invitation/\S+)", body).group(1)
    client.post("/logout")
    at("2026-05-25 10:00")  # 15 days later
    response = client.get(token_path)
    assert response.status_code == 400
    assert "已过期" in text_of(response)
    assert count(User, User.email == "late@example.cn") == 0


def test_the_last_admin_cannot_be_removed(app, client, login, member, session):
    enterprise_id, admin_id, email = member.enterprise_id, member.admin_id, member.email
    with get_db().session(write=True) as s:
        enterprise = s.get(Enterprise, enterprise_id)
        admin = s.get(User, admin_id)
        with pytest.raises(Conflict, match="至少需要保留一名管理员"):
            enterprises.manage_colleague(s, admin, admin_id, role="member_editor", active=True)
        with pytest.raises(Conflict):
            enterprises.manage_colleague(s, admin, admin_id, role=None, active=False)
        second = make_user(s, "member_admin", enterprise=enterprise)
        second_id = second.id
        s.commit()

    # Through the web: demoting the other admin works once, then the last one stays.
    login(email)
    assert client.post(f"/account/users/{second_id}", data={"role": "member_editor", "active": "1"}).status_code == 302
    assert read(lambda s: s.get(User, second_id).role) == "member_editor"
    response = client.post(f"/account/users/{admin_id}", data={"role": "member_editor", "active": "1"})
    assert response.status_code == 303
    assert "企业至少需要保留一名管理员。" in flashes(client)
    assert read(lambda s: s.get(User, admin_id).role) == "member_admin"


def test_a_deactivated_admin_can_be_made_an_editor(app, member):
    """Only active admins count: changing an inactive admin does not touch the last active one."""
    enterprise_id, admin_id = member.enterprise_id, member.admin_id
    with get_db().session(write=True) as s:
        enterprise = s.get(Enterprise, enterprise_id)
        old = make_user(s, "member_admin", enterprise=enterprise)
        old.is_active = False
        s.flush()
        admin = s.get(User, admin_id)
        enterprises.manage_colleague(s, admin, old.id, role="member_editor", active=False)
        s.commit()
        assert (old.role, old.is_active) == ("member_editor", False)


def test_deactivating_a_colleague_ends_their_sessions(app, client, login, member, session):
    enterprise_id, email = member.enterprise_id, member.email
    editor = make_user(session, "member_editor", enterprise=session.get(Enterprise, enterprise_id))
    editor_id, editor_email = editor.id, editor.email
    session.commit()
    session.close()
    other_client = app.test_client()
    other_client.post("/login", data={"email": editor_email, "password": PASSWORD})
    assert other_client.get("/account").status_code == 200

    login(email)
    assert client.post(f"/account/users/{editor_id}", data={"role": "member_editor", "active": "0"}).status_code == 302
    assert other_client.get("/account").status_code == 302  # sent to the login page
    assert login(editor_email).status_code != 302


def test_manage_colleague_only_in_ones_own_enterprise(app, member, session):
    admin_id = member.admin_id
    _, stranger = make_member(session)
    stranger_id = stranger.id
    session.commit()
    with get_db().session(write=True) as s:
        admin = s.get(User, admin_id)
        with pytest.raises(DomainError):
            enterprises.manage_colleague(s, admin, stranger_id, role="member_editor", active=True)
    assert read(lambda s: s.get(User, stranger_id).role) == "member_admin"


@pytest.mark.db
def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, member, session):
    """Each sees two admins; without a lock both changes would pass and leave the enterprise with none."""
    enterprise_id, first_id = member.enterprise_id, member.admin_id
    second_id = make_user(session, "member_admin", enterprise=session.get(Enterprise, enterprise_id)).id
    session.commit()
    session.close()

    first_done = threading.Event()
    results: dict[str, str] = {}

    def demote(actor_id: int, target_id: int, key: str, hold: float) -> None:
        def work(s):
            actor = s.get(User, actor_id)
            enterprises.manage_colleague(s, actor, target_id, role="member_editor", active=True)
            if hold:
                first_done.set()
                time.sleep(hold)  # keep the transaction open while the other admin acts

        try:
            with app.app_context():
                run_in_transaction(work, attempts=3)
            results[key] = "ok"
        except DomainError as exc:
            results[key] = type(exc).__name__
        finally:
            first_done.set()

    first = threading.Thread(target=demote, args=(first_id, second_id, "first", 0.5))
    first.start()
    assert first_done.wait(10)
    second = threading.Thread(target=demote, args=(second_id, first_id, "second", 0))
    second.start()
    first.join(30)
    second.join(30)

    # The second admin is refused: by the time its change can go through it is no longer an admin.
    assert results == {"first": "ok", "second": "Forbidden"}
    roles = read(lambda s: {u.id: u.role for u in s.scalars(select(User).where(User.enterprise_id == enterprise_id))})
    assert roles == {first_id: "member_admin", second_id: "member_editor"}


# --- certificate ------------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_certificate_of_an_active_member(app, client, login, member, session, staff):
    email, name, number = member.email, member.name, member.number
    memberships.record_payment(session, staff, member.membership_id, 2026, 500000, dt.date(2026, 5, 1))
    session.commit()
    login(email)
    response = client.get("/account/certificate.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert number in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    assert name in text
    assert number in text
    document = read(lambda s: s.scalar(select(IssuedDocument)))  # the documents register numbers it
    assert document.number in text

    again = pdf_text(client.get("/account/certificate.pdf").data)
    assert document.number in again  # the same certificate on re-download
    assert count(MembershipCertificate) == 1


def test_no_certificate_without_a_valid_membership(app, client, login, member, session, at):
    email = member.email
    _application, applicant = make_application(session)
    applicant_email = applicant.email
    session.commit()
    session.close()

    login(applicant_email)
    response = client.get("/account/certificate.pdf")
    assert response.status_code == 303
    assert "贵单位尚未成为会员，暂无会员证书。" in flashes(client)
    client.post("/logout")

    with get_db().session(write=True) as s:
        memberships.run_membership_cycle(s, dt.date(2027, 6, 1), grace_days=60)
        s.commit()
    login(email)
    response = client.get("/account/certificate.pdf")
    assert response.status_code == 303
    assert any("会员资格当前无效" in m for m in flashes(client))
    assert count(MembershipCertificate) == 0


# --- profile ----------------------------------------------------------------------------------------


def profile_form(**changes) -> dict:
    return {
        "description": "专注退役动力电池梯次利用",
        "website": "www.lanhai-battery.cn",
        "address": "烟台市莱山区港城东大街1号",
        "contact_name": "孙八",
        "contact_phone": "+86 535 6688 9900",
        "contact_email": "sunba@example.cn",
        "bank_name": "中国工商银行烟台分行",
        "bank_account_name": "烟台蓝海动力电池回收有限公司",
        "bank_account_no": "1606 0201 0920 0112 233",
        **changes,
    }


def test_admin_edits_the_profile_and_bank_account(app, client, login, member):
    enterprise_id, email = member.enterprise_id, member.email
    login(email)
    assert client.post("/account/profile", data=profile_form()).status_code == 302
    enterprise = read(lambda s: s.get(Enterprise, enterprise_id))
    assert enterprise.website == "https://www.lanhai-battery.cn"
    assert enterprise.contact_phone == "0535-66889900"
    assert enterprise.bank_account_no == "1606020109200112233"
    assert "专注退役动力电池梯次利用" in text_of(client.get(f"/members/{enterprise_id}"))


def test_bad_profile_input_is_refused_on_its_field(app, client, login, member, subtests):
    enterprise_id, email = member.enterprise_id, member.email
    login(email)
    cases = [
        ({"website": "javascript:alert(1)"}, "website", "网址格式不正确"),
        ({"contact_phone": "5555"}, "contact_phone", "请填写大陆手机号"),
        ({"bank_account_no": "12AB"}, "bank_account_no", "银行账号应为8至30位数字"),
        ({"address": "烟台"}, "address", "请填写详细地址"),
    ]
    for changes, field, message in cases:
        with subtests.test(msg=field):
            response = client.post("/account/profile", data=profile_form(**changes))
            assert response.status_code == 422
            page = Page(response.get_data(as_text=True))
            assert any(message in e for e in page.errors.get(field, [])), page.errors
    assert read(lambda s: s.get(Enterprise, enterprise_id).description) == ""


def test_editor_cannot_set_the_bank_account_through_the_service(app, member):
    enterprise_id = member.enterprise_id
    with get_db().session(write=True) as s:
        editor = make_user(s, "member_editor", enterprise=s.get(Enterprise, enterprise_id))
        data = enterprises.ProfileData(
            description="",
            website="",
            address="烟台市莱山区港城东大街1号",
            contact_name="孙八",
            contact_phone="13800138000",
            contact_email="sunba@example.cn",
            bank_account_no="6222020200112233445",
        )
        with pytest.raises(Forbidden, match="只有企业管理员"):
            enterprises.update_profile(s, editor, enterprise_id, data)
