"""What features register: a source per kind (how records become documents and how a hit is shown,
its label and its facets) and query rewriters. Nothing here names a feature."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.search.engine import SearchDocument


@dataclass(frozen=True)
class Presented:
    """How a search result is shown: its title, link, the text fragments are cut from, its date."""

    title: str
    url: str
    text: str
    date: dt.date | None = None
    label: str = ""  # e.g. the kind or level shown beside the title


@dataclass(frozen=True)
class Source:
    """One kind of record in the index."""

    kind: str
    load: Callable[[Session, list[int]], dict[int, SearchDocument | None]]
    all_ids: Callable[[Session], Iterable[int]]
    count: Callable[[Session], int]
    present: Callable[[Session, list[int]], dict[int, Presented]] | None = None
    label: object = None  # the kind's name shown to readers (a lazy_gettext string); the kind if None
    # facet name -> the enumeration (portal.core.enums.REGISTRY name) its codes come from, or None
    facets: Mapping[str, str | None] = field(default_factory=dict)
    shown_facets: tuple[str, ...] = ()  # facets offered on /search (and as API filters)


SOURCES: dict[str, Source] = {}
REWRITERS: list[Callable[[str], str]] = []  # fn(query) -> query, applied to /search queries in order


def register_source(
    kind: str, *, load, all_ids, count, present=None, label=None, facets=None, shown_facets=()
) -> Source:
    """Declare how records of `kind` become documents, and (for /search) how a hit is shown."""
    source = Source(kind, load, all_ids, count, present, label, dict(facets or {}), tuple(shown_facets))
    SOURCES[kind] = source
    return source


def register_model_source(
    kind: str,
    model,
    *,
    document: Callable[[object], SearchDocument | None],
    present: Callable[[object], Presented],
    label=None,
    facets: Mapping[str, str | None] | None = None,
    shown_facets: Iterable[str] = (),
    visible: Callable[[], object] | None = None,
    shown_with: Sequence = (),
    index_rows: bool = False,
    indexed_with: Sequence = (),
) -> Source:
    """A source over one table: `document(record)` is its index entry (None keeps it out),
    `present(record)` how a hit is shown, `visible()` (a where-clause, called per query) which
    rows count as indexed (all when None), `shown_with` the loader options of the rows shown as hits
    (a page of hits needs less than an index entry: the model's eager loads can be left out there). With
    `index_rows`, `document` is given the table's plain rows rather than objects (cheaper to load: a
    rebuild loads every row), for an entry made from the table's own columns only; else `indexed_with`
    gives the loader options of the objects made into entries."""

    def where(statement):
        return statement.where(visible()) if visible is not None else statement

    def load(session: Session, ids: list[int]) -> dict[int, SearchDocument | None]:
        if index_rows:
            table = model.__table__
            rows = session.execute(select(table).where(table.c.id.in_(ids)))
        else:
            rows = session.scalars(select(model).where(model.id.in_(ids)).options(*indexed_with))
        found = {row.id: document(row) for row in rows}
        return {i: found.get(i) for i in ids}

    def all_ids(session: Session) -> Iterable[int]:
        return session.scalars(where(select(model.id)).order_by(model.id))

    def count(session: Session) -> int:
        return session.scalar(where(select(func.count()).select_from(model))) or 0

    def show(session: Session, ids: list[int]) -> dict[int, Presented]:
        rows = session.scalars(select(model).where(model.id.in_(ids)).options(*shown_with))
        return {row.id: present(row) for row in rows}

    return register_source(
        kind,
        load=load,
        all_ids=all_ids,
        count=count,
        present=show,
        label=label,
        facets=facets,
        shown_facets=shown_facets,
    )


def register_rewriter(rewrite: Callable[[str], str]) -> None:
    """Add fn(query) -> query for /search (e.g. a standard number typed in any spacing)."""
    if rewrite not in REWRITERS:
        REWRITERS.append(rewrite)


def kind_label(kind: str) -> str:
    """The kind's name in the reader's language."""
    source = SOURCES.get(kind)
    return str(source.label) if source is not None and source.label is not None else kind


def shown_facets() -> tuple[str, ...]:
    """ "kind", then every facet some source offers on /search, alphabetically."""
    return ("kind", *sorted({name for source in SOURCES.values() for name in source.shown_facets}))


def facet_enums(name: str) -> list[str]:
    """The enumerations a facet's codes are looked up in first (a code such as "pending" exists in
    several lists), by kind name so the order never depends on which feature was imported first."""
    names: list[str] = []
    for kind in sorted(SOURCES):
        enum = SOURCES[kind].facets.get(name)
        if enum and enum not in names:
            names.append(enum)
    return names
