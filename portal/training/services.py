"""Training: materials (public or members-only), events, registration with a waiting list, attendance.

Every registration change updates the event's ``registered_count`` row, so two sign-ups racing for
the last seat serialise on it (SQLite: the write lock; PostgreSQL: a retried 40001 at REPEATABLE READ).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import search
from portal.core import audit, clock
from portal.core.enums import Enumeration, Item
from portal.core.files import CheckedUpload, remove_after_commit
from portal.core.permissions import require
from portal.errors import DomainError, NotFound
from portal.training.models import TrainingEvent, TrainingFile, TrainingMaterial, TrainingRegistration

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
FILE_MAX_BYTES = 50 * 1024 * 1024
MAX_FILES = 10
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
MATERIAL_FIELDS = ("title", "summary", "audience", "topic", "level", "members_only", "video_links")


# --- materials ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialInput:
    title: str = ""
    summary: str = ""
    audience: str = ""
    topic: str = ""
    level: str = ""
    members_only: bool = False
    video_links: str = ""  # one URL a line


def validate_material(data: MaterialInput) -> dict:
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
    bad = [link for link in links if not URL_RE.match(link) or len(link) > 500]
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
    require(getattr(actor, "is_staff", False))
    values = validate_material(data)
    if len(files) > MAX_FILES or any(f.kind not in FILE_KINDS for f in files):
        message = _("文件只接受 PDF 或 PPTX，最多%(n)d个。", n=MAX_FILES)
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
    require(getattr(actor, "is_staff", False))
    material = get_material(session, material_id)
    names = [f.file for f in material.files]
    before = audit.snapshot(material, MATERIAL_FIELDS)
    session.delete(material)
    search.enqueue(session, KIND, material_id)
    audit.record(session, actor, "training.material.delete", "training_material", material_id, before, None)
    remove_after_commit(session, names)
    session.flush()


def get_material(session: Session, material_id: int) -> TrainingMaterial:
    material = session.get(TrainingMaterial, material_id)
    if material is None:
        raise NotFound(_("培训资料不存在。"))
    return material


def is_member_user(session: Session, user) -> bool:
    """A user of an enterprise that is an admitted member (an applicant's users are not)."""
    from portal.members.services import is_admitted_member

    return is_admitted_member(session, user)


def may_open(session: Session, viewer, material: TrainingMaterial) -> bool:
    """Public materials for everyone; members-only ones for member users and staff (and observers)."""
    if not material.members_only:
        return True
    if not getattr(viewer, "is_authenticated", False):
        return False
    return viewer.role in ("staff", "admin", "observer") or is_member_user(session, viewer)


def materials(session: Session, *, topic: str | None = None) -> list[TrainingMaterial]:
    stmt = select(TrainingMaterial).order_by(TrainingMaterial.created_at.desc(), TrainingMaterial.id.desc())
    if topic:
        stmt = stmt.where(TrainingMaterial.topic == topic)
    return list(session.scalars(stmt))


# --- events -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventInput:
    title: str = ""
    description: str = ""
    starts_at: str | dt.datetime = ""  # local time, "2026-12-10 09:00"
    ends_at: str | dt.datetime = ""
    place: str = ""
    online_url: str = ""
    capacity: str | int = ""


def _local_datetime(raw, errors: dict, name: str) -> dt.datetime | None:
    if isinstance(raw, dt.datetime):
        return raw if raw.tzinfo else raw.replace(tzinfo=clock.LOCAL_TZ)
    text = (raw or "").strip().replace("T", " ")
    try:
        return dt.datetime.fromisoformat(text).replace(tzinfo=clock.LOCAL_TZ)
    except ValueError:
        errors[name] = _("时间格式应为 2026-12-10 09:00。")
        return None


def create_event(session: Session, actor, data: EventInput, *, is_demo: bool = False) -> TrainingEvent:
    """Staff announce a training event with a place or an online link and a capacity."""
    require(getattr(actor, "is_staff", False))
    errors: dict[str, str] = {}
    title = " ".join((data.title or "").split())
    if not (2 <= len(title) <= 300):
        errors["title"] = _("请填写培训名称。")
    starts = _local_datetime(data.starts_at, errors, "starts_at")
    ends = _local_datetime(data.ends_at, errors, "ends_at")
    if starts and ends and ends <= starts:
        errors["ends_at"] = _("结束时间应晚于开始时间。")
    place, url = (data.place or "").strip()[:300], (data.online_url or "").strip()
    if url and not URL_RE.match(url):
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


def get_event(session: Session, event_id: int) -> TrainingEvent:
    event = session.get(TrainingEvent, event_id)
    if event is None:
        raise NotFound(_("培训活动不存在。"))
    return event


def upcoming_events(session: Session) -> list[TrainingEvent]:
    return list(
        session.scalars(
            select(TrainingEvent).where(TrainingEvent.ends_at >= clock.now()).order_by(TrainingEvent.starts_at)
        )
    )


def registration_of(session: Session, event_id: int, user_id: int) -> TrainingRegistration | None:
    return session.scalar(
        select(TrainingRegistration).where(
            TrainingRegistration.event_id == event_id, TrainingRegistration.user_id == user_id
        )
    )


def register(session: Session, actor, event_id: int) -> TrainingRegistration:
    """A member user takes a seat, or a place on the waiting list when the event is full."""
    require(is_member_user(session, actor), _("只有会员企业的用户可以报名。"))
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
        _("候补转为正式报名：%(t)s", t=event.title),
        _("有人取消报名，您已从候补名单转为正式报名。培训时间：%(w)s。", w=when),
        link,
    )
    return first


def registrations(session: Session, event_id: int) -> list[TrainingRegistration]:
    order = {"registered": 0, "waiting": 1, "cancelled": 2}
    rows = list(
        session.scalars(
            select(TrainingRegistration)
            .where(TrainingRegistration.event_id == event_id)
            .order_by(TrainingRegistration.queued_at, TrainingRegistration.id)
        )
    )
    return sorted(rows, key=lambda r: order.get(r.state, 9))


def record_attendance(session: Session, actor, event_id: int, attended_ids: Sequence[int]) -> int:
    """Staff mark who of the registered attended (the others are marked absent); returns attendees."""
    require(getattr(actor, "is_staff", False))
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
