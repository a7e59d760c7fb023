"""The library's search source "standard" (published standards only) and its query rewriter."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import lazyload, selectinload

from portal import search
from portal.library.models import Standard


def standard_document(standard) -> search.SearchDocument | None:
    """The index entry of a published standard (drafts stay out of the index)."""
    from portal.core.enums import STANDARD_LEVELS, STANDARD_STATES, STANDARD_TOPICS

    if not standard.is_published:
        return None
    return search.SearchDocument(
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


def present_standard(standard) -> search.Presented:
    """A standard as a search result."""
    from portal.core.enums import STANDARD_LEVELS, STANDARD_STATES, STANDARD_TOPICS

    parts = (standard.scope, standard.keywords, standard.title_en, *(a.text for a in standard.attachments if a.text))
    text = "　".join(p for p in parts if p) or (
        f"{STANDARD_LEVELS.label(standard.level)} · {STANDARD_TOPICS.label(standard.topic)}"
    )
    return search.Presented(
        title=f"{standard.number} {standard.title_zh}",
        url=f"/standards/{standard.id}",
        text=text,
        date=standard.published_on,
        label=STANDARD_STATES.label(standard.status),
    )


def number_query(query: str) -> str:
    """A query that is a standard number in any spacing or width (gbt34015, GB／T 34015.3) becomes its
    printed form as one quoted phrase, so the portal-wide search finds that standard."""
    from portal.library.numbers import parse_number

    parsed = parse_number(query)
    return f'"{parsed.printed}"' if parsed else query


_NOT_NESTED = (
    lazyload(Standard.replaces),
    lazyload(Standard.replaced_by),
    lazyload(Standard.attachments),
    lazyload(Standard.drafters),
)
search.register_model_source(
    "standard",
    Standard,
    document=standard_document,
    present=present_standard,
    label=_l("标准"),
    facets={"status": "standard_state", "level": "standard_level", "topic": "standard_topic"},
    shown_facets=("level", "status", "topic", "year"),
    visible=lambda: Standard.is_published,
    # A hit shows the attachments' text; what the standard replaces, or who drafted it, is not shown.
    shown_with=(lazyload(Standard.replaces), lazyload(Standard.replaced_by), lazyload(Standard.drafters)),
    # An entry names the standards replaced and replacing (by number), not theirs in turn, nor the drafters:
    # without this the related standards' own relationships are loaded one standard at a time.
    indexed_with=(
        selectinload(Standard.replaces).options(*_NOT_NESTED),
        selectinload(Standard.replaced_by).options(*_NOT_NESTED),
        lazyload(Standard.drafters),
    ),
)
search.register_rewriter(number_query)
