"""Training: materials (public or members-only), events, registration with a waiting list, attendance.

Every registration change updates the event's ``registered_count`` row, so two sign-ups racing for
the last seat serialise on it (SQLite: the write lock; PostgreSQL: a retried 40001 at REPEATABLE READ).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import search
from portal.core import audit, clock
from portal.core.actors import require_staff
from portal.core.dates import collect_datetime
from portal.core.enums import Enumeration, Item
from portal.core.files import CheckedUpload, check_uploads, remove_after_commit
from portal.core.permissions import require
from portal.core.validators import HTTP_URL, is_http_url
from portal.errors import DomainError
from portal.training.models import TrainingEvent, TrainingFile, TrainingMaterial, TrainingRegistration
from portal.training.queries import get_event, get_material, registration_of, registrations

KIND = "training"
TOPICS = Enumeration(
    "training_topic",
    [
        Item("policy", "政策法规", "Policy and regulation"),
        Item("traceability", "溯源管理", "Traceability"),
        Item("safety", "安全与环保", "Safety and environment"),
        Item("outlet", "回收网点运营", "Outlet operation"),
        Item("cascade", "梯次利用", "Cascade use"),
        Item("recycling", "再生利用", "Recycling"),
        Item("standards", "标准解读", "Standards"),
    ],
)
LEVELS = Enumeration(
    "training_level",
    [
        Item("basic", "入门", "Basic"),
        Item("intermediate", "进阶", "Intermediate"),
        Item("advanced", "高级", "Advanced"),
    ],
)
REGISTRATION_STATES = Enumeration(
    "registration_state",
    [
        Item("registered", "已报名", "Registered"),
        Item("waiting", "候补中", "On the waiting list"),
        Item("cancelled", "已取消", "Cancelled"),
    ],
)
FILE_KINDS = ("pdf", "pptx")
MATERIAL_FIELDS = ("title", "summary", "audience", "topic", "level", "members_only", "video_links")


# --- materials ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialInput:
    """Raw values of a training material as staff give them."""

    title: str = ""
    summary: str = ""
    audience: str = ""
    topic: str = ""
    level: str = ""
    members_only: bool = False
    video_links: str = ""  # one URL a line


def validate_material(data: MaterialInput) -> dict:
    """Clean values or DomainError with a Chinese message per field."""
    errors: dict[str, str] = {}
    title = " ".join((data.title or "").split())
    if not (2 <= len(title) <= 300):
        errors["title"] = _("请填写标题（2至300字）。")
    topic = TOPICS.parse(data.topic)
    if topic is None:
        errors["topic"] = _("请选择主题。")
    level = LEVELS.parse(data.level)
    if level is None:
        errors["level"] = _("请选择难度。")
    links = [line.strip() for line in (data.video_links or "").splitlines() if line.strip()]
    bad = [link for link in links if not is_http_url(link)]
    if bad:
        errors["video_links"] = _("视频链接应以 http:// 或 https:// 开头：%(v)s", v=bad[0][:60])
    if errors:
        raise DomainError(_("培训资料信息有误。"), errors)
    return {
        "title": title,
        "summary": (data.summary or "").strip(),
        "audience": (data.audience or "").strip()[:200],
        "topic": topic,
        "level": level,
        "members_only": bool(data.members_only),
        "video_links": links,
    }


def create_material(
    session: Session, actor, data: MaterialInput, files: Sequence[CheckedUpload] = (), *, is_demo: bool = False
) -> TrainingMaterial:
    """Staff add a material with PDF or slide files and/or video links."""
    require_staff(actor)
    values = validate_material(data)
    limit = current_app.config["UPLOAD_MAX_TRAINING_FILES"]
    if len(files) > limit or any(f.kind not in FILE_KINDS for f in files):
        message = _("文件只接受 PDF 或 PPTX，最多%(n)d个。", n=limit)
        raise DomainError(message, {"files": message})
    if not files and not values["video_links"]:
        message = _("请上传文件或填写视频链接。")
        raise DomainError(message, {"files": message})
    material = TrainingMaterial(**values, created_by_id=actor.id, is_demo=is_demo)
    session.add(material)
    session.flush()
    for upload in files:
        stored = upload.save(session)
        material.files.append(
            TrainingFile(file=stored.name, original_name=stored.original_name, mime=stored.mime, size=stored.size)
        )
    search.enqueue(session, KIND, material.id)
    audit.record(session, actor, "training.material.create", "training_material", material.id, None, values)
    session.flush()
    return material


def delete_material(session: Session, actor, material_id: int) -> None:
    """Staff delete a material; its files are removed once the deletion commits."""
    require_staff(actor)
    material = get_material(session, material_id)
    names = [f.file for f in material.files]
    before = audit.snapshot(material, MATERIAL_FIELDS)
    session.delete(material)
    search.enqueue(session, KIND, material_id)
    audit.record(session, actor, "training.material.delete", "training_material", material_id, before, None)
    remove_after_commit(session, names)
    session.flush()


# --- events -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventInput:
    """Raw values of a training event as staff give them (times in Shandong time)."""

    title: str = ""
    description: str = ""
    starts_at: str | dt.datetime = ""  # local time, "2026-12-10 09:00"
    ends_at: str | dt.datetime = ""
    place: str = ""
    online_url: str = ""
    capacity: str | int = ""


def create_event(session: Session, actor, data: EventInput, *, is_demo: bool = False) -> TrainingEvent:
    """Staff announce a training event with a place or an online link and a capacity."""
    require_staff(actor)
    errors: dict[str, str] = {}
    title = " ".join((data.title or "").split())
    if not (2 <= len(title) <= 300):
        errors["title"] = _("请填写培训名称。")
    starts = collect_datetime(data.starts_at, errors, "starts_at", required_message=_("请填写开始时间。"))
    ends = collect_datetime(data.ends_at, errors, "ends_at", required_message=_("请填写结束时间。"))
    if starts and ends and ends <= starts:
        errors["ends_at"] = _("结束时间应晚于开始时间。")
    place, url = (data.place or "").strip()[:300], (data.online_url or "").strip()
    if url and not HTTP_URL.match(url):
        errors["online_url"] = _("线上链接应以 http:// 或 https:// 开头。")
    if not place and not url:
        errors["place"] = _("请填写地点或线上链接。")
    try:
        capacity = int(str(data.capacity).strip())
        if not 1 <= capacity <= 10000:
            raise ValueError
    except ValueError:
        errors["capacity"] = _("名额应为1至10000的整数。")
        capacity = 0
    if errors:
        raise DomainError(_("培训活动信息有误。"), errors)
    event = TrainingEvent(
        title=title,
        description=(data.description or "").strip(),
        starts_at=starts,
        ends_at=ends,
        place=place,
        online_url=url[:500],
        capacity=capacity,
        created_by_id=actor.id,
        is_demo=is_demo,
    )
    session.add(event)
    session.flush()
    audit.record(session, actor, "training.event.create", "training_event", event.id, None, {"title": title})
    return event


def register(session: Session, actor, event_id: int) -> TrainingRegistration:
    """A member user takes a seat, or a place on the waiting list when the event is full."""
    from portal.members.queries import require_admitted_member

    require_admitted_member(session, actor, _("只有会员企业的用户可以报名。"))  # says why when suspended or lapsed
    event = get_event(session, event_id)
    if event.starts_at <= clock.now():
        raise DomainError(_("培训已开始或已结束，不能报名。"))
    existing = registration_of(session, event.id, actor.id)
    if existing is not None and existing.state != "cancelled":
        raise DomainError(_("您已报名或在候补名单中。"))
    state = "registered" if event.registered_count < event.capacity else "waiting"
    if existing is None:
        existing = TrainingRegistration(event_id=event.id, user_id=actor.id, enterprise_id=actor.enterprise_id)
        session.add(existing)
    existing.state, existing.queued_at, existing.attended = state, clock.now(), None
    if state == "registered":
        event.registered_count += 1
    else:  # still write the event row, so sign-ups serialise on it
        session.execute(
            TrainingEvent.__table__.update().where(TrainingEvent.id == event.id).values(capacity=event.capacity)
        )
    session.flush()
    return existing


def cancel(session: Session, actor, event_id: int) -> TrainingRegistration | None:
    """Cancel one's registration; a freed seat goes to the first on the waiting list, who is notified.

    Returns the promoted registration, if any.
    """
    require(getattr(actor, "is_authenticated", False))
    event = get_event(session, event_id)
    mine = registration_of(session, event.id, actor.id)
    if mine is None or mine.state == "cancelled":
        raise DomainError(_("您没有报名这次培训。"))
    was_registered = mine.state == "registered"
    mine.state = "cancelled"
    promoted = None
    if was_registered:
        event.registered_count -= 1
        promoted = _promote(session, event)
    else:
        session.execute(
            TrainingEvent.__table__.update().where(TrainingEvent.id == event.id).values(capacity=event.capacity)
        )
    session.flush()
    return promoted


def _promote(session: Session, event: TrainingEvent) -> TrainingRegistration | None:
    if event.registered_count >= event.capacity:
        return None
    first = session.scalar(
        select(TrainingRegistration)
        .where(TrainingRegistration.event_id == event.id, TrainingRegistration.state == "waiting")
        .order_by(TrainingRegistration.queued_at, TrainingRegistration.id)
        .limit(1)
    )
    if first is None:
        return None
    first.state = "registered"
    event.registered_count += 1
    session.flush()
    from flask import url_for

    from portal.notify.services import notify

    try:
        link = url_for("training.event", event_id=event.id)
    except RuntimeError:  # outside a request (a command)
        link = f"/training/events/{event.id}"
    when = clock.format_datetime(event.starts_at)
    notify(
        session,
        [first.user_id],
        _l("候补转为正式报名：%(t)s", t=event.title),
        _l("有人取消报名，您已从候补名单转为正式报名。培训时间：%(w)s。", w=when),
        link,
    )
    return first


def record_attendance(session: Session, actor, event_id: int, attended_ids: Sequence[int]) -> int:
    """Staff mark who of the registered attended (the others are marked absent); returns attendees."""
    require_staff(actor)
    event = get_event(session, event_id)
    wanted = set(attended_ids)
    rows = [r for r in registrations(session, event.id) if r.state == "registered"]
    unknown = wanted - {r.id for r in rows}
    if unknown:
        raise DomainError(_("出勤名单中有不属于本次培训正式报名的人员。"))
    now = clock.now()
    for row in rows:
        row.attended = row.id in wanted
        row.attendance_recorded_at = now
    audit.record(session, actor, "training.attendance", "training_event", event.id, None, {"attended": sorted(wanted)})
    session.flush()
    return len(wanted)


def check_files(file_storages) -> list[CheckedUpload]:
    """The uploaded files, checked as PDF or PPTX within UPLOAD_MAX_TRAINING_FILE and _FILES."""
    return check_uploads(
        file_storages,
        field="files",
        allowed=FILE_KINDS,
        max_bytes=current_app.config["UPLOAD_MAX_TRAINING_FILE"],
        limit=current_app.config["UPLOAD_MAX_TRAINING_FILES"],
    )
