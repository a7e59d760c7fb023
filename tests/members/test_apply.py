"""Applying to join through the web form /join: what is stored, and how every bad input is refused."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from portal.auth.models import AuthToken, User
from portal.members.models import Enterprise, MembershipApplication
from portal.notify.models import Notification, OutboxMail
from tests.factories import credit_code, make_enterprise, make_user, pdf_bytes, uploaded_files
from tests.members.helpers import Page, count, image_bytes, text_of

pytestmark = pytest.mark.db

CODE = "91370303MAKEJDBW7N"
PASSWORD = "Recycle-2026-ok"


def form(**changes) -> dict:
    """A complete, valid application; changes override fields (None removes one)."""
    data = {
        "name": "淄博绿能再生资源有限公司",
        "credit_code": CODE,
        "activities": ["recycling", "cascade_use"],
        "city": "370300",
        "address": "淄博市张店区新村西路99号",
        "legal_representative": "王五",
        "contact_name": "李四",
        "contact_title": "综合部经理",
        "contact_phone": "0533-2317788",
        "contact_email": "lisi@example.cn",
        "requested_tier": "member",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "privacy": "y",
        "licence": (pdf_bytes(), "营业执照.pdf"),
    }
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    if "licence" in data:  # a fresh stream for every request
        content, filename = data["licence"]
        data["licence"] = (io.BytesIO(content), filename)
    return data


def post(client, data):
    return client.post("/join", data=data, content_type="multipart/form-data")


def written(app) -> dict:
    return {
        "enterprises": count(Enterprise),
        "users": count(User),
        "applications": count(MembershipApplication),
        "mails": count(OutboxMail),
        "notifications": count(Notification),
        "tokens": count(AuthToken),
        "files": len(uploaded_files()),
    }


def test_application_is_recorded(app, client, staff, outbox):
    response = post(client, form())
    assert response.status_code == 303  # post, redirect, get: a reload submits nothing again
    assert response.headers["Location"] == "/join/submitted"
    page = client.get("/join/submitted")
    assert "lisi@example.cn" in page.get_data(as_text=True)  # "we sent a verification e-mail to ..."
    assert "重新发送验证邮件" in page.get_data(as_text=True)

    from portal.db import get_db

    with get_db().session(write=False) as s:
        enterprise = s.scalar(select(Enterprise))
        assert enterprise.name == "淄博绿能再生资源有限公司"
        assert enterprise.credit_code == CODE
        assert enterprise.status == "applicant"
        assert enterprise.city == "370300"
        assert enterprise.contact_phone == "0533-2317788"
        assert enterprise.legal_representative == "王五"
        assert enterprise.contact_title == "综合部经理"
        assert sorted(enterprise.activities) == ["cascade_use", "recycling"]
        assert enterprise.membership is None

        user = s.scalar(select(User).where(User.enterprise_id == enterprise.id))
        assert user.email == "lisi@example.cn"
        assert user.role == "member_admin"
        assert user.email_verified_at is None
        assert user.password_hash != PASSWORD

        application = s.scalar(select(MembershipApplication))
        assert application.state == "submitted"
        assert application.enterprise_id == enterprise.id
        assert application.applicant_id == user.id
        assert application.requested_tier == "member"
        assert application.licence_name == "营业执照.pdf"
        assert application.licence_mime == "application/pdf"
        assert application.privacy_accepted_at is not None

        staff_notes = s.scalars(select(Notification).where(Notification.user_id == staff.id)).all()
        assert [n.title for n in staff_notes] == ["新的入会申请：淄博绿能再生资源有限公司"]
        assert staff_notes[0].link == f"/staff/applications/{application.id}"

    [stored] = uploaded_files()
    assert stored.read_bytes().startswith(b"%PDF-")
    assert stored.name == application.licence_file

    [mail] = outbox()
    assert mail.to_address == "lisi@example.cn"
    assert "验证" in mail.subject
    assert "http://portal.test/verify/" in mail.body


def test_the_verification_link_lets_the_applicant_log_in(app, client, staff, outbox, login):
    post(client, form())
    assert login("lisi@example.cn", PASSWORD).status_code == 401  # not verified yet
    link = next(line for line in outbox()[0].body.splitlines() if "/verify/" in line)
    assert client.get(link.replace("http://portal.test", "")).status_code == 302
    response = login("lisi@example.cn", PASSWORD)
    assert response.status_code == 302
    page = client.get("/account")
    assert page.status_code == 200
    assert "待审核" in page.get_data(as_text=True)


@pytest.mark.parametrize(("city", "code"), [("烟台", "370600"), ("370600", "370600"), ("烟台市", "370600")])
def test_city_as_chinese_label_or_code(app, client, staff, city, code):
    response = post(client, form(city=city))
    assert response.status_code == 303
    assert count(Enterprise, Enterprise.city == code) == 1


def test_lower_case_code_with_spaces_is_stored_normalised(app, client, staff):
    assert post(client, form(credit_code="9137 0303 makejdbw7n")).status_code == 303
    assert count(Enterprise, Enterprise.credit_code == CODE) == 1


def test_image_licences_are_accepted(app, client, staff):
    assert post(client, form(licence=(image_bytes("PNG"), "licence.png"))).status_code == 303
    data = form(
        credit_code=credit_code(),
        contact_email="wangwu@example.cn",
        licence=(image_bytes("JPEG"), "licence.jpg"),
    )
    assert post(client, data).status_code == 303
    mimes = sorted(a.licence_mime for a in _applications())
    assert mimes == ["image/jpeg", "image/png"]


def _applications():
    from portal.db import get_db

    with get_db().session(write=False) as s:
        return s.scalars(select(MembershipApplication)).all()


BAD_INPUTS = [
    pytest.param({"credit_code": "91370303MAKEJDBW7A"}, "credit_code", "第18位校验码不符", id="check-character"),
    pytest.param({"credit_code": "91370303MAKEJDBW7"}, "credit_code", "应为18位", id="code-length"),
    pytest.param({"credit_code": "94370303MAKEJDBW7N"}, "credit_code", "第2位机构类别代码", id="code-category"),
    pytest.param({"activities": None}, "activities", "请至少选择一项业务类型", id="no-activity"),
    pytest.param({"activities": ["recycling", "mining"]}, "activities", "业务类型无效", id="unknown-activity"),
    pytest.param({"city": "北京"}, "city", "请选择山东省的一个地级市", id="city-outside-shandong"),
    pytest.param({"city": "371200"}, "city", "请选择山东省的一个地级市", id="laiwu-merged-into-jinan"),
    pytest.param({"city": ""}, "city", "请选择山东省的一个地级市", id="no-city"),
    pytest.param({"contact_phone": "0531-888"}, "contact_phone", "请填写大陆手机号", id="bad-phone"),
    pytest.param({"contact_phone": "12345678901"}, "contact_phone", "请填写大陆手机号", id="bad-mobile"),
    pytest.param({"contact_email": "lisi@"}, "contact_email", "电子邮箱格式不正确", id="bad-email"),
    pytest.param({"privacy": None}, "privacy", "请阅读并同意个人信息处理规则", id="privacy-not-accepted"),
    pytest.param({"password": "short1", "confirm": "short1"}, "password", "密码至少需要10个字符", id="short-password"),
    pytest.param({"confirm": "Something-else-1"}, "confirm", "两次输入的密码不一致", id="passwords-differ"),
    pytest.param({"requested_tier": "emperor"}, "requested_tier", "请选择申请的会员级别", id="unknown-tier"),
    pytest.param({"address": "淄博"}, "address", "请填写详细地址", id="short-address"),
    pytest.param({"name": "公司"}, "name", "请填写企业全称", id="short-name"),
    pytest.param({"licence": None}, "licence", "请上传", id="licence-missing"),
    pytest.param(
        {"licence": (b"just some text, not a PDF at all", "licence.pdf")},
        "licence",
        "文件类型不符",
        id="text-named-pdf",
    ),
    pytest.param(
        {"licence": (b"PK\x03\x04" + b"\0" * 200, "licence.docx")},
        "licence",
        "只接受 PDF、JPG、PNG",
        id="word-file",
    ),
    pytest.param({"licence": (b"", "empty.pdf")}, "licence", "文件是空的", id="empty-file"),
]


def test_bad_input_is_refused_on_its_field_and_nothing_is_written(app, client, staff, subtests):
    before = written(app)
    for param in BAD_INPUTS:
        changes, field, message = param.values
        with subtests.test(msg=param.id):
            data = form(**changes)
            response = post(client, data)
            assert response.status_code == 422
            page = Page(response.get_data(as_text=True))
            assert any(message in error for error in page.errors.get(field, [])), page.errors
            # what was typed is still there
            assert page.value("name") == data.get("name", "")
            assert page.value("contact_email") == data.get("contact_email", "")
            if field != "contact_phone":
                assert page.value("contact_phone") == "0533-2317788"
            assert written(app) == before


def test_typed_values_are_kept_on_a_refused_form(app, client, staff):
    response = post(client, form(credit_code="91370303MAKEJDBW7A", city="烟台", activities=["testing", "research"]))
    assert response.status_code == 422
    page = Page(response.get_data(as_text=True))
    assert page.value("credit_code") == "91370303MAKEJDBW7A"
    assert page.value("address") == "淄博市张店区新村西路99号"
    assert page.value("contact_name") == "李四"
    assert sorted(page.values["activities"]) == ["research", "testing"]
    assert page.value("requested_tier") == "member"
    assert page.values.get("privacy") == ["y"]


def test_every_error_is_reported_at_once(app, client, staff):
    response = post(
        client, form(credit_code="91370303MAKEJDBW7A", contact_phone="123", privacy=None, activities=None, licence=None)
    )
    assert response.status_code == 422
    page = Page(response.get_data(as_text=True))
    for field in ("credit_code", "contact_phone", "privacy", "activities", "licence"):
        assert page.errors.get(field), field


def test_required_field_and_domain_errors_come_in_one_round(app, client, staff):
    # An empty required field (the form's own check) used to hide the credit-code error until the
    # next submission.
    before = written(app)
    response = post(client, form(address="", credit_code="12345"))
    assert response.status_code == 422
    page = Page(response.get_data(as_text=True))
    assert page.errors.get("address")
    assert any("18位" in e for e in page.errors.get("credit_code", [])), page.errors
    assert written(app) == before


def test_code_already_registered(app, client, session, staff):
    make_enterprise(session, code=CODE, status="member")
    session.commit()
    before = written(app)
    response = post(client, form(credit_code="91370303makejdbw7n"))
    assert response.status_code == 422
    page = Page(response.get_data(as_text=True))
    assert any("该统一社会信用代码已登记" in e for e in page.errors["credit_code"])
    assert written(app) == before


def test_email_already_registered_is_not_revealed_and_its_owner_is_told(app, client, session, staff, outbox):
    owner = make_user(session, "staff", email="lisi@example.cn")
    session.commit()
    before = written(app)
    taken = post(client, form(contact_email="LiSi@Example.cn"))
    # The applicant sees exactly what a new address gets: the redirect and the same page.
    assert taken.status_code == 303
    assert taken.headers["Location"] == "/join/submitted"
    taken_page = text_of(client.get("/join/submitted"))
    assert "已注册" not in taken_page
    after = written(app)
    assert after == {**before, "mails": before["mails"] + 1}  # nothing recorded, one mail
    mail = outbox()[-1]
    assert mail.to_address == owner.email
    assert "已经注册" in mail.body and "/login" in mail.body and "/forgot" in mail.body
    assert "/verify/" not in mail.body

    fresh = app.test_client()
    new = post(fresh, form(contact_email="new@example.cn", credit_code=credit_code()))
    assert (new.status_code, new.headers["Location"]) == (taken.status_code, taken.headers["Location"])
    new_page = text_of(fresh.get("/join/submitted"))
    assert new_page.replace("new@example.cn", "X") == taken_page.replace("lisi@example.cn", "X")


def test_a_reload_after_applying_submits_nothing(app, client, staff):
    post(client, form())
    before = written(app)
    assert client.get("/join/submitted").status_code == 200
    assert client.get("/join/submitted").status_code == 200
    assert written(app) == before


def test_the_join_form_shows_each_tiers_fee_and_that_staff_confirm_it(app, client, session, staff):
    from portal.members import memberships

    memberships.set_tier_fee(session, staff, "president", 5000000)
    memberships.set_tier_fee(session, staff, "member", 500000)
    session.commit()
    page = text_of(client.get("/join"))
    assert "会长单位（年费 50,000.00 元）" in page
    assert "会员单位（年费 5,000.00 元）" in page
    assert "会员级别由协会审核时确认" in page
    assert "法定代表人" in page and "联系人职务" in page


@pytest.mark.parametrize("missing", ["legal_representative", "contact_title"])
def test_legal_representative_and_contact_title_are_required(app, client, staff, missing):
    before = written(app)
    response = post(client, form(**{missing: ""}))
    assert response.status_code == 422
    assert Page(response.get_data(as_text=True)).errors[missing]
    assert written(app) == before


def test_licence_over_ten_megabytes_is_a_form_error_not_413(app, client, staff):
    big = pdf_bytes() + b"%" + b"0" * (10 * 1024 * 1024)
    before = written(app)
    response = post(client, form(licence=(big, "big.pdf")))
    assert response.status_code == 422
    page = Page(response.get_data(as_text=True))
    assert any("文件过大" in e and "10 MB" in e for e in page.errors["licence"]), page.errors
    assert page.value("name") == "淄博绿能再生资源有限公司"
    assert written(app) == before


def test_licence_just_under_the_limit_is_accepted(app, client, staff):
    data = pdf_bytes()
    data += b"%" + b"0" * (10 * 1024 * 1024 - len(data) - 1)
    assert len(data) == 10 * 1024 * 1024
    assert post(client, form(licence=(data, "ok.pdf"))).status_code == 303
    assert count(MembershipApplication) == 1


def test_a_wrong_check_character_is_named_without_the_character_that_would_pass(app, client, staff):
    wrong = CODE[:-1] + "A"  # CODE ends in N
    response = post(client, form(credit_code=wrong))
    assert response.status_code == 422
    [message] = Page(response.get_data(as_text=True)).errors["credit_code"]
    assert message == "第18位校验码不符，请核对是否输错。"
    assert "应为" not in response.get_data(as_text=True)
