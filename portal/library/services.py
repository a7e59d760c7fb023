"""Standards: validation, create/edit/publish with versions, status by date, attachments."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import jobs, search
from portal.core import audit, clock
from portal.core.enums import STANDARD_LEVELS, STANDARD_STATES, STANDARD_TOPICS
from portal.core.files import CheckedUpload, remove_after_commit
from portal.core.permissions import require
from portal.errors import DomainError, NotFound
from portal.library.models import Standard, StandardAttachment, StandardVersion
from portal.library.numbers import parse_number

log = logging.getLogger(__name__)
KIND = "standard"
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
MAX_INDEXED_CHARS = 500_000
# What a version snapshot keeps (and the audit log shows before and after an edit).
VALUE_FIELDS = (
    "number",
    "title_zh",
    "title_en",
    "level",
    "topic",
    "status",
    "published_on",
    "effective_on",
    "issuing_body",
    "drafting_bodies",
    "scope",
    "keywords",
    "official_url",
    "needs_check",
    "is_published",
)
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


def _actor_label(actor) -> str:
    if isinstance(actor, str):
        return actor
    return getattr(actor, "email", "") or getattr(actor, "name", "") or "system"


def _require_staff(actor) -> None:
    if not isinstance(actor, str):  # a string is a command, a job or the seed step
        require(getattr(actor, "is_staff", False))


def _date(raw: str, errors: dict, name: str) -> dt.date | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.replace("/", "-").replace(".", "-"))
    except ValueError:
        errors[name] = _("日期格式应为 YYYY-MM-DD，例如 2022-03-01。")
        return None


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
    values["published_on"] = _date(data.published_on, errors, "published_on")
    values["effective_on"] = _date(data.effective_on, errors, "effective_on")
    if values["published_on"] and values["effective_on"] and values["effective_on"] < values["published_on"]:
        errors["effective_on"] = _("实施日期不能早于发布日期。")
    values["issuing_body"] = (data.issuing_body or "").strip()[:300]
    values["drafting_bodies"] = (data.drafting_bodies or "").strip()[:5000]
    values["scope"] = (data.scope or "").strip()[:10000]
    values["keywords"] = (data.keywords or "").strip()[:500]
    url = (data.official_url or "").strip()
    if url and not URL_RE.match(url):
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


def get_standard(session: Session, standard_id: int) -> Standard:
    standard = session.get(Standard, standard_id)
    if standard is None:
        raise NotFound(_("标准不存在。"))
    return standard


def get_public(session: Session, standard_id: int) -> Standard:
    """A published standard; drafts are not found."""
    standard = session.get(Standard, standard_id)
    if standard is None or not standard.is_published:
        raise NotFound(_("标准不存在。"))
    return standard


def get_by_number(session: Session, number: str) -> Standard | None:
    parsed = parse_number(number)
    return session.scalar(select(Standard).where(Standard.number == parsed.printed)) if parsed else None


def _snapshot(standard: Standard) -> dict:
    values = audit.snapshot(standard, VALUE_FIELDS)
    values["replaces"] = [s.number for s in standard.replaces]
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


def _reindex(session: Session, *standards: Standard) -> None:
    for standard in standards:
        search.enqueue(session, KIND, standard.id)


def create_standard(session: Session, actor, data: StandardInput, *, publish: bool = False) -> Standard:
    """Staff add a standard, as a draft unless ``publish``."""
    _require_staff(actor)
    values = validate(session, data)
    standard = Standard(status="in_force", is_published=publish)
    _apply(standard, values, clock.today())
    session.add(standard)
    session.flush()
    _follow_dates(session, [standard, *standard.replaces], clock.today(), actor=None)
    _reindex(session, standard, *standard.replaces)
    audit.record(session, actor, "standard.create", "standard", standard.id, None, _snapshot(standard))
    return standard


def update_standard(session: Session, actor, standard_id: int, data: StandardInput) -> Standard:
    """Staff edit a standard; an edit of a published standard keeps the previous state as a version."""
    _require_staff(actor)
    standard = get_standard(session, standard_id)
    values = validate(session, data, current_id=standard.id)
    before = _snapshot(standard)
    old_replaces = list(standard.replaces)
    _apply(standard, values, clock.today())
    after = _snapshot(standard)
    if before == after:
        return standard
    if standard.is_published:
        session.add(
            StandardVersion(
                standard_id=standard.id,
                version=_next_version(session, standard.id),
                snapshot=before,
                actor_label=_actor_label(actor),
            )
        )
    session.flush()
    _follow_dates(session, [standard, *standard.replaces], clock.today(), actor=None)
    _reindex(session, standard, *set(old_replaces) | set(standard.replaces))
    audit.record(session, actor, "standard.update", "standard", standard.id, before, _snapshot(standard))
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
    _require_staff(actor)
    standard = get_standard(session, standard_id)
    if standard.is_published == published:
        return standard
    standard.is_published = published
    session.flush()
    _follow_dates(session, standard.replaces, clock.today(), actor=None)
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


def delete_standard(session: Session, actor, standard_id: int) -> None:
    """Staff delete a standard with its attachments (their files go once the deletion commits)."""
    _require_staff(actor)
    standard = get_standard(session, standard_id)
    before = _snapshot(standard)
    neighbours = [*standard.replaces, *standard.replaced_by]
    for attachment in standard.attachments:
        remove_after_commit(session, [attachment.file_name])
    session.delete(standard)
    session.flush()
    search.enqueue(session, KIND, standard_id)
    _reindex(session, *neighbours)
    audit.record(session, actor, "standard.delete", "standard", standard_id, before, None)


def history(session: Session, standard_id: int) -> list[dict]:
    """Versions newest first, each with the fields that the following edit changed."""
    standard = get_standard(session, standard_id)
    versions = list(
        session.scalars(
            select(StandardVersion)
            .where(StandardVersion.standard_id == standard_id)
            .order_by(StandardVersion.version.desc())
        )
    )
    later = _snapshot(standard)
    rows = []
    for version in versions:
        changes = {
            key: (version.snapshot.get(key), later.get(key))
            for key in later
            if version.snapshot.get(key) != later.get(key)
        }
        rows.append({"version": version, "changes": changes})
        later = version.snapshot
    return rows


# --- status by date -----------------------------------------------------------------------------


def _follow_dates(session: Session, standards, today: dt.date, *, actor) -> list[Standard]:
    """Apply the date rules to the given standards; returns those whose status changed."""
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
            before = standard.status
            standard.status = new
            changed.append(standard)
            if actor is not None:
                audit.record(
                    session,
                    actor,
                    "standard.status_by_date",
                    "standard",
                    standard.id,
                    {"status": before},
                    {"status": new},
                )
    if changed:
        session.flush()
    return changed


@jobs.register("library.status_by_date", every=dt.timedelta(hours=1))
def apply_dates(session: Session, now: dt.datetime | None = None) -> int:
    """Make standards whose effective date has come 现行, and those their successor replaced 被代替."""
    today = clock.local(now).date() if now else clock.today()
    candidates = session.scalars(select(Standard).where(Standard.status.in_(("upcoming", "in_force"))))
    changed = _follow_dates(session, list(candidates), today, actor="jobs")
    _reindex(session, *changed)
    return len(changed)


# --- attachments --------------------------------------------------------------------------------


def extract_pdf_text(data: bytes) -> tuple[str, str]:
    """The PDF's text and how it went: ``indexed``, ``no_text`` (a scan) or ``unparsable``."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        parts, size = [], 0
        for page in reader.pages:
            text = page.extract_text() or ""
            parts.append(text)
            size += len(text)
            if size > MAX_INDEXED_CHARS:
                break
    except Exception:  # pypdf raises many kinds of errors on damaged files
        log.info("PDF text could not be extracted", exc_info=True)
        return "", "unparsable"
    text = "\n".join(parts)[:MAX_INDEXED_CHARS].replace("\x00", "")
    return (text, "indexed") if text.strip() else ("", "no_text")


