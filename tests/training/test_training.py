"""Training: members-only files refused to everyone else, registration with a waiting list, attendance."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.core import clock
from portal.notify.models import Notification
from portal.training import material_document, services
from portal.training.models import TrainingEvent, TrainingMaterial, TrainingRegistration
from tests.factories import PDF, make_application, make_event, make_material, make_member, make_user

pytestmark = pytest.mark.db


def pptx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<p:presentation/>")
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return out.getvalue()


@pytest.fixture(autouse=True)
def _day(at):
    at("2026-11-20 09:00")


def test_members_only_files_are_refused_to_anonymous_and_non_members(client, session, login):
    staff = make_user(session, "staff")
    secret = make_material(session, staff, members_only=True)
    open_one = make_material(session, staff, members_only=False, title="公开课件")
    reviewer = make_user(session, "reviewer")
    _application, _applicant = make_application(session)  # a member role, but not yet admitted
    _ent, member = make_member(session)
    session.commit()
    secret_url, open_url = f"/training/files/{secret.files[0].id}", f"/training/files/{open_one.files[0].id}"
    response = client.get(secret_url)
    assert response.status_code == 302 and "/login" in response.headers["Location"] and PDF not in response.data
    assert client.get(open_url).data == PDF
    assert "课件.pdf" not in client.get(f"/training/materials/{secret.id}").get_data(as_text=True)
    for user in (reviewer, _applicant):
        login(user.email)
        response = client.get(secret_url)
        assert response.status_code == 403 and PDF not in response.data
        client.post("/logout")
    login(member.email)
    response = client.get(secret_url)
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"


def test_search_document_marks_members_only_materials(session):
    staff = make_user(session, "staff")
    doc = material_document(make_material(session, staff, members_only=True))
    assert doc.kind == "training" and doc.facets["access"] == "members" and doc.facets["topic"] == "traceability"
    assert material_document(make_material(session, staff, members_only=False)).facets["access"] == "public"


def test_slides_are_accepted_by_content_and_other_zips_refused(client, session, login):
    staff = make_user(session, "staff")
    session.commit()
    login(staff.email)
    form = {"title": "再生利用工艺", "topic": "recycling", "level": "basic"}
    refused = client.post(
        "/staff/training/materials/new", data={**form, "files": [(io.BytesIO(plain_zip()), "a.pptx")]}
    )
    assert refused.status_code == 422 and "只接受 PDF、PPTX" in refused.get_data(as_text=True)
    accepted = client.post("/staff/training/materials/new", data={**form, "files": [(io.BytesIO(pptx()), "工艺.pptx")]})
    assert accepted.status_code == 302
    session.rollback()
    row = session.scalar(select(TrainingMaterial))
    assert row.files[0].mime.endswith("presentationml.presentation")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("title", "", "请填写标题"), ("topic", "烹饪", "请选择主题"), ("video_links", "ftp://x", "视频链接应以")],
)
def test_bad_material_input_is_refused_in_chinese(client, session, login, field, value, message):
    staff = make_user(session, "staff")
    session.commit()
    login(staff.email)
    data = {"title": "课件", "topic": "safety", "level": "basic", "video_links": "https://v.example.cn/1", field: value}
    response = client.post("/staff/training/materials/new", data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(TrainingMaterial)) == 0


def test_deleting_a_material_removes_its_files(app, client, session, login):
    staff = make_user(session, "staff")
    found = make_material(session, staff, members_only=True)
    session.commit()
    path = Path(app.config["PORTAL_DATA_DIR"]) / "uploads" / found.files[0].file
    login(staff.email)
    assert client.post(f"/staff/training/materials/{found.id}/delete").status_code == 302
    assert not path.exists()


def test_registration_fills_capacity_then_waits_and_promotes_on_cancel(client, session, login):
    staff = make_user(session, "staff")
    session_event = make_event(session, staff, capacity=2)
    members = [make_member(session)[1] for _ in range(4)]
    session.commit()
    states = []
    for member in members:
        login(member.email)
        response = client.post(f"/training/events/{session_event.id}/register")
        assert response.status_code == 302
        client.post("/logout")
    session.rollback()
    rows = {r.user_id: r.state for r in session.scalars(select(TrainingRegistration))}
    states = [rows[m.id] for m in members]
    assert states == ["registered", "registered", "waiting", "waiting"]
    session.expire_all()
    assert session.get(TrainingEvent, session_event.id).registered_count == 2
    login(members[0].email)
    assert client.post(f"/training/events/{session_event.id}/register").status_code == 422  # already registered
    assert client.post(f"/training/events/{session_event.id}/cancel").status_code == 302
    session.rollback()
    session.expire_all()
    rows = {r.user_id: r.state for r in session.scalars(select(TrainingRegistration))}
    assert [rows[m.id] for m in members] == ["cancelled", "registered", "registered", "waiting"]
    assert session.get(TrainingEvent, session_event.id).registered_count == 2
    note = session.scalar(select(Notification).where(Notification.user_id == members[2].id))
    assert note is not None and "候补转为正式报名" in note.title
    assert session.scalar(select(Notification).where(Notification.user_id == members[3].id)) is None
    # the one who cancelled may sign up again: at the end of the waiting list
    assert client.post(f"/training/events/{session_event.id}/register").status_code == 302
    session.rollback()
    session.expire_all()
    assert (
        session.scalar(select(TrainingRegistration.state).where(TrainingRegistration.user_id == members[0].id))
        == "waiting"
    )


def test_a_waiting_member_who_cancels_frees_no_seat(session):
    staff = make_user(session, "staff")
    found = make_event(session, staff, capacity=1)
    first, second = make_member(session)[1], make_member(session)[1]
    services.register(session, first, found.id)
    services.register(session, second, found.id)
    assert services.cancel(session, second, found.id) is None
    assert found.registered_count == 1


def test_registration_is_for_members_and_before_the_start(client, session, login, at):
    staff = make_user(session, "staff")
    found = make_event(session, staff)
    reviewer = make_user(session, "reviewer")
    _ent, member = make_member(session)
    session.commit()
    url = f"/training/events/{found.id}/register"
    assert "/login" in client.post(url).headers["Location"]
    login(reviewer.email)
    assert client.post(url).status_code == 403
    client.post("/logout")
    at("2026-12-10 09:00")
    login(member.email)
    response = client.post(url)
    assert response.status_code == 422 and "不能报名" in response.get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(TrainingRegistration)) == 0


def test_attendance_is_recorded_by_staff_only(client, session, login):
    staff = make_user(session, "staff")
    found = make_event(session, staff, capacity=5)
    a, b = make_member(session)[1], make_member(session)[1]
    reg_a = services.register(session, a, found.id)
    reg_b = services.register(session, b, found.id)
    session.commit()
    url = f"/staff/training/events/{found.id}"
    login(a.email)
    assert client.post(url, data={"attended": [reg_a.id]}).status_code == 403
    client.post("/logout")
    assert "/login" in client.post(url, data={"attended": [reg_a.id]}).headers["Location"]
    session.rollback()
    session.expire_all()
    assert session.get(TrainingRegistration, reg_a.id).attended is None
    login(staff.email)
    page = client.get(url).get_data(as_text=True)
    assert a.email in page and b.email in page
    assert client.post(url, data={"attended": [reg_a.id]}).status_code == 302
    session.rollback()
    session.expire_all()
    assert session.get(TrainingRegistration, reg_a.id).attended is True
    assert session.get(TrainingRegistration, reg_b.id).attended is False


def test_every_staff_action_is_refused_to_members_and_anonymous(client, session, login):
    staff = make_user(session, "staff")
    found = make_material(session, staff, members_only=False)
    ev = make_event(session, staff)
    _ent, member = make_member(session)
    session.commit()
    urls = [
        ("get", "/staff/training"),
        ("get", "/staff/training/materials/new"),
        ("post", "/staff/training/materials/new"),
        ("post", f"/staff/training/materials/{found.id}/delete"),
        ("get", "/staff/training/events/new"),
        ("post", "/staff/training/events/new"),
        ("get", f"/staff/training/events/{ev.id}"),
        ("post", f"/staff/training/events/{ev.id}"),
    ]
    for method, url in urls:
        response = getattr(client, method)(url, data={"title": "x", "capacity": "3"})
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    login(member.email)
    for method, url in urls:
        assert getattr(client, method)(url, data={"title": "x", "capacity": "3"}).status_code == 403, url
    session.rollback()
    assert session.scalar(select(func.count()).select_from(TrainingMaterial)) == 1
    assert session.scalar(select(func.count()).select_from(TrainingEvent)) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("capacity", "0", "名额应为"),
        ("ends_at", "2026-12-10 08:00", "结束时间应晚于"),
        ("place", "", "请填写地点或线上链接"),
        ("starts_at", "明天上午", "时间格式应为"),
        ("starts_at", "2026-12-10 25:00", "时间格式应为"),
        ("ends_at", "", "请填写结束时间"),
        ("online_url", "ftp://example.cn/x", "线上链接应以"),
    ],
)
def test_bad_event_input_is_refused_in_chinese(client, session, login, field, value, message):
    staff = make_user(session, "staff")
    session.commit()
    login(staff.email)
    data = {
        "title": "培训",
        "starts_at": "2026-12-10 09:00",
        "ends_at": "2026-12-10 12:00",
        "place": "济南",
        "capacity": "30",
    }
    response = client.post("/staff/training/events/new", data={**data, field: value})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(TrainingEvent)) == 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-12-10 09:00", (2026, 12, 10, 9, 0)),
        ("2026-12-10T09:30", (2026, 12, 10, 9, 30)),
        ("2026/12/10 9:05", (2026, 12, 10, 9, 5)),
        ("2026年12月10日 14:00", (2026, 12, 10, 14, 0)),
    ],
)
def test_event_times_are_read_as_shandong_time(session, raw, expected):
    staff = make_user(session, "staff")
    data = services.EventInput(title="培训", starts_at=raw, ends_at="2026-12-31 18:00", place="济南", capacity=5)
    created = services.create_event(session, staff, data)
    local = created.starts_at.astimezone(clock.LOCAL_TZ)
    assert (local.year, local.month, local.day, local.hour, local.minute) == expected


def test_the_file_limit_is_the_configured_one(app, client, session, login):
    staff = make_user(session, "staff")
    session.commit()
    login(staff.email)
    app.config["UPLOAD_MAX_TRAINING_FILES"] = 1
    data = {
        "title": "两份课件",
        "topic": "policy",
        "level": "basic",
        "files": [(io.BytesIO(PDF), "a.pdf"), (io.BytesIO(PDF), "b.pdf")],
    }
    response = client.post("/staff/training/materials/new", data=data)
    assert response.status_code == 422 and "最多上传1个文件" in response.get_data(as_text=True)
    app.config["UPLOAD_MAX_TRAINING_FILE"] = 10
    response = client.post("/staff/training/materials/new", data={**data, "files": [(io.BytesIO(PDF), "a.pdf")]})
    assert response.status_code == 422 and "文件过大" in response.get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(TrainingMaterial)) == 0
