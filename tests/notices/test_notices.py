"""Notices: publishing, expiry, the home page, attachments (served and removed), refusals."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.core.audit import AuditEntry
from portal.notices import services
from portal.notices.models import Notice, NoticeAttachment
from tests.factories import PDF, checked_upload, make_member, make_notice, make_user, uploaded_files

pytestmark = pytest.mark.db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _day(at):
    at("2026-11-20 09:00")


def count(session, model) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def test_staff_publish_with_a_pdf_and_it_is_served_with_its_type(app, client, session, login):
    staff = make_user(session, "staff")
    session.commit()
    login(staff.email)
    response = client.post(
        "/staff/notices/new",
        data={
            "kind": "通知公告",
            "title": "关于召开2026年会员大会的通知",
            "published_on": "2026-11-18",
            "body": "定于12月召开。",
            "attachments": [(io.BytesIO(PDF), "会议议程.pdf")],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    notice = session.scalar(select(Notice))
    assert notice.kind == "notice" and len(notice.attachments) == 1
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "会议议程.pdf" in page
    attachment = notice.attachments[0]
    served = client.get(f"/notices/attachments/{attachment.id}")
    assert served.status_code == 200 and served.data == PDF
    assert served.headers["Content-Type"] == "application/pdf"
    assert served.headers["Content-Disposition"].startswith("inline")
    download = client.get(f"/notices/attachments/{attachment.id}?download=1")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "filename*=UTF-8''" in download.headers["Content-Disposition"]
    assert session.scalar(select(AuditEntry.action).where(AuditEntry.object_type == "notice")) == "notice.publish"


def test_expired_notices_leave_home_and_list_but_stay_reachable(client, session):
    staff = make_user(session, "staff")
    current = make_notice(session, staff, title="有效的通知", published_on="2026-11-10")
    expired = make_notice(session, staff, title="已过期的通知", published_on="2026-10-01", expires_on="2026-11-19")
    until_today = make_notice(
        session, staff, title="今天到期的通知", published_on="2026-11-02", expires_on="2026-11-20"
    )
    future = make_notice(session, staff, title="下周发布的通知", published_on="2026-11-27")
    session.commit()
    home = client.get("/").get_data(as_text=True)
    listing = client.get("/notices").get_data(as_text=True)
    for page in (home, listing):
        assert current.title in page and until_today.title in page
        assert expired.title not in page and future.title not in page
    detail = client.get(f"/notices/{expired.id}")
    assert detail.status_code == 200 and "已过期" in detail.get_data(as_text=True)
    assert client.get(f"/notices/{future.id}").status_code == 404


def test_home_page_shows_the_newest_five_notices_and_news_only(client, session):
    staff = make_user(session, "staff")
    for day in range(1, 8):
        make_notice(session, staff, title=f"协会动态第{day}期", kind="news", published_on=f"2026-11-{day:02d}")
    make_notice(session, staff, title="一份政策文件", kind="policy", published_on="2026-11-15")
    session.commit()
    home = client.get("/").get_data(as_text=True)
    shown = [day for day in range(1, 8) if f"协会动态第{day}期" in home]
    assert shown == [3, 4, 5, 6, 7]
    assert "一份政策文件" not in home


def test_list_filters_by_kind_and_pages(client, session):
    staff = make_user(session, "staff")
    for n in range(25):
        make_notice(session, staff, title=f"通知{n:02d}", published_on="2026-11-01")
    make_notice(session, staff, title="政策甲", kind="policy", published_on="2026-11-01")
    session.commit()
    assert "政策甲" in client.get("/notices?kind=policy").get_data(as_text=True)
    assert "通知00" not in client.get("/notices?kind=policy").get_data(as_text=True)
    second = client.get("/notices?kind=notice&page=2").get_data(as_text=True)
    assert "第 2 / 2 页" in second
    assert client.get("/notices?kind=nonsense").status_code == 422


def test_delete_removes_the_attachment_files(app, client, session, login):
    staff = make_user(session, "staff")
    notice = make_notice(session, staff, title="带附件的通知", attachments=[checked_upload(PDF, "附件.pdf")])
    session.commit()
    path = Path(app.config["PORTAL_DATA_DIR"]) / "uploads" / notice.attachments[0].file
    assert path.is_file()
    login(staff.email)
    assert client.post(f"/staff/notices/{notice.id}/delete").status_code == 302
    assert not path.exists()
    assert count(session, Notice) == 0 and count(session, NoticeAttachment) == 0


def test_a_rolled_back_delete_keeps_the_files(app, session):
    staff = make_user(session, "staff")
    notice = make_notice(session, staff, title="带附件的通知", attachments=[checked_upload(PDF, "附件.pdf")])
    session.commit()
    path = Path(app.config["PORTAL_DATA_DIR"]) / "uploads" / notice.attachments[0].file
    services.delete(session, staff, notice.id)
    session.rollback()
    session.commit()
    assert path.is_file()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", "公告栏", "请选择类别"),
        ("title", "", "请填写标题"),
        ("published_on", "11/01/2026", "日期格式应为“年-月-日”"),
        ("published_on", "2026-02-30", "没有这一天"),
        ("published_on", "", "请填写发布日期"),
        ("expires_on", "2026-10-01", "有效期不能早于发布日期"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_changes_nothing(client, session, login, field, value, message):
    staff = make_user(session, "staff")
    session.commit()
    login(staff.email)
    data = {"kind": "notice", "title": "标题", "published_on": "2026-11-01", "body": "正文", field: value}
    response = client.post("/staff/notices/new", data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert count(session, Notice) == 0


def test_a_non_pdf_attachment_is_refused_and_nothing_is_stored(app, client, session, login):
    staff = make_user(session, "staff")
    session.commit()
    login(staff.email)
    data = {
        "kind": "notice",
        "title": "标题",
        "published_on": "2026-11-01",
        "attachments": [(io.BytesIO(PNG), "x.pdf")],
    }
    response = client.post("/staff/notices/new", data=data)
    assert response.status_code == 422 and "只接受 PDF" in response.get_data(as_text=True)
    assert count(session, Notice) == 0
    assert uploaded_files() == []


def test_every_staff_action_is_refused_to_members_and_anonymous(app, client, session, login):
    staff = make_user(session, "staff")
    notice = make_notice(session, staff, title="某通知", attachments=[checked_upload(PDF, "a.pdf")])
    _ent, member = make_member(session)
    session.commit()
    urls = [
        ("get", "/staff/notices"),
        ("get", "/staff/notices/new"),
        ("post", "/staff/notices/new"),
        ("get", f"/staff/notices/{notice.id}/edit"),
        ("post", f"/staff/notices/{notice.id}/edit"),
        ("post", f"/staff/notices/{notice.id}/delete"),
        ("post", f"/staff/notices/attachments/{notice.attachments[0].id}/delete"),
    ]
    for method, url in urls:
        response = getattr(client, method)(url, data={"title": "x"})
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    login(member.email)
    for method, url in urls:
        assert getattr(client, method)(url, data={"title": "x"}).status_code == 403, url
    assert count(session, Notice) == 1 and count(session, NoticeAttachment) == 1


def test_search_document_carries_kind_and_year(session):
    from portal.notices import notice_document

    staff = make_user(session, "staff")
    notice = make_notice(session, staff, title="关于动力电池回收的政策", kind="policy", published_on="2025-03-01")
    doc = notice_document(notice)
    assert doc.kind == "notice" and doc.facets == {"category": "policy", "year": "2025"} and doc.date == 20250301
    assert "关于动力电池回收的政策正文" in doc.texts


def test_the_attachment_limits_are_the_configured_ones(app, client, session, login):
    staff = make_user(session, "staff")
    session.commit()
    login(staff.email)
    data = {"kind": "notice", "title": "标题", "published_on": "2026-11-01"}
    app.config["UPLOAD_MAX_NOTICE_FILES"] = 1
    two = [(io.BytesIO(PDF), "a.pdf"), (io.BytesIO(PDF), "b.pdf")]
    response = client.post("/staff/notices/new", data={**data, "attachments": two})
    assert response.status_code == 422 and "最多上传1个文件" in response.get_data(as_text=True)
    app.config["UPLOAD_MAX_NOTICE_ATTACHMENT"] = 10
    response = client.post("/staff/notices/new", data={**data, "attachments": [(io.BytesIO(PDF), "a.pdf")]})
    assert response.status_code == 422 and "文件过大" in response.get_data(as_text=True)
    assert count(session, Notice) == 0