def add_pdf(session: Session, actor, standard_id: int, upload: CheckedUpload, label: str = "") -> StandardAttachment:
    """Store the full text PDF (checked already) and index its text; a PDF without text is kept too."""
    _require_staff(actor)
    standard = get_standard(session, standard_id)
    if upload.kind != "pdf":
        raise DomainError(_("只接受 PDF 文件。"), {"file": _("只接受 PDF 文件。")})
    text, text_status = extract_pdf_text(upload.data)
    stored = upload.save(session)
    attachment = StandardAttachment(
        standard_id=standard.id,
        kind="pdf",
        label=(label or "").strip()[:200] or _("标准全文"),
        file_name=stored.name,
        original_name=stored.original_name,
        mime=stored.mime,
        size=stored.size,
        text=text,
        text_status=text_status,
    )
    session.add(attachment)
    session.flush()
    session.refresh(standard, ["attachments"])
    _reindex(session, standard)
    audit.record(
        session,
        actor,
        "standard.attachment.add",
        "standard",
        standard.id,
        None,
        {"attachment": attachment.id, "file": stored.original_name, "size": stored.size, "text": text_status},
    )
    return attachment


def add_link(session: Session, actor, standard_id: int, url: str, label: str = "") -> StandardAttachment:
    """A link to the official source of the full text."""
    _require_staff(actor)
    standard = get_standard(session, standard_id)
    url = (url or "").strip()
    if not URL_RE.match(url) or len(url) > 500:
        raise DomainError(_("链接应以 http:// 或 https:// 开头。"), {"url": _("链接应以 http:// 或 https:// 开头。")})
    attachment = StandardAttachment(
        standard_id=standard.id, kind="link", url=url, label=(label or "").strip()[:200] or _("官方全文公开")
    )
    session.add(attachment)
    session.flush()
    audit.record(session, actor, "standard.attachment.add", "standard", standard.id, None, {"url": url})
    return attachment


def delete_attachment(session: Session, actor, standard_id: int, attachment_id: int) -> None:
    """Delete an attachment; its file leaves the disk once the deletion commits."""
    _require_staff(actor)
    attachment = session.get(StandardAttachment, attachment_id)
    if attachment is None or attachment.standard_id != standard_id:
        raise NotFound(_("附件不存在。"))
    standard = get_standard(session, standard_id)
    remove_after_commit(session, [attachment.file_name])
    before = {"attachment": attachment.id, "file": attachment.original_name, "url": attachment.url}
    session.delete(attachment)
    session.flush()
    session.refresh(standard, ["attachments"])
    _reindex(session, standard)
    audit.record(session, actor, "standard.attachment.delete", "standard", standard_id, before, None)


def get_attachment(session: Session, standard_id: int, attachment_id: int, *, public: bool) -> StandardAttachment:
    standard = get_public(session, standard_id) if public else get_standard(session, standard_id)
    attachment = session.get(StandardAttachment, attachment_id)
    if attachment is None or attachment.standard_id != standard.id:
        raise NotFound(_("附件不存在。"))
    return attachment


def load_catalogue(session: Session, entries: list[dict], *, actor: str = "标准目录") -> list[Standard]:
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
