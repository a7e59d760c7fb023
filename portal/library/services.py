"""Standards: validation, create/edit/publish with versions, status by date (attachments: attachments.py)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import jobs, search
from portal.core import audit, clock
from portal.core.actors import SystemActor, actor_label, require_staff, system
from portal.core.dates import collect_date
from portal.core.enums import STANDARD_LEVELS, STANDARD_STATES, STANDARD_TOPICS
from portal.core.files import remove_after_commit
from portal.core.validators import HTTP_URL
from portal.errors import DomainError
from portal.library.models import Standard, StandardDrafter, StandardVersion
from portal.library.numbers import parse_number
from portal.library.queries import get_by_number, get_standard, snapshot

KIND = "standard"
STATUS_JOB = system("job:library.status_by_date")
CATALOGUE = system("library catalogue")
# Statuses that dates do not change: a standard withdrawn or out for comment stays so until staff act.
SETTLED = ("draft_for_comment", "replaced", "withdrawn")


@dataclass(frozen=True)
class StandardInput:
    """Raw values as staff or a content file give them (strings; codes or Chinese labels)."""

    number: str = ""
    title_zh: str = ""
    title_en: str = ""
    level: str = ""
    topic: str = ""
    status: str = ""  # empty: follow the dates
    published_on: str = ""
    effective_on: str = ""
    issuing_body: str = ""
    drafting_bodies: str = ""
    scope: str = ""
    keywords: str = ""
    replaces: str = ""  # numbers separated by commas, semicolons or new lines
    official_url: str = ""
    needs_check: bool = False


def status_by_date(effective_on: dt.date | None, today: dt.date) -> str:
    """The status a standard's dates give it when nobody set one."""
    if effective_on is not None and effective_on > today:
        return "upcoming"
    return "in_force"


def validate(session: Session, data: StandardInput, *, current_id: int | None = None) -> dict:
    """Check raw input; return clean values or raise DomainError with a Chinese message per field."""
    errors: dict[str, str] = {}
    values: dict = {}
    parsed = parse_number(data.number)
    if parsed is None:
        errors["number"] = _("标准编号无法识别，应如 GB/T 34015.3-2021。")
    else:
        values.update(
            number=parsed.printed, prefix=parsed.prefix, base_number=parsed.base_key, part=parsed.part, year=parsed.year
        )
        other = session.scalar(select(Standard.id).where(Standard.number == parsed.printed))
        if other is not None and other != current_id:
            errors["number"] = _("标准编号 %(n)s 已存在。", n=parsed.printed)
    title = (data.title_zh or "").strip()
    if not (2 <= len(title) <= 300):
        errors["title_zh"] = _("请填写中文标准名称。")
    values["title_zh"] = title
    values["title_en"] = (data.title_en or "").strip()[:300]
    for name, enum, message in (
        ("level", STANDARD_LEVELS, _("请选择标准级别。")),
        ("topic", STANDARD_TOPICS, _("请选择标准类别。")),
    ):
        values[name] = enum.parse(data.__getattribute__(name))
        if values[name] is None:
            errors[name] = message
    values["status"] = None
    if (data.status or "").strip():
        values["status"] = STANDARD_STATES.parse(data.status)
        if values["status"] is None:
            errors["status"] = _("状态应为征求意见、即将实施、现行、被代替或废止。")
    values["published_on"] = collect_date(data.published_on, errors, "published_on")
    values["effective_on"] = collect_date(data.effective_on, errors, "effective_on")
    if values["published_on"] and values["effective_on"] and values["effective_on"] < values["published_on"]:
        errors["effective_on"] = _("实施日期不能早于发布日期。")
    values["issuing_body"] = (data.issuing_body or "").strip()[:300]
    values["drafting_bodies"] = (data.drafting_bodies or "").strip()[:5000]
    values["scope"] = (data.scope or "").strip()[:10000]
    values["keywords"] = (data.keywords or "").strip()[:500]
    url = (data.official_url or "").strip()
    if url and not HTTP_URL.match(url):
        errors["official_url"] = _("链接应以 http:// 或 https:// 开头。")
    values["official_url"] = url[:500]
    values["needs_check"] = bool(data.needs_check)
    replaces: list[Standard] = []
    missing = []
    for raw in filter(None, (p.strip() for p in re.split(r"[,，;；\n]+", data.replaces or ""))):
        number = parse_number(raw)
        found = session.scalar(select(Standard).where(Standard.number == number.printed)) if number else None
        if found is None:
            missing.append(raw)
        elif found.id == current_id:
            errors["replaces"] = _("标准不能代替它自己。")
        elif found not in replaces:
            replaces.append(found)
    if missing:
        errors["replaces"] = _("标准库中没有：%(n)s（请先录入被代替的标准）。", n="、".join(missing))
    values["replaces"] = replaces
    if errors:
        raise DomainError(_("标准信息有误。"), errors)
    return values


