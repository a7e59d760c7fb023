"""Campaign pages: staff open and inspect, members read and answer, staff decide; who is refused."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal.campaigns import rectifications, services
from portal.campaigns.models import Campaign, Inspection, InspectionPhoto, RectificationAnswer
from portal.core.audit import AuditEntry
from portal.notify.models import Notification
from portal.outlets.models import Outlet
from tests.campaigns.helpers import EXE, JPG, PNG, form_fields, inspection_input, upload
from tests.factories import PDF, checked_upload, make_campaign, make_member, make_outlet, make_user

pytestmark = pytest.mark.db


@pytest.fixture
def world(app, session):
    """A member operating an outlet in 烟台 that staff found needing rectification, with a photo."""
    staff = make_user(session, "staff", name="核查员乙")
    ent, admin = make_member(session, name="甲网点运营有限公司")
    editor = make_user(session, "member_editor", enterprise=ent)
    other, stranger = make_member(session, name="乙网点运营有限公司")
    outlet = make_outlet(session, staff, operator=ent.name, operator_credit_code=ent.credit_code)
    other_outlet = make_outlet(session, staff, operator=other.name, operator_credit_code=other.credit_code)
    campaign = make_campaign(session, staff)
    data = inspection_input(result="rectification", deadline="2026-07-31", fire_equipment="not_met")
    inspection = services.record_inspection(
        session, staff, campaign.id, outlet.id, data, [checked_upload(JPG, "消防.jpg")]
    )
    session.commit()
    return {
        "staff": staff,
        "admin": admin,
        "editor": editor,
        "stranger": stranger,
        "outlet": outlet,
        "other_outlet": other_outlet,
        "campaign": campaign,
        "inspection": inspection,
        "photo": inspection.photos[0],
    }


def latest_notification(session, user_id: int) -> Notification:
    return session.scalar(select(Notification).where(Notification.user_id == user_id).order_by(Notification.id.desc()))


def count(session, model) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def test_staff_open_a_campaign_and_record_an_inspection_with_photos(app, client, session, login, world):
    login(world["staff"].email)
    response = client.post(
        "/staff/campaigns/new",
        data={"name": "济南专项核查", "starts_on": "2026-06-01", "ends_on": "2026-06-30", "cities": ["370600"]},
    )
    assert response.status_code == 302
    campaign = session.scalar(select(Campaign).where(Campaign.name == "济南专项核查"))
    page = client.get(f"/staff/campaigns/{campaign.id}").get_data(as_text=True)
    assert "记录核查" in page and world["other_outlet"].name in page
    outlet = world["other_outlet"]
    form = {**form_fields(on="2026-06-10"), "photos": [upload(JPG, "门头.jpg"), upload(PNG, "台账.png")]}
    response = client.post(f"/staff/campaigns/{campaign.id}/outlets/{outlet.id}/inspect", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    session.rollback()
    outlet = session.get(Outlet, outlet.id)
    assert outlet.status == "compliant" and outlet.last_verified_on == dt.date(2026, 6, 10)
    inspection = session.scalar(select(Inspection).where(Inspection.campaign_id == campaign.id))
    assert [p.mime for p in inspection.photos] == ["image/jpeg", "image/png"]
    uploads = Path(app.config["PORTAL_DATA_DIR"]) / "uploads"
    kinds = [Image.open(uploads / p.file).format for p in inspection.photos]  # stored as decoded and written again
    assert kinds == ["JPEG", "PNG"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "合规" in page and "门头.jpg" in page and "不适用" in page  # thermal imaging at a collection outlet
    progress = client.get(f"/staff/campaigns/{campaign.id}").get_data(as_text=True)
    assert '<tr data-city="370600"><td class="card-title"><a href="/staff/campaigns/' in progress
    total = progress.partition('<tr data-city="total">')[2].partition("</tr>")[0]
    assert re.findall(r'class="num total"[^>]*>(\d+)<', total) == ["2", "1", "1", "0", "0"]


def test_a_member_sees_its_findings_and_answers_then_staff_reject_and_accept(app, client, session, login, world):
    w = world
    outlet_id, inspection_id = w["outlet"].id, w["inspection"].id
    assert count(session, Notification) >= 1
    told = session.scalar(select(Notification).where(Notification.user_id == w["admin"].id))
    assert "需整改" in told.title and told.link == f"/account/inspections/{inspection_id}"

    login(w["admin"].email)
    assert "网点核查结果" in client.get("/account").get_data(as_text=True)
    listing = client.get("/account/inspections").get_data(as_text=True)
    assert w["outlet"].name in listing and w["other_outlet"].name not in listing
    page = client.get(f"/account/inspections/{inspection_id}").get_data(as_text=True)
    assert "不符合" in page and "提交整改情况" in page and "2026-07-31" in page
    response = client.post(
        f"/account/inspections/{inspection_id}/answer",
        data={"text": "已补充灭火器和消防沙。", "evidence": [upload(PDF, "整改报告.pdf")]},
    )
    assert response.status_code == 302
    session.rollback()
    assert session.get(Inspection, inspection_id).rectification_state == "answered"
    staff_note = session.scalar(select(Notification).where(Notification.user_id == w["staff"].id))
    assert "整改答复待审核" in staff_note.title and staff_note.link == f"/staff/inspections/{inspection_id}"
    again = client.post(
        f"/account/inspections/{inspection_id}/answer", data={"text": "再交一次。", "evidence": [upload(PDF, "b.pdf")]}
    )
    assert again.status_code == 409 and "等待协会审核" in again.get_data(as_text=True)
    client.post("/logout")

    login(w["staff"].email)
    page = client.get(f"/staff/inspections/{inspection_id}").get_data(as_text=True)
    assert "整改报告.pdf" in page and "通过（网点改为“合规”）" in page
    refused = client.post(f"/staff/inspections/{inspection_id}/reject", data={"reason": " "})
    assert refused.status_code == 422 and "请填写驳回理由" in refused.get_data(as_text=True)
    rejected = client.post(f"/staff/inspections/{inspection_id}/reject", data={"reason": "照片看不清灭火器压力表。"})
    assert rejected.status_code == 302
    session.rollback()
    assert session.get(Inspection, inspection_id).rectification_state == "open"
    assert session.get(Outlet, outlet_id).status == "rectifying"
    told = latest_notification(session, w["admin"].id)
    assert "未通过" in told.title and told.body == "照片看不清灭火器压力表。"
    client.post("/logout")

    login(w["admin"].email)
    assert "照片看不清灭火器压力表" in client.get(f"/account/inspections/{inspection_id}").get_data(as_text=True)
    client.post(
        f"/account/inspections/{inspection_id}/answer",
        data={"text": "已更换压力表并重新拍照。", "evidence": [upload(JPG, "压力表.jpg")]},
    )
    client.post("/logout")

    login(w["staff"].email)
    assert client.post(f"/staff/inspections/{inspection_id}/accept").status_code == 302
    session.rollback()
    outlet = session.get(Outlet, outlet_id)
    assert outlet.status == "compliant" and outlet.last_verified_on == dt.date(2026, 6, 10)
    assert session.get(Inspection, inspection_id).rectification_state == "accepted"
    decisions = session.scalars(select(RectificationAnswer.decision).order_by(RectificationAnswer.id)).all()
    assert decisions == ["rejected", "accepted"]
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == w["staff"].id)).all()
    assert {"rectification.reject", "rectification.accept", "outlet.status"} <= set(actions)
    told = latest_notification(session, w["admin"].id)
    assert "整改已通过" in told.title


def test_an_editor_reads_findings_but_only_the_admin_answers(client, session, login, world):
    login(world["editor"].email)
    inspection_id = world["inspection"].id
    page = client.get(f"/account/inspections/{inspection_id}").get_data(as_text=True)
    assert "不符合" in page and "整改情况由企业管理员提交" in page
    assert client.get(f"/campaigns/photos/{world['photo'].id}").status_code == 200
    response = client.post(
        f"/account/inspections/{inspection_id}/answer",
        data={"text": "编辑不能答复。", "evidence": [upload(PDF, "a.pdf")]},
    )
    assert response.status_code == 403
    assert count(session, RectificationAnswer) == 0


def test_another_member_sees_neither_the_findings_nor_the_photos(client, session, login, world):
    login(world["stranger"].email)
    inspection_id = world["inspection"].id
    assert world["outlet"].name not in client.get("/account/inspections").get_data(as_text=True)
    assert client.get(f"/account/inspections/{inspection_id}").status_code == 403
    assert client.get(f"/campaigns/photos/{world['photo'].id}").status_code == 403
    response = client.post(
        f"/account/inspections/{inspection_id}/answer",
        data={"text": "冒名答复整改。", "evidence": [upload(PDF, "a.pdf")]},
    )
    assert response.status_code == 403
    assert client.get(f"/staff/inspections/{inspection_id}").status_code == 403
    assert count(session, RectificationAnswer) == 0


def test_evidence_files_are_served_only_to_staff_and_the_operator(client, session, login, world):
    rectifications.answer_rectification(
        session, world["admin"], world["inspection"].id, "已整改完毕。", [checked_upload(PDF, "报告.pdf")]
    )
    session.commit()
    file_id = session.scalar(select(RectificationAnswer)).files[0].id
    login(world["stranger"].email)
    assert client.get(f"/campaigns/evidence/{file_id}").status_code == 403
    client.post("/logout")
    for user in (world["staff"], world["editor"]):
        login(user.email)
        response = client.get(f"/campaigns/evidence/{file_id}")
        assert response.status_code == 200 and response.data == PDF
        assert "attachment" in response.headers["Content-Disposition"]
        client.post("/logout")


def test_photos_are_served_only_to_staff_and_the_operating_member(client, login, world, session):
    observer, reviewer = make_user(session, "observer"), make_user(session, "reviewer")
    session.commit()
    allowed = (world["staff"], observer, world["admin"], world["editor"])
    for user in (*allowed, world["stranger"], reviewer):
        login(user.email)
        response = client.get(f"/campaigns/photos/{world['photo'].id}")
        if user in allowed:
            assert response.status_code == 200 and response.data == JPG and response.mimetype == "image/jpeg"
            assert "private" in response.headers["Cache-Control"]
        else:
            assert response.status_code == 403, user.role
        client.post("/logout")


def test_anonymous_visitors_are_sent_to_login(client, world):
    inspection_id = world["inspection"].id
    for path in (
        "/staff/campaigns",
        "/staff/campaigns/new",
        f"/staff/campaigns/{world['campaign'].id}",
        f"/staff/inspections/{inspection_id}",
        "/account/inspections",
        f"/account/inspections/{inspection_id}",
        f"/campaigns/photos/{world['photo'].id}",
    ):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    response = client.post(
        f"/staff/campaigns/{world['campaign'].id}/outlets/{world['other_outlet'].id}/inspect", data=form_fields()
    )
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_non_staff_cannot_open_campaigns_or_record_inspections(client, session, login, world):
    observer, reviewer = make_user(session, "observer"), make_user(session, "reviewer")
    session.commit()
    campaign_id, outlet_id = world["campaign"].id, world["other_outlet"].id
    path = f"/staff/campaigns/{campaign_id}/outlets/{outlet_id}/inspect"
    campaign_form = {"name": "越权核查", "starts_on": "2026-06-01", "ends_on": "2026-06-30", "cities": ["370600"]}
    for user in (world["admin"], world["editor"], observer, reviewer):
        login(user.email)
        assert client.get("/staff/campaigns/new").status_code == 403
        assert client.post("/staff/campaigns/new", data=campaign_form).status_code == 403
        assert client.get(path).status_code == 403
        assert client.post(path, data=form_fields()).status_code == 403
        reject = f"/staff/inspections/{world['inspection'].id}/reject"
        assert client.post(reject, data={"reason": "x"}).status_code == 403
        # observers read campaign pages (read-only staff); members and reviewers do not
        expected = 200 if user is observer else 403
        assert client.get(f"/staff/campaigns/{campaign_id}").status_code == expected, user.role
        client.post("/logout")
    assert count(session, Campaign) == 1 and count(session, Inspection) == 1
    assert session.get(Inspection, world["inspection"].id).rectification_state == "open"
    assert session.get(Outlet, outlet_id).status == "pending"


def test_bad_input_gives_chinese_errors_and_changes_nothing(app, client, session, login, world):
    login(world["staff"].email)
    campaign_id, outlet = world["campaign"].id, world["other_outlet"]
    path = f"/staff/campaigns/{campaign_id}/outlets/{outlet.id}/inspect"
    uploads = Path(app.config["PORTAL_DATA_DIR"]) / "uploads"
    files_before = len(list(uploads.iterdir()))

    wrong_type = client.post(path, data={**form_fields(), "photos": [upload(PDF, "伪装.jpg")]})
    assert wrong_type.status_code == 422 and "文件类型不符" in wrong_type.get_data(as_text=True)
    declared = app.config["UPLOAD_MAX_INSPECTION_PHOTO"]
    app.config["UPLOAD_MAX_INSPECTION_PHOTO"] = 32
    too_big = client.post(path, data={**form_fields(), "photos": [upload(JPG, "大图.jpg")]})
    assert too_big.status_code == 422 and "文件过大" in too_big.get_data(as_text=True)
    app.config["UPLOAD_MAX_INSPECTION_PHOTO"] = declared
    not_met = client.post(path, data={**form_fields(sign="not_met"), "photos": [upload(JPG, "a.jpg")]})
    assert not_met.status_code == 422 and "不能为“合规”" in not_met.get_data(as_text=True)
    no_deadline = client.post(path, data=form_fields(result="rectification", sign="not_met"))
    assert no_deadline.status_code == 422 and "必须填写整改期限" in no_deadline.get_data(as_text=True)
    missing = client.post(path, data={k: v for k, v in form_fields().items() if k != "item-sign"})
    assert missing.status_code == 422 and "请标明该项" in missing.get_data(as_text=True)
    bad_dates = client.post(
        "/staff/campaigns/new",
        data={"name": "日期有误", "starts_on": "2026-06-30", "ends_on": "2026-06-01", "cities": ["370600"]},
    )
    assert bad_dates.status_code == 422 and "结束日期不能早于开始日期" in bad_dates.get_data(as_text=True)
    garbled = client.post("/staff/campaigns/new", data={"name": "日期有误", "starts_on": "六月一日", "ends_on": "x"})
    assert garbled.status_code == 422 and "日期格式" in garbled.get_data(as_text=True)
    unknown = client.post(f"/staff/campaigns/{campaign_id}/outlets/999999/inspect", data=form_fields())
    assert unknown.status_code == 404 and "不在本次核查范围内" in unknown.get_data(as_text=True)
    assert client.get("/staff/campaigns/999999").status_code == 404
    assert client.get(f"/staff/campaigns/{campaign_id}?state=bogus").status_code == 422
    assert client.get(f"/staff/campaigns/{campaign_id}?page=0").status_code == 422
    assert client.get("/campaigns/photos/999999").status_code == 404
    client.post("/logout")
    login(world["admin"].email)
    exe = client.post(
        f"/account/inspections/{world['inspection'].id}/answer",
        data={"text": "附件格式不对。", "evidence": [upload(EXE, "报告.pdf")]},
    )
    assert exe.status_code == 422 and "文件类型不符" in exe.get_data(as_text=True)
    no_file = client.post(f"/account/inspections/{world['inspection'].id}/answer", data={"text": "没有附件。"})
    assert no_file.status_code == 422 and "请上传整改证明材料" in no_file.get_data(as_text=True)

    assert count(session, Campaign) == 1 and count(session, Inspection) == 1
    assert count(session, InspectionPhoto) == 1 and count(session, RectificationAnswer) == 0
    assert session.get(Outlet, outlet.id).status == "pending"
    assert len(list(uploads.iterdir())) == files_before
