"""/search: one box over every registered kind, with facets, fragments, paging and sorting;
and GET /api/v1/search."""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import search
from portal.api import bp as api_bp
from portal.api.openapi import describe, error_response, page_of, paging
from portal.core import enums, uow
from portal.core.paging import Page, parse_paging
from portal.core.permissions import can_see_members_only
from portal.errors import DomainError
from portal.search import sources
from portal.search.highlight import fragment
from portal.web import query_link

PER_PAGE, MAX_PER_PAGE = 10, 50  # results a page: the default and the cap (the API document says the same)

bp = Blueprint("search", __name__)
REWRITERS = sources.REWRITERS  # features add theirs with search.register_rewriter


def facet_names() -> tuple[str, ...]:
    """The facets counted and offered: "kind" and those the registered sources show."""
    return sources.shown_facets()


def facet_label(name: str, value: str) -> str:
    """A facet value in the reader's language."""
    if name == "kind":
        return sources.kind_label(value)
    enum = _facet_enum(name, value)
    return enum.label(value) if enum is not None else value


def _facet_enum(name: str, value: str):
    """The enumeration a facet's value is labelled from: the facet's own first, then any that has it."""
    # asked for every facet value on every page: looked up once per value, again should a feature add an
    # enumeration or a source later (they register theirs as they are imported)
    return _facet_enum_of(name, value, len(enums.REGISTRY), len(sources.SOURCES))


@lru_cache(maxsize=4096)
def _facet_enum_of(name: str, value: str, _enums: int, _sources: int):
    preferred = [enums.REGISTRY[n] for n in sources.facet_enums(name) if n in enums.REGISTRY]
    return next((enum for enum in preferred + list(enums.REGISTRY.values()) if value in enum), None)


def sees_members_only() -> bool:
    """Users of admitted member enterprises, staff and observers (as for the files themselves)."""
    if not current_user.is_authenticated:
        return False
    return can_see_members_only(uow.session(), current_user)


def parse_request(args) -> dict:
    """q, filters, sort and paging from query arguments; DomainError names what is wrong."""
    q = (args.get("q") or "").strip()[:200]
    sort = args.get("sort") or "relevance"
    if sort not in ("relevance", "date"):
        raise DomainError(_("sort 只能是 relevance 或 date。"), {"sort": _("只能是 relevance 或 date。")})
    kinds = [k for k in args.getlist("kind") if k]
    unknown = [k for k in kinds if k not in search.SOURCES]
    if unknown:
        raise DomainError(_("未知的类别：%(k)s", k="、".join(unknown)), {"kind": _("未知的类别。")})
    filters = {name: args.get(name) for name in facet_names()[1:] if args.get(name)}
    if "year" in filters and not (filters["year"].isdigit() and len(filters["year"]) == 4):
        raise DomainError(_("year 应为四位年份。"), {"year": _("应为四位年份。")})
    page, per_page = parse_paging(args, default_per_page=PER_PAGE, max_per_page=MAX_PER_PAGE)
    for rewrite in sources.REWRITERS:
        q = rewrite(q)
    return {"q": q, "kinds": kinds, "filters": filters, "sort": sort, "page": page, "per_page": per_page}


def run(params: dict):
    """Search, then load what each hit shows (in rank order)."""
    exclude = {} if sees_members_only() else {"access": "members"}
    hits = search.search(
        params["q"],
        kinds=params["kinds"] or None,
        filters=params["filters"],
        exclude=exclude,
        page=params["page"],
        per_page=params["per_page"],
        sort=params["sort"],
        facet_names=facet_names(),
    )
    by_kind: dict[str, list[int]] = {}
    for kind, object_id in hits.keys:
        by_kind.setdefault(kind, []).append(object_id)
    shown: dict[tuple[str, int], search.Presented] = {}
    session = uow.session()
    for kind, ids in by_kind.items():
        source = search.SOURCES.get(kind)
        if source and source.present:
            for object_id, presented in source.present(session, ids).items():
                shown[(kind, object_id)] = presented
    results = [
        (kind, object_id, shown[(kind, object_id)]) for kind, object_id in hits.keys if (kind, object_id) in shown
    ]
    return hits, results


