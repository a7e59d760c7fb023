"""Verification campaigns: open a campaign, record inspections, answer and close rectifications.

Every function takes a session and plain values, checks the rules, flushes and raises DomainError;
none commits. An outlet's public status changes only through ``portal.outlets.services.set_status``,
so its history, last-verified date and the search index follow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.auth.models import User
from portal.campaigns import queries
from portal.campaigns.checklist import (
    CHECKLIST_V1,
    CHECKLIST_V1_SOURCE,
    CHECKLIST_V1_TITLE,
    OUTCOMES,
    RESULT_STATUS,
    RESULTS,
    applies,
)
from portal.campaigns.models import (
    Campaign,
    CampaignOutlet,
    ChecklistVersion,
    Inspection,
    InspectionItem,
    InspectionPhoto,
    RectificationAnswer,
    RectificationFile,
)
from portal.core import audit, clock
from portal.core.enums import CITIES
from portal.core.files import CheckedUpload
from portal.core.permissions import STAFF_READ, require
from portal.core.sql import insert_ignore
from portal.errors import Conflict, DomainError, NotFound
from portal.notify.services import notify
from portal.outlets import services as outlet_services

PHOTO_KINDS = ("jpg", "png")
EVIDENCE_KINDS = ("pdf", "jpg", "png")
PHOTO_MAX_BYTES = 5 * 1024 * 1024
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 12
MAX_EVIDENCE = 6
NOTE_MAX = 1000
TEXT_MAX = 5000


# --- values coming in ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignInput:
    """A campaign as staff describe it: dates as text (YYYY-MM-DD), cities as codes or names."""

    name: str = ""
    starts_on: str | dt.date = ""
    ends_on: str | dt.date = ""
    cities: tuple[str, ...] = ()
    operators: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemMark:
    """One checklist item as marked by the inspector: met, not_met or na (codes or Chinese labels)."""

    code: str
    outcome: str = ""
    note: str = ""


@dataclass(frozen=True)
class InspectionInput:
    inspected_on: str | dt.date = ""
    result: str = ""
    deadline: str | dt.date = ""
    summary: str = ""
    items: tuple[ItemMark, ...] = ()


def parse_date(raw: str | dt.date | None, errors: dict[str, str], name: str, missing: str) -> dt.date | None:
    """A date from YYYY-MM-DD (or a date); records a Chinese message under name when it is not one."""
    if isinstance(raw, dt.date):
        return raw
    text = (raw or "").strip().replace("/", "-")
    if not text:
        errors[name] = missing
        return None
    try:
        value = dt.date.fromisoformat(text)
    except ValueError:
        errors[name] = _("日期格式应为“年-月-日”，例如 2026-12-01。")
        return None
    if not (2000 <= value.year <= 2100):
        errors[name] = _("日期超出合理范围。")
        return None
    return value


# --- checklist -----------------------------------------------------------------------------------


def current_checklist(session: Session) -> ChecklistVersion:
    """The newest checklist version; version 1 is written on first use (safe when two do it at once)."""
    if session.scalar(select(ChecklistVersion.id).limit(1)) is None:
        insert_ignore(
            session,
            ChecklistVersion,
            {
                "version": 1,
                "title": CHECKLIST_V1_TITLE,
                "source": CHECKLIST_V1_SOURCE,
                "items": CHECKLIST_V1,
                "created_at": clock.now(),
            },
        )
    return session.scalar(select(ChecklistVersion).order_by(ChecklistVersion.version.desc()).limit(1))


# --- campaigns -----------------------------------------------------------------------------------


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(_("核查活动不存在。"))
    return campaign


def open_campaign(session: Session, actor: User, data: CampaignInput, *, is_demo: bool = False) -> Campaign:
    """Staff open a campaign; its scope (cities and/or operators) is resolved to outlets now and kept."""
    require(actor.is_staff)
    errors: dict[str, str] = {}
    name = (data.name or "").strip()
    if not (2 <= len(name) <= 200):
        errors["name"] = _("请填写核查活动名称（2至200字）。")
    starts = parse_date(data.starts_on, errors, "starts_on", _("请填写开始日期。"))
    ends = parse_date(data.ends_on, errors, "ends_on", _("请填写结束日期。"))
    if starts and ends and ends < starts:
        errors["ends_on"] = _("结束日期不能早于开始日期。")
    cities: list[str] = []
    for raw in data.cities:
        if not (raw or "").strip():
            continue
        code = CITIES.parse(raw)
        if code is None:
            errors["cities"] = _("未知城市“%(v)s”：应为山东省16个地级市之一。", v=raw)
        elif code not in cities:
            cities.append(code)
    operators = list(dict.fromkeys(o.strip()[:200] for o in data.operators if (o or "").strip()))
    unknown = [o for o in operators if not queries.operator_exists(session, o)]
    if unknown:
        errors["operators"] = _("未找到运营企业：%(v)s。", v="、".join(unknown[:5]))
    if not cities and not operators and "cities" not in errors:
        errors["cities"] = _("请至少选择一个城市或一家运营企业。")
    if errors:
        raise DomainError(_("核查活动信息有误，请更正标出的项目。"), errors)
    scope = queries.resolve_scope(session, cities, operators)
    if not scope:
        message = _("所选范围内没有可核查的网点（已关闭的网点不纳入核查）。")
        raise DomainError(message, {"cities": message})
    checklist = current_checklist(session)
    campaign = Campaign(
        name=name,
        starts_on=starts,
        ends_on=ends,
        checklist_version_id=checklist.id,
        scope_cities=cities,
        scope_operators=operators,
        created_by_id=actor.id,
        is_demo=is_demo,
    )
    session.add(campaign)
    session.flush()
    session.add_all(CampaignOutlet(campaign_id=campaign.id, outlet_id=oid, city=city) for oid, city in scope)
    session.flush()
    audit.record(
        session,
        actor,
        "campaign.open",
        "campaign",
        campaign.id,
        None,
        {
            "name": name,
            "starts_on": starts,
            "ends_on": ends,
            "cities": cities,
            "operators": operators,
            "outlets": len(scope),
            "checklist_version": checklist.version,
        },
    )
    return campaign


# --- inspections ---------------------------------------------------------------------------------


def get_inspection(session: Session, inspection_id: int) -> Inspection:
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFound(_("核查记录不存在。"))
    return inspection


def can_view(user, operator_enterprise_id: int | None) -> bool:
    """Staff (and observers) see every finding; a member only those about outlets it operates."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role in STAFF_READ:
        return True
    return bool(user.is_member and operator_enterprise_id is not None and user.enterprise_id == operator_enterprise_id)


