"""Verification campaigns: open a campaign, record inspections (rectifications: ``rectifications.py``).

Every function takes a session and plain values, checks the rules, flushes and raises DomainError;
none commits. An outlet's public status changes only through ``portal.outlets.services.set_status``,
so its history, last-verified date and the search index follow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.auth.queries import enterprise_user_ids
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
)
from portal.core import audit, clock
from portal.core.actors import require_staff
from portal.core.dates import collect_date
from portal.core.enums import CITIES
from portal.core.files import CheckedUpload
from portal.core.roles import STAFF_READ
from portal.core.sql import insert_ignore
from portal.errors import Conflict, DomainError
from portal.notify.services import notify
from portal.outlets import services as outlet_services

# Upload sizes and counts are config keys: UPLOAD_MAX_INSPECTION_PHOTO(S), UPLOAD_MAX_RECTIFICATION_FILE(S).
PHOTO_KINDS = ("jpg", "png")
EVIDENCE_KINDS = ("pdf", "jpg", "png")
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


# --- checklist -----------------------------------------------------------------------------------


def current_checklist(session: Session) -> ChecklistVersion:
    """The newest checklist version; version 1 is written on first use (safe when two do it at once)."""
    if queries.latest_checklist(session) is None:
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
    return queries.latest_checklist(session)


# --- campaigns -----------------------------------------------------------------------------------


def open_campaign(session: Session, actor, data: CampaignInput, *, is_demo: bool = False) -> Campaign:
    """Staff open a campaign; its scope (cities and/or operators) is resolved to outlets now and kept."""
    require_staff(actor)
    errors: dict[str, str] = {}
    name = (data.name or "").strip()
    if not (2 <= len(name) <= 200):
        errors["name"] = _("请填写核查活动名称（2至200字）。")
    starts = collect_date(data.starts_on, errors, "starts_on", required_message=_("请填写开始日期。"))
    ends = collect_date(data.ends_on, errors, "ends_on", required_message=_("请填写结束日期。"))
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
    actor,
    campaign_id: int,
    outlet_id: int,
    data: InspectionInput,
    photos: Sequence[CheckedUpload] = (),
    *,
    is_demo: bool = False,
) -> Inspection:
    """Staff record an outlet's inspection; its result sets the outlet's public status and verified date."""
    require_staff(actor)
    campaign, outlet = queries.scope_entry(session, campaign_id, outlet_id)
    if queries.inspection_for(session, campaign.id, outlet.id) is not None:
        raise Conflict(_("该网点在本次核查中已有核查记录。"))
    errors: dict[str, str] = {}
    inspected_on = collect_date(data.inspected_on, errors, "inspected_on", required_message=_("请填写核查日期。"))
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
        missing = _("结论为“需整改”时必须填写整改期限。")
        deadline = collect_date(data.deadline, errors, "deadline", required_message=missing)
        if deadline is not None and inspected_on is not None and deadline <= inspected_on:
            errors["deadline"] = _("整改期限应晚于核查日期。")
    summary = (data.summary or "").strip()
    if len(summary) > TEXT_MAX:
        errors["summary"] = _("核查意见不能超过%(n)d字。", n=TEXT_MAX)
    max_photos = current_app.config["UPLOAD_MAX_INSPECTION_PHOTOS"]
    if len(photos) > max_photos:
        errors["photos"] = _("照片最多%(n)d张。", n=max_photos)
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
            title = _l("网点核查需整改：%(o)s", o=outlet.name)
            body = _l("整改期限：%(d)s。请在会员中心查看核查意见并提交整改情况。", d=deadline.isoformat())
        else:
            title = _l("网点核查结论为关闭：%(o)s", o=outlet.name)
            body = _l("该网点已在公开名录中标为“已关闭”。")
        notify_operator(session, outlet, inspection, title, body)
    return inspection


def notify_operator(session: Session, outlet, inspection, title, body) -> None:
    """Tell the admins of the outlet's operating member about its inspection (none: nobody to tell)."""
    if outlet.operator_enterprise_id:
        admins = enterprise_user_ids(session, outlet.operator_enterprise_id, admins_only=True)
        notify(session, admins, title, body, link=f"/account/inspections/{inspection.id}")