def _apply(standard: Standard, values: dict, today: dt.date) -> None:
    status = values.pop("status")
    replaces = values.pop("replaces")
    for key, value in values.items():
        setattr(standard, key, value)
    standard.replaces = replaces
    if status is None and standard.status not in SETTLED:
        status = status_by_date(standard.effective_on, today)
    if status is not None:
        standard.status = status


DRAFTER_SEPARATORS = re.compile(r"[\n;；、]+")


def drafter_names(text: str) -> list[str]:
    """The drafting organisations in the order written: one per line (or separated by 、 or ;), duplicates dropped."""
    names: list[str] = []
    for part in DRAFTER_SEPARATORS.split(text or ""):
        name = part.strip()[:200]
        if name and name not in names:
            names.append(name)
    return names


def sync_drafters(session: Session, standard: Standard) -> None:
    """Rebuild the standard's ordered drafting organisations from its 起草单位 text, linking exact member names."""
    from portal.members.queries import member_ids_by_names

    names = drafter_names(standard.drafting_bodies)
    members = member_ids_by_names(session, names)
    standard.drafters = [
        StandardDrafter(position=i, name=name, enterprise_id=members.get(name)) for i, name in enumerate(names)
    ]


def _reindex(session: Session, *standards: Standard) -> None:
    for standard in standards:
        search.enqueue(session, KIND, standard.id)


def create_standard(session: Session, actor, data: StandardInput, *, publish: bool = False) -> Standard:
    """Staff add a standard, as a draft unless ``publish``."""
    require_staff(actor)
    values = validate(session, data)
    standard = Standard(status="in_force", is_published=publish)
    _apply(standard, values, clock.today())
    session.add(standard)
    sync_drafters(session, standard)
    session.flush()
    _follow_dates(session, [standard, *standard.replaces], clock.today())
    _reindex(session, standard, *standard.replaces)
    audit.record(session, actor, "standard.create", "standard", standard.id, None, snapshot(standard))
    return standard


def update_standard(session: Session, actor, standard_id: int, data: StandardInput) -> Standard:
    """Staff edit a standard; an edit of a published standard keeps the previous state as a version."""
    require_staff(actor)
    standard = get_standard(session, standard_id)
    values = validate(session, data, current_id=standard.id)
    before = snapshot(standard)
    old_replaces = list(standard.replaces)
    _apply(standard, values, clock.today())
    after = snapshot(standard)
    if before == after:
        return standard
    sync_drafters(session, standard)
    if standard.is_published:
        session.add(
            StandardVersion(
                standard_id=standard.id,
                version=_next_version(session, standard.id),
                snapshot=before,
                actor_label=actor_label(actor),
            )
        )
    session.flush()
    _follow_dates(session, [standard, *standard.replaces], clock.today())
    _reindex(session, standard, *set(old_replaces) | set(standard.replaces))
    audit.record(session, actor, "standard.update", "standard", standard.id, before, snapshot(standard))
    return standard


def _next_version(session: Session, standard_id: int) -> int:
    last = session.scalar(
        select(StandardVersion.version)
        .where(StandardVersion.standard_id == standard_id)
        .order_by(StandardVersion.version.desc())
        .limit(1)
    )
    return (last or 0) + 1


