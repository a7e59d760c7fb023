"""Reading standards: one by id or number, a version history, and finding them (a query that is a
standard number filters by its parts; other text uses the index)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from portal import search
from portal.core import audit
from portal.core.enums import STANDARD_LEVELS, STANDARD_STATES, STANDARD_TOPICS
from portal.core.paging import Page
from portal.core.sql import get_or_not_found
from portal.errors import DomainError, NotFound
from portal.library.models import Standard, StandardAttachment, StandardDrafter, StandardVersion
from portal.library.numbers import StandardNumber, parse_number

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


def get_standard(session: Session, standard_id: int) -> Standard:
    """A standard, drafts too; NotFound when there is none."""
    return get_or_not_found(session, Standard, standard_id, _("标准不存在。"))


def get_public(session: Session, standard_id: int) -> Standard:
    """A published standard; drafts are not found."""
    standard = session.get(Standard, standard_id)
    if standard is None or not standard.is_published:
        raise NotFound(_("标准不存在。"))
    return standard


def visible_standard(session: Session, standard_id: int, *, staff: bool) -> Standard | None:
    """The standard if the viewer may see it (drafts only for staff readers), else None."""
    standard = session.get(Standard, standard_id)
    if standard is None or not (standard.is_published or staff):
        return None
    return standard


def get_by_number(session: Session, number: str) -> Standard | None:
    """The standard with this number in any usual spelling, or None."""
    parsed = parse_number(number)
    return session.scalar(select(Standard).where(Standard.number == parsed.printed)) if parsed else None


def get_attachment(session: Session, standard_id: int, attachment_id: int, *, public: bool) -> StandardAttachment:
    """An attachment of the standard (of a published one, when public); NotFound otherwise."""
    standard = get_public(session, standard_id) if public else get_standard(session, standard_id)
    attachment = session.get(StandardAttachment, attachment_id)
    if attachment is None or attachment.standard_id != standard.id:
        raise NotFound(_("附件不存在。"))
    return attachment


def snapshot(standard: Standard) -> dict:
    """The standard's values as a version keeps them (replaced numbers included)."""
    values = audit.snapshot(standard, VALUE_FIELDS)
    values["replaces"] = [s.number for s in standard.replaces]
    return values


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
    later = snapshot(standard)
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


@dataclass
class StandardFilters:
    """What the catalogue is filtered by: a query (number or words) and codes of the facets."""

    q: str | None = None
    level: str | None = None
    status: str | None = None
    topic: str | None = None
    year: int | None = None

    @property
    def number(self) -> StandardNumber | None:
        """The query read as a standard number (``34015``, ``gbt34015.3``), if it is one."""
        return parse_number(self.q, allow_bare=True) if self.q else None

    def facets(self) -> dict:
        return {
            "level": self.level,
            "status": self.status,
            "topic": self.topic,
            "year": str(self.year) if self.year else None,
        }


def parse_filters(args) -> StandardFilters:
    """Read filters from query arguments (codes or Chinese labels); DomainError names a bad one."""
    errors: dict[str, str] = {}
    filters = StandardFilters(q=(args.get("q") or "").strip()[:100] or None)
    for name, enum in (("level", STANDARD_LEVELS), ("status", STANDARD_STATES), ("topic", STANDARD_TOPICS)):
        raw = (args.get(name) or "").strip()
        if raw:
            code = enum.parse(raw)
            if code is None:
                errors[name] = _("无法识别的取值：%(v)s", v=raw)
            setattr(filters, name, code)
    raw_year = (args.get("year") or "").strip()
    if raw_year:
        if raw_year.isascii() and raw_year.isdigit() and len(raw_year) == 4 and 1950 <= int(raw_year) <= 2100:
            filters.year = int(raw_year)
        else:
            errors["year"] = _("年份应为四位数字，例如 2021。")
    if errors:
        raise DomainError(_("查询参数无效。"), errors)
    return filters


def _ordered(stmt: Select) -> Select:
    return stmt.order_by(
        Standard.prefix,
        func.length(Standard.base_number),
        Standard.base_number,
        func.coalesce(Standard.part, 0),
        Standard.year,
        Standard.id,
    )


def _sql(filters: StandardFilters, *, public: bool = True) -> Select:
    stmt = select(Standard)
    if public:
        stmt = stmt.where(Standard.is_published)
    for name in ("level", "status", "topic", "year"):
        value = getattr(filters, name)
        if value:
            stmt = stmt.where(getattr(Standard, name) == value)
    number = filters.number
    if number is not None:
        stmt = stmt.where(Standard.base_number == number.base_key)
        if number.prefix:
            stmt = stmt.where(Standard.prefix == number.prefix)
        if number.part is not None:
            stmt = stmt.where(Standard.part == number.part)
        elif number.year is not None:  # a year without part names one edition of the whole standard
            stmt = stmt.where(Standard.part.is_(None))
        if number.year is not None:
            stmt = stmt.where(Standard.year == number.year)
    return stmt


def find(session: Session, filters: StandardFilters, page: int, per_page: int) -> Page:
    """One page of published standards: by number parts, by the index for text, else in number order."""
    if filters.q and filters.number is None:
        hits = search.search(filters.q, kinds=["standard"], filters=filters.facets(), page=page, per_page=per_page)
        ids = [object_id for _kind, object_id in hits.keys]
        rows = {s.id: s for s in session.scalars(select(Standard).where(Standard.id.in_(ids), Standard.is_published))}
        return Page([rows[i] for i in ids if i in rows], hits.total, page, per_page)
    stmt = _sql(filters)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = list(session.scalars(_ordered(stmt).limit(per_page).offset((page - 1) * per_page)))
    return Page(items, total, page, per_page)


def staff_list(session: Session, q: str, page: int, per_page: int) -> Page:
    """Every standard, drafts too, for staff: by number, or a fragment of the number or title."""
    stmt = select(Standard)
    text = (q or "").strip()[:100]
    if text:
        number = parse_number(text, allow_bare=True)
        if number is not None:
            stmt = _sql(StandardFilters(q=text), public=False)
        else:
            like = f"%{text.replace('%', '').replace('_', '')}%"
            stmt = stmt.where(or_(Standard.title_zh.like(like), Standard.number.like(like)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = list(session.scalars(_ordered(stmt).limit(per_page).offset((page - 1) * per_page)))
    return Page(items, total, page, per_page)


def years(session: Session) -> list[int]:
    """Years of published standards, newest first, for the filter list."""
    stmt = select(Standard.year).where(Standard.is_published, Standard.year.is_not(None)).distinct()
    return sorted(session.scalars(stmt), reverse=True)


def drafted_by(session: Session, enterprise_id: int) -> list[Standard]:
    """Published standards an enterprise is recorded as a drafting organisation of (read by benchmarks)."""
    drafted = select(StandardDrafter.standard_id).where(StandardDrafter.enterprise_id == enterprise_id)
    stmt = select(Standard).where(Standard.id.in_(drafted), Standard.is_published.is_(True)).order_by(Standard.number)
    return list(session.scalars(stmt))
