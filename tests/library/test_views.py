"""Standards pages and API: public visibility, search by number and full text, attachments, permissions."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from portal import search
from portal.core.audit import AuditEntry
from portal.library.models import Standard, StandardAttachment
from tests.factories import (
    commit_and_index,
    make_member,
    make_outlet,
    make_standard,
    make_user,
    pdf_bytes,
    uploaded_files,
)

pytestmark = pytest.mark.db

FORM = {
    "number": "GB/T 34015.3-2021",
    "title_zh": "车用动力电池回收利用 梯次利用 第3部分：梯次利用要求",
    "level": "national",
    "topic": "cascade_use",
    "status": "",
    "published_on": "",
    "effective_on": "2022-03-01",
}


@pytest.fixture
def catalogue(app, session):
    staff = make_user(session, "staff")
    rows = {
        "old": make_standard(session, staff, number="GB/T 34015-2017", published_on="", effective_on="2017-12-01"),
        "p2": make_standard(session, staff, number="GB/T 34015.2-2020", topic="拆卸与拆解"),
        "p3": make_standard(session, staff, number="GB/T 34015.3-2021", published_on="", effective_on="2022-03-01"),
        "other": make_standard(
            session, staff, number="GB/T 33598.3-2021", topic="再生利用", title_zh="再生利用 放电规范"
        ),
        "assoc": make_standard(session, staff, number="T/SDBRA 001-2024", level="团体标准", topic="安全"),
        "draft": make_standard(session, staff, publish=False, number="GB/T 34015.9-2026", title_zh="秘密草稿标准"),
    }
    rows["new"] = make_standard(
        session, staff, number="GB/T 34015-2026", published_on="", effective_on="2026-01-01", replaces="GB/T 34015-2017"
    )
    commit_and_index(session)
    return staff, rows


def _numbers(response) -> list[str]:
    return [item["number"] for item in response.get_json()["items"]]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("34015", {"GB/T 34015-2017", "GB/T 34015.2-2020", "GB/T 34015.3-2021", "GB/T 34015-2026"}),
        ("gbt34015", {"GB/T 34015-2017", "GB/T 34015.2-2020", "GB/T 34015.3-2021", "GB/T 34015-2026"}),
        ("GB／T 34015.3", {"GB/T 34015.3-2021"}),
        ("gb/t 34015.3-2021", {"GB/T 34015.3-2021"}),
        ("GB/T 34015-2017", {"GB/T 34015-2017"}),
        ("t/sdbra 1", {"T/SDBRA 001-2024"}),
        ("放电规范", {"GB/T 33598.3-2021"}),
    ],
)
def test_the_search_box_understands_numbers_and_words(client, catalogue, q, expected):
    response = client.get("/api/v1/standards", query_string={"q": q})
    assert response.status_code == 200
    assert set(_numbers(response)) == expected
    page = client.get("/standards", query_string={"q": q}).get_data(as_text=True)
    assert all(number in page for number in expected)


def test_drafts_are_invisible_to_the_public(client, catalogue, login):
    staff, rows = catalogue
    draft = rows["draft"]
    assert "GB/T 34015.9-2026" not in client.get("/standards").get_data(as_text=True)
    assert client.get(f"/standards/{draft.id}").status_code == 404
    assert client.get(f"/api/v1/standards/{draft.id}").status_code == 404
    assert "GB/T 34015.9-2026" not in _numbers(client.get("/api/v1/standards", query_string={"per_page": 100}))
    assert client.get("/api/v1/standards", query_string={"q": "秘密草稿"}).get_json()["total"] == 0
    assert client.get("/api/v1/standards", query_string={"q": "34015.9"}).get_json()["total"] == 0
    assert search.search("秘密草稿", kinds=["standard"]).total == 0
    login(staff.email)
    assert client.get(f"/standards/{draft.id}").status_code == 200  # staff preview


def test_replacements_are_links_both_ways(client, catalogue):
    _, rows = catalogue
    old_page = client.get(f"/standards/{rows['old'].id}").get_data(as_text=True)
    assert f'href="/standards/{rows["new"].id}"' in old_page
    new_page = client.get(f"/standards/{rows['new'].id}").get_data(as_text=True)
    assert f'href="/standards/{rows["old"].id}"' in new_page
    item = client.get(f"/api/v1/standards/{rows['old'].id}").get_json()
    assert item["replaced_by"] == ["GB/T 34015-2026"] and item["status"] == "replaced"
    assert client.get(f"/api/v1/standards/{rows['new'].id}").get_json()["replaces"] == ["GB/T 34015-2017"]


def test_api_shape_and_filters(client, catalogue):
    body = client.get("/api/v1/standards", query_string={"per_page": 2}).get_json()
    assert set(body) == {"items", "total", "page", "per_page"} and body["total"] == 6 and len(body["items"]) == 2
    item = body["items"][0]
    for key in (
        "number",
        "title",
        "level",
        "status",
        "topic",
        "published_on",
        "effective_on",
        "replaces",
        "replaced_by",
    ):
        assert key in item
    assert _numbers(client.get("/api/v1/standards", query_string={"level": "团体标准"})) == ["T/SDBRA 001-2024"]
    assert _numbers(client.get("/api/v1/standards", query_string={"topic": "dismantling"})) == ["GB/T 34015.2-2020"]
    assert _numbers(client.get("/api/v1/standards", query_string={"status": "被代替"})) == ["GB/T 34015-2017"]
    assert set(_numbers(client.get("/api/v1/standards", query_string={"year": "2021"}))) == {
        "GB/T 34015.3-2021",
        "GB/T 33598.3-2021",
    }
    words = client.get("/api/v1/standards", query_string={"q": "放电", "year": "2020"}).get_json()
    assert words["total"] == 0


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"level": "世界"}, "level"),
        ({"status": "x"}, "status"),
        ({"topic": "y"}, "topic"),
        ({"year": "21"}, "year"),
        ({"page": "0"}, "page"),
    ],
)
def test_bad_filters_are_refused_with_the_field(client, args, field):
    response = client.get("/api/v1/standards", query_string=args)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert client.get("/standards", query_string=args).status_code == 422


def test_staff_create_edit_publish_and_see_history(app, client, session, login):
    staff = make_user(session, "staff")
    session.commit()
    login(staff.email)
    response = client.post("/staff/standards/new", data=FORM)
    assert response.status_code == 302
    standard = session.scalar(select(Standard))
    assert not standard.is_published and standard.status == "in_force"
    assert client.post(f"/staff/standards/{standard.id}/publish", data={"published": "1"}).status_code == 302
    edited = {**FORM, "keywords": "梯次利用 储能", "needs_check": "y"}
    assert client.post(f"/staff/standards/{standard.id}/edit", data=edited).status_code == 302
    page = client.get(f"/staff/standards/{standard.id}").get_data(as_text=True)
    assert "历史版本" in page and "关键词" in page and "梯次利用 储能" in page
    bad = client.post(f"/staff/standards/{standard.id}/edit", data={**FORM, "number": "不是编号"})
    assert bad.status_code == 422 and "标准编号无法识别" in bad.get_data(as_text=True)
    session.rollback()
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["standard.create", "standard.publish", "standard.update"]


@pytest.mark.parametrize("role", ["member_admin", "member_editor", "observer"])
def test_others_cannot_create_edit_or_publish(app, client, session, login, role):
    staff = make_user(session, "staff")
    standard = make_standard(session, staff, publish=False)
    if role.startswith("member"):
        _, user = make_member(session, role=role)
    else:
        user = make_user(session, role)
    session.commit()
    login(user.email)
    assert client.get("/staff/standards/new").status_code == 403
    assert client.post("/staff/standards/new", data=FORM).status_code == 403
    assert client.post(f"/staff/standards/{standard.id}/edit", data=FORM).status_code == 403
    assert client.post(f"/staff/standards/{standard.id}/publish", data={"published": "1"}).status_code == 403
    session.rollback()
    session.expire_all()
    assert not session.get(Standard, standard.id).is_published


def test_anonymous_visitors_are_sent_to_login(app, client, session):
    standard = make_standard(session, make_user(session, "staff"))
    session.commit()
    for path in ("/staff/standards", "/staff/standards/new", f"/staff/standards/{standard.id}"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.post(f"/staff/standards/{standard.id}/publish", data={"published": "0"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def _upload(client, standard_id, data: bytes, name="全文.pdf"):
    return client.post(
        f"/staff/standards/{standard_id}/files",
        data={"file": (io.BytesIO(data), name), "label": "标准全文"},
        content_type="multipart/form-data",
    )


def test_pdf_text_is_found_by_search_and_the_file_is_served(app, client, session, login):
    staff = make_user(session, "staff")
    standard = make_standard(session, staff)
    session.commit()
    login(staff.email)
    assert _upload(client, standard.id, pdf_bytes("放电规范的特殊短语")).status_code == 302
    search.catch_up()
    hits = client.get("/api/v1/standards", query_string={"q": "放电规范的特殊短语"}).get_json()
    assert _numbers_of(hits) == [standard.number]
    attachment = session.scalar(select(StandardAttachment))
    assert attachment.text_status == "indexed" and len(uploaded_files()) == 1
    response = client.get(f"/standards/{standard.id}/files/{attachment.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert (
        response.headers["Content-Disposition"].startswith("inline;")
        and "filename" in response.headers["Content-Disposition"]
    )
    assert response.data.startswith(b"%PDF-")
    response.close()


def _numbers_of(body) -> list[str]:
    return [item["number"] for item in body["items"]]


def test_an_unparsable_pdf_is_stored_but_not_indexed(app, client, session, login):
    staff = make_user(session, "staff")
    standard = make_standard(session, staff)
    session.commit()
    login(staff.email)
    assert _upload(client, standard.id, b"%PDF-1.7\n this is not really a pdf").status_code == 302
    attachment = session.scalar(select(StandardAttachment))
    assert attachment.text_status == "unparsable" and len(uploaded_files()) == 1
    assert "未编入检索" in client.get(f"/staff/standards/{standard.id}").get_data(as_text=True)


def test_wrong_type_or_too_large_is_a_form_error_and_writes_nothing(app, client, session, login):
    staff = make_user(session, "staff")
    standard = make_standard(session, staff)
    session.commit()
    login(staff.email)
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    response = _upload(client, standard.id, png, name="full.pdf")
    assert response.status_code == 422 and "文件类型不符" in response.get_data(as_text=True)
    app.config["UPLOAD_MAX_ATTACHMENT"] = 1000
    response = _upload(client, standard.id, pdf_bytes("太大的文件") + b"\n" + b"%" * 2000)
    assert response.status_code == 422 and "文件过大" in response.get_data(as_text=True)
    assert uploaded_files() == []
    assert session.scalar(select(StandardAttachment.id)) is None


def test_deleting_an_attachment_or_a_standard_removes_the_file(app, client, session, login):
    staff = make_user(session, "staff")
    standard = make_standard(session, staff)
    session.commit()
    login(staff.email)
    _upload(client, standard.id, pdf_bytes("第一份"))
    _upload(client, standard.id, pdf_bytes("第二份"))
    first, second = session.scalars(select(StandardAttachment).order_by(StandardAttachment.id)).all()
    assert len(uploaded_files()) == 2
    assert client.post(f"/staff/standards/{standard.id}/files/{first.id}/delete").status_code == 302
    assert [p.name for p in uploaded_files()] == [second.file_name]
    assert client.post(f"/staff/standards/{standard.id}/delete").status_code == 302
    assert uploaded_files() == []
    session.rollback()
    assert session.scalar(select(StandardAttachment.id)) is None


def test_a_link_to_the_official_source(app, client, session, login):
    staff = make_user(session, "staff")
    standard = make_standard(session, staff)
    session.commit()
    login(staff.email)
    bad = client.post(f"/staff/standards/{standard.id}/links", data={"url": "javascript:alert(1)"})
    assert bad.status_code == 422
    ok = client.post(f"/staff/standards/{standard.id}/links", data={"url": "https://openstd.samr.gov.cn/x"})
    assert ok.status_code == 302
    assert "https://openstd.samr.gov.cn/x" in client.get(f"/standards/{standard.id}").get_data(as_text=True)


def test_the_public_page_shows_only_what_is_known_and_says_once_why_it_is_unconfirmed(client, session):
    standard = make_standard(session, published_on="", effective_on="", needs_check=True, issuing_body="")
    session.commit()
    page = client.get(f"/standards/{standard.id}").get_data(as_text=True)
    assert page.count("尚未经协会与标准文本核对") == 1
    assert "发布日期" not in page and "发布机构" not in page and "<dd>—</dd>" not in page
    assert "openstd.samr.gov.cn" not in page and "标准全文" not in page  # no link to a home page


def test_the_full_text_link_is_the_standards_own_page(client, session):
    own = "https://openstd.samr.gov.cn/bzgk/gb/newGbInfo?hcno=0123456789ABCDEF"
    standard = make_standard(session, official_url=own)
    session.commit()
    page = client.get(f"/standards/{standard.id}").get_data(as_text=True)
    assert f'href="{own}"' in page and "该标准的官方信息页" in page


def test_staff_confirm_an_entry_in_one_step_and_the_audit_log_says_so(client, session, login):
    staff = make_user(session, "staff")
    standard = make_standard(session, staff, needs_check=True)
    session.commit()
    login(staff.email)
    assert "确认信息无误" in client.get(f"/staff/standards/{standard.id}").get_data(as_text=True)
    response = client.post(f"/staff/standards/{standard.id}/confirm")
    assert response.status_code == 302
    session.expire_all()
    assert not session.get(Standard, standard.id).needs_check
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "standard.confirm"))
    assert entry.actor_id == staff.id and entry.after["needs_check"] is False and entry.after["effective_on"]
    assert "尚未经协会" not in client.get(f"/standards/{standard.id}").get_data(as_text=True)


@pytest.mark.parametrize("role", ["member_admin", "observer", "reviewer", None])
def test_only_staff_confirm_an_entry(client, session, login, role):
    standard = make_standard(session, needs_check=True)
    if role == "member_admin":
        _, user = make_member(session)
    elif role:
        user = make_user(session, role)
    session.commit()
    if role:
        login(user.email)
    response = client.post(f"/staff/standards/{standard.id}/confirm")
    assert response.status_code in (302, 403) and (role is None) == (response.status_code == 302)
    if role is None:
        assert "/login" in response.headers["Location"]
    session.expire_all()
    assert session.get(Standard, standard.id).needs_check
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "standard.confirm")) is None


@pytest.mark.parametrize("q", ["開發區", "Yantai", "yantai 开发区"])
def test_traditional_characters_and_pinyin_place_names_find_what_the_simplified_form_finds(client, session, q):
    make_outlet(session, name="烟台开发区回收服务网点", address="烟台市开发区长江路188号")
    commit_and_index(session)
    body = client.get("/api/v1/search", query_string={"q": q}).get_json()
    assert any("烟台开发区回收服务网点" in item["title"] for item in body["items"]), (q, body)