def facet_links(hits) -> list[tuple[str, list[tuple[str, bool, str, int]]]]:
    """Each facet offered with its values: (link narrowing to the value, chosen now, label, count).

    The link keeps the request's arguments, sets the facet to the value and goes back to page 1.
    """
    base, asked = url_for("search.page"), request.args.to_dict(flat=False)
    shown = []
    for name in facet_names():
        counts = hits.facets.get(name)
        if not counts:
            continue
        chosen = request.args.getlist(name)
        links = [
            (query_link(base, {**asked, name: [value], "page": ["1"]}), value in chosen, facet_label(name, value), n)
            for value, n in counts.items()
        ]
        shown.append((name, links))
    return shown


@bp.get("/search")
def page():
    try:
        params = parse_request(request.args)
    except DomainError as err:
        return render_template("search/index.html", params=None, hits=None, results=[], errors=err.fields), 422
    hits, results = run(params) if params["q"] or params["kinds"] or params["filters"] else (None, [])
    hits_page = Page(results, hits.total, params["page"], params["per_page"]) if hits else None
    return render_template(
        "search/index.html",
        params=params,
        hits=hits,
        results=results,
        errors={},
        fragment=fragment,
        facet_label=facet_label,
        facets=facet_links(hits) if hits else [],
        hits_page=hits_page,
    )


@api_bp.get("/search")
def api_search():
    params = parse_request(request.args)
    hits, results = run(params)
    items = [
        {
            "kind": kind,
            "id": object_id,
            "title": shown.title,
            "url": shown.url,
            "fragment": str(fragment(shown.text, params["q"])),
            "date": shown.date.isoformat() if shown.date else None,
        }
        for kind, object_id, shown in results
    ]
    facets = {
        name: [{"value": v, "label": facet_label(name, v), "count": n} for v, n in counts.items()]
        for name, counts in hits.facets.items()
        if counts
    }
    return jsonify(items=items, total=hits.total, page=params["page"], per_page=params["per_page"], facets=facets)


def facet_schema(name: str) -> dict:
    """A facet filter's values: the codes of the enumerations its sources draw on (a year is four digits)."""
    codes = sorted({code for n in sources.facet_enums(name) if n in enums.REGISTRY for code in enums.REGISTRY[n].codes})
    if codes:
        return {"type": "string", "enum": codes}
    if name == "year":
        return {"type": "string", "pattern": r"^\d{4}$"}
    return {"type": "string", "maxLength": 100}


@bp.record_once
def _describe(_state) -> None:
    """The OpenAPI entry, written when the blueprint is first registered: by then every feature's
    source (and so every facet) is registered."""
    kinds = ", ".join(sorted(search.SOURCES))
    _describe_api(kinds, facet_names()[1:])


def _describe_api(kinds: str, filters: tuple[str, ...]) -> None:
    describe(
        {
            "/search": {
                "get": {
                    "summary": f"Search everything public ({kinds})",
                    "operationId": "search",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "schema": {"type": "string", "maxLength": 200},
                            "description": "Words or fragments in Chinese or English; quoted phrases; all must occur.",
                        },
                        {
                            "name": "kind",
                            "in": "query",
                            "schema": {"type": "string", "enum": sorted(search.SOURCES)},
                            "description": f"Restrict to a kind (repeatable): {kinds}.",
                        },
                        *[
                            {
                                "name": n,
                                "in": "query",
                                "schema": facet_schema(n),
                                "description": f"Facet filter: {n}.",
                            }
                            for n in filters
                        ],
                        {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["relevance", "date"]}},
                        *paging(PER_PAGE, MAX_PER_PAGE),
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of results with facet counts.",
                            "content": {"application/json": {"schema": page_of("#/components/schemas/SearchHit")}},
                        },
                        "422": error_response("A parameter is invalid."),
                    },
                }
            }
        },
        {
            "SearchHit": {
                "type": "object",
                "required": ["kind", "id", "title", "url", "fragment"],
                "properties": {
                    "kind": {"type": "string"},
                    "id": {"type": "integer"},
                    "title": {"type": "string"},
                    "url": {"type": "string"},
                    "fragment": {"type": "string", "description": "HTML; the matched words wrapped in <mark>."},
                    "date": {"type": ["string", "null"], "format": "date"},
                },
            }
        },
    )