def _item_marks(checklist_items: list[dict], outlet_type: str, data: InspectionInput, errors: dict) -> list[dict]:
    marks = {m.code: m for m in data.items}
    codes = {item["code"] for item in checklist_items}
    if set(marks) - codes:
        errors["items"] = _("提交了清单中没有的检查项。")
    rows = []
    for position, item in enumerate(checklist_items):
        code = item["code"]
        mark = marks.get(code)
        note = ((mark.note if mark else "") or "").strip()
        if len(note) > NOTE_MAX:
            errors[f"note-{code}"] = _("备注不能超过%(n)d字。", n=NOTE_MAX)
        if not applies(item, outlet_type):
            outcome = "na"  # e.g. thermal imaging at a collection outlet: not applicable, whatever was sent
        else:
            raw = (mark.outcome if mark else "") or ""
            outcome = OUTCOMES.parse(raw) if raw.strip() else None
            if outcome is None:
                errors[f"item-{code}"] = _("请标明该项“符合”或“不符合”。")
            elif outcome == "na":
                errors[f"item-{code}"] = _("该项适用于此类网点，不能标为“不适用”。")
        rows.append({"position": position, "code": code, "outcome": outcome, "note": note})
    return rows


def record_inspection(
    session: Session,
    actor: User,
    campaign_id: int,
    outlet_id: int,
    data: InspectionInput,
    photos: Sequence[CheckedUpload] = (),
    *,
    is_demo: bool = False,
) -> Inspection:
    """Staff record an outlet's inspection; its result sets the outlet's public status and verified date."""
    require(actor.is_staff)
    campaign = get_campaign(session, campaign_id)
    if not queries.in_scope(session, campaign.id, outlet_id):
        raise NotFound(_("该网点不在本次核查范围内。"))
    outlet = outlet_services.get_outlet(session, outlet_id)
    if queries.inspection_for(session, campaign.id, outlet.id) is not None:
        raise Conflict(_("该网点在本次核查中已有核查记录。"))
    errors: dict[str, str] = {}
    inspected_on = parse_date(data.inspected_on, errors, "inspected_on", _("请填写核查日期。"))
    if inspected_on is not None:
        if inspected_on > clock.today():
            errors["inspected_on"] = _("核查日期不能晚于今天。")
        elif not (campaign.starts_on <= inspected_on <= campaign.ends_on):
            start, end = campaign.starts_on.isoformat(), campaign.ends_on.isoformat()
            errors["inspected_on"] = _("核查日期应在核查期间内（%(a)s 至 %(b)s）。", a=start, b=end)
    result = RESULTS.parse(data.result) if (data.result or "").strip() else None
    if result is None:
        errors["result"] = _("请选择核查结论。")
    rows = _item_marks(campaign.checklist.items, outlet.type, data, errors)
    not_met = [r["code"] for r in rows if r["outcome"] == "not_met"]
    if result == "compliant" and not_met:
        errors["result"] = _("有检查项“不符合”，结论不能为“合规”：请选择“需整改”或“关闭”。")
    deadline = None
    if result == "rectification":
        deadline = parse_date(data.deadline, errors, "deadline", _("结论为“需整改”时必须填写整改期限。"))
        if deadline is not None and inspected_on is not None and deadline <= inspected_on:
            errors["deadline"] = _("整改期限应晚于核查日期。")
    summary = (data.summary or "").strip()
    if len(summary) > TEXT_MAX:
        errors["summary"] = _("核查意见不能超过%(n)d字。", n=TEXT_MAX)
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = _("照片最多%(n)d张。", n=MAX_PHOTOS)
    if any(p.kind not in PHOTO_KINDS for p in photos):
        errors["photos"] = _("照片只接受 JPG 或 PNG 文件。")
    if errors:
        raise DomainError(_("核查记录有误，请更正标出的项目。"), errors)

    inspection = Inspection(
        campaign_id=campaign.id,
        outlet_id=outlet.id,
        inspected_on=inspected_on,
        inspector_id=actor.id,
        inspector_label=actor.name or actor.email,
        result=result,
        deadline=deadline,
        summary=summary,
        rectification_state="open" if result == "rectification" else None,
        is_demo=is_demo,
        items=[InspectionItem(**row) for row in rows],
    )
    try:
        with session.begin_nested():  # two inspectors saving the same outlet at once: the second is told
            session.add(inspection)
            session.flush()
    except IntegrityError:
        raise Conflict(_("该网点在本次核查中已有核查记录。")) from None
    for upload in photos:
        stored = upload.save(session)
        inspection.photos.append(
            InspectionPhoto(file=stored.name, original_name=stored.original_name, mime=stored.mime, size=stored.size)
        )
    session.flush()
    label = RESULTS.label(result, "zh")
    outlet_services.set_status(
        session,
        actor,
        outlet.id,
        RESULT_STATUS[result],
        _("%(c)s：核查结论“%(r)s”", c=campaign.name, r=label),
        verified_on=inspected_on,
    )
    audit.record(
        session,
        actor,
        "inspection.record",
        "inspection",
        inspection.id,
        None,
        {
            "campaign_id": campaign.id,
            "outlet": outlet.code,
            "inspected_on": inspected_on,
            "result": result,
            "deadline": deadline,
            "not_met": not_met,
            "photos": len(photos),
        },
    )
    if result in ("rectification", "closed") and outlet.operator_enterprise_id:
        if result == "rectification":
            title = _("网点核查需整改：%(o)s", o=outlet.name)
            body = _("整改期限：%(d)s。请在会员中心查看核查意见并提交整改情况。", d=deadline.isoformat())
        else:
            title = _("网点核查结论为关闭：%(o)s", o=outlet.name)
            body = _("该网点已在公开名录中标为“已关闭”。")
        notify(
            session,
            _admin_ids(session, outlet.operator_enterprise_id),
            title,
            body,
            link=f"/account/inspections/{inspection.id}",
        )
    return inspection