def set_published(session: Session, actor, standard_id: int, published: bool) -> Standard:
    """Staff publish a draft (the public sees it) or take a standard back to draft."""
    require_staff(actor)
    standard = get_standard(session, standard_id)
    if standard.is_published == published:
        return standard
    standard.is_published = published
    session.flush()
    _follow_dates(session, standard.replaces, clock.today())
    _reindex(session, standard, *standard.replaces, *standard.replaced_by)
    audit.record(
        session,
        actor,
        "standard.publish" if published else "standard.unpublish",
        "standard",
        standard.id,
        {"is_published": not published},
        {"is_published": published},
    )
    return standard


def confirm_dates(session: Session, actor, standard_id: int) -> Standard:
    """Staff confirm a standard's entry as shown (its dates checked against the source): no longer 待核实."""
    require_staff(actor)
    standard = get_standard(session, standard_id)
    if not standard.needs_check:
        return standard
    standard.needs_check = False
    session.flush()
    _reindex(session, standard)
    dates = {"published_on": _iso(standard.published_on), "effective_on": _iso(standard.effective_on)}
    audit.record(
        session,
        actor,
        "standard.confirm",
        "standard",
        standard.id,
        {"needs_check": True},
        {"needs_check": False, **dates},
    )
    return standard


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def delete_standard(session: Session, actor, standard_id: int) -> None:
    """Staff delete a standard with its attachments (their files go once the deletion commits)."""
    require_staff(actor)
    standard = get_standard(session, standard_id)
    before = snapshot(standard)
    neighbours = [*standard.replaces, *standard.replaced_by]
    for attachment in standard.attachments:
        remove_after_commit(session, [attachment.file_name])
    session.delete(standard)
    session.flush()
    search.enqueue(session, KIND, standard_id)
    _reindex(session, *neighbours)
    audit.record(session, actor, "standard.delete", "standard", standard_id, before, None)


# --- status by date -----------------------------------------------------------------------------


def _follow_dates(session: Session, standards, today: dt.date) -> list[tuple[Standard, str]]:
    """Apply the date rules to the given standards; returns those whose status changed, with the old one."""
    changed = []
    for standard in standards:
        new = standard.status
        if standard.status == "upcoming" and standard.effective_on is not None and standard.effective_on <= today:
            new = "in_force"
        if standard.status in ("upcoming", "in_force") and any(
            s.is_published
            and s.effective_on is not None
            and s.effective_on <= today
            and s.status not in ("draft_for_comment", "withdrawn")
            for s in standard.replaced_by
        ):
            new = "replaced"
        if new != standard.status:
            changed.append((standard, standard.status))
            standard.status = new
    if changed:
        session.flush()
    return changed


@jobs.register("library.status_by_date", every=dt.timedelta(hours=1))
def apply_dates(session: Session, now: dt.datetime | None = None) -> int:
    """Make standards whose effective date has come 现行, and those their successor replaced 被代替."""
    today = clock.local(now).date() if now else clock.today()
    candidates = session.scalars(select(Standard).where(Standard.status.in_(("upcoming", "in_force"))))
    changed = _follow_dates(session, list(candidates), today)
    for standard, before in changed:
        audit.record(
            session,
            STATUS_JOB,
            "standard.status_by_date",
            "standard",
            standard.id,
            {"status": before},
            {"status": standard.status},
        )
    _reindex(session, *(standard for standard, _before in changed))
    return len(changed)


def load_catalogue(session: Session, entries: list[dict], *, actor: SystemActor = CATALOGUE) -> list[Standard]:
    """Add the catalogue's standards that are not there yet, published; returns those added."""
    added = []
    for entry in entries:
        if get_by_number(session, entry["number"]) is not None:
            continue
        data = StandardInput(
            **{k: v for k, v in entry.items() if k in StandardInput.__dataclass_fields__ and k != "needs_check"},
            needs_check=bool(entry.get("needs_check")),
        )
        added.append(create_standard(session, actor, data, publish=True))
    return added
