"""The technical standards catalogue (标准库): public list and detail, staff management, API."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import func, select

from portal import search
from portal.search.engine import SearchDocument

bp = Blueprint("library", __name__)


def standard_document(standard) -> SearchDocument | None:
    """The index entry of a published standard (drafts stay out of the index)."""
    from portal.core.enums import STANDARD_LEVELS, STANDARD_STATES, STANDARD_TOPICS

    if not standard.is_published:
        return None
    return SearchDocument(
        kind="standard",
        id=standard.id,
        title=f"{standard.number} {standard.title_zh}",
        texts=[
            standard.title_en,
            standard.keywords,
            standard.scope,
            standard.issuing_body,
            standard.drafting_bodies,
            STANDARD_LEVELS.label(standard.level, "zh"),
            STANDARD_TOPICS.label(standard.topic, "zh"),
            STANDARD_STATES.label(standard.status, "zh"),
            " ".join(s.number for s in (*standard.replaces, *standard.replaced_by) if s.is_published),
            *(a.text for a in standard.attachments if a.text),
        ],
        facets={
            "level": standard.level,
            "status": standard.status,
            "topic": standard.topic,
            "year": str(standard.year or ""),
            "prefix": standard.prefix,
        },
        date=int(standard.published_on.strftime("%Y%m%d")) if standard.published_on else None,
    )


def _load(session, ids):
    from portal.library.models import Standard

    found = {s.id: standard_document(s) for s in session.scalars(select(Standard).where(Standard.id.in_(ids)))}
    return {i: found.get(i) for i in ids}


def _all_ids(session):
    from portal.library.models import Standard

    return session.scalars(select(Standard.id).where(Standard.is_published).order_by(Standard.id))


def _count(session):
    from portal.library.models import Standard

    return session.scalar(select(func.count()).select_from(Standard).where(Standard.is_published)) or 0


def _present(session, ids):
    from portal.core.enums import STANDARD_STATES
    from portal.library.models import Standard

    def text(s) -> str:
        from portal.core.enums import STANDARD_LEVELS, STANDARD_TOPICS

        parts = (s.scope, s.keywords, s.title_en, *(a.text for a in s.attachments if a.text))
        return (
            "　".join(p for p in parts if p) or f"{STANDARD_LEVELS.label(s.level)} · {STANDARD_TOPICS.label(s.topic)}"
        )

    return {
        s.id: search.Presented(
            title=f"{s.number} {s.title_zh}",
            url=f"/standards/{s.id}",
            text=text(s),
            date=s.published_on,
            label=STANDARD_STATES.label(s.status),
        )
        for s in session.scalars(select(Standard).where(Standard.id.in_(ids)))
    }


def number_query(query: str) -> str:
    """A query that is a standard number in any spacing or width (gbt34015, GB／T 34015.3) becomes its
    printed form as one quoted phrase, so the portal-wide search finds that standard."""
    from portal.library.numbers import parse_number

    parsed = parse_number(query)
    return f'"{parsed.printed}"' if parsed else query


search.register_source("standard", load=_load, all_ids=_all_ids, count=_count, present=_present)

from portal.library import api, views  # noqa: E402,F401
from portal.search.views import REWRITERS  # noqa: E402

REWRITERS.append(number_query)