# --- rectification ------------------------------------------------------------------------------


def answer_rectification(
    session: Session, actor: User, inspection_id: int, text: str, evidence: Sequence[CheckedUpload]
) -> RectificationAnswer:
    """The operator's enterprise admin answers a rectification finding with a text and evidence files."""
    inspection = get_inspection(session, inspection_id)
    outlet = outlet_services.get_outlet(session, inspection.outlet_id)
    require(
        actor.role == "member_admin"
        and actor.enterprise_id is not None
        and actor.enterprise_id == outlet.operator_enterprise_id,
        _("只有该网点运营企业的管理员可以答复整改。"),
    )
    if inspection.rectification_state == "answered":
        raise Conflict(_("整改情况已提交，正在等待协会审核。"))
    if inspection.rectification_state != "open":
        raise Conflict(_("该核查结论没有待答复的整改要求。"))
    errors: dict[str, str] = {}
    body = (text or "").strip()
    if len(body) < 5:
        errors["text"] = _("请说明整改情况（至少5个字）。")
    elif len(body) > TEXT_MAX:
        errors["text"] = _("整改说明不能超过%(n)d字。", n=TEXT_MAX)
    if not evidence:
        errors["evidence"] = _("请上传整改证明材料（PDF、JPG 或 PNG）。")
    elif len(evidence) > MAX_EVIDENCE:
        errors["evidence"] = _("证明材料最多%(n)d个文件。", n=MAX_EVIDENCE)
    elif any(f.kind not in EVIDENCE_KINDS for f in evidence):
        errors["evidence"] = _("证明材料只接受 PDF、JPG 或 PNG 文件。")
    if errors:
        raise DomainError(_("整改答复有误，请更正标出的项目。"), errors)
    answer = RectificationAnswer(inspection_id=inspection.id, text=body, answered_by_id=actor.id)
    for upload in evidence:
        stored = upload.save(session)
        answer.files.append(
            RectificationFile(file=stored.name, original_name=stored.original_name, mime=stored.mime, size=stored.size)
        )
    session.add(answer)
    inspection.rectification_state = "answered"
    session.flush()
    notify(
        session,
        queries.staff_user_ids(session),
        _("整改答复待审核：%(o)s", o=outlet.name),
        body[:200],
        link=f"/staff/inspections/{inspection.id}",
    )
    return answer


def decide_rectification(
    session: Session, actor: User, inspection_id: int, accept: bool, reason: str = ""
) -> RectificationAnswer:
    """Staff close a rectification: accept (the outlet becomes 合规, verified today) or reject with a reason."""
    require(actor.is_staff)
    inspection = get_inspection(session, inspection_id)
    if inspection.rectification_state != "answered" or not inspection.answers:
        raise Conflict(_("没有待审核的整改答复。"))
    reason = (reason or "").strip()
    if not accept and not reason:
        raise DomainError(_("请填写驳回理由，企业将看到它。"), {"reason": _("请填写驳回理由。")})
    if len(reason) > TEXT_MAX:
        raise DomainError(_("理由不能超过%(n)d字。", n=TEXT_MAX), {"reason": _("理由过长。")})
    outlet = outlet_services.get_outlet(session, inspection.outlet_id)
    campaign = get_campaign(session, inspection.campaign_id)
    answer = inspection.answers[-1]
    answer.decision = "accepted" if accept else "rejected"
    answer.decision_reason = reason
    answer.decided_by_id = actor.id
    answer.decided_at = clock.now()
    inspection.rectification_state = "accepted" if accept else "open"
    session.flush()
    if accept:
        outlet_services.set_status(
            session, actor, outlet.id, "compliant", _("%(c)s：整改通过", c=campaign.name), verified_on=clock.today()
        )
    audit.record(
        session,
        actor,
        "rectification.accept" if accept else "rectification.reject",
        "inspection",
        inspection.id,
        {"rectification_state": "answered"},
        {"rectification_state": inspection.rectification_state, "answer_id": answer.id, "reason": reason},
    )
    if outlet.operator_enterprise_id:
        title = _("整改已通过：%(o)s", o=outlet.name) if accept else _("整改未通过，请继续整改：%(o)s", o=outlet.name)
        notify(
            session,
            _admin_ids(session, outlet.operator_enterprise_id),
            title,
            reason,
            link=f"/account/inspections/{inspection.id}",
        )
    return answer


def _admin_ids(session: Session, enterprise_id: int) -> list[int]:
    from portal.members.services import colleagues

    return [u.id for u in colleagues(session, enterprise_id) if u.role == "member_admin" and u.is_active]
