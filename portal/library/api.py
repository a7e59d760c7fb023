"""GET /api/v1/standards and /api/v1/standards/<id> (published standards only)."""

from __future__ import annotations

from flask import jsonify, request

from portal.api import bp
from portal.api.openapi import PAGING, describe, enum_param, error_response, page_of
from portal.core import uow
from portal.core.enums import STANDARD_LEVELS, STANDARD_STATES, STANDARD_TOPICS
from portal.core.paging import parse_paging
from portal.library import queries


def standard_item(standard) -> dict:
    """A published standard as the API shows it."""
    return {
        "id": standard.id,
        "number": standard.number,
        "prefix": standard.prefix,
        "base_number": standard.base_number,
        "part": standard.part,
        "year": standard.year,
        "title": standard.title_zh,
        "title_en": standard.title_en or None,
        "level": standard.level,
        "level_label": STANDARD_LEVELS.label(standard.level, "zh"),
        "status": standard.status,
        "status_label": STANDARD_STATES.label(standard.status, "zh"),
        "topic": standard.topic,
        "topic_label": STANDARD_TOPICS.label(standard.topic, "zh"),
        "published_on": standard.published_on.isoformat() if standard.published_on else None,
        "effective_on": standard.effective_on.isoformat() if standard.effective_on else None,
        "needs_check": standard.needs_check,
        "issuing_body": standard.issuing_body or None,
        "replaces": [s.number for s in standard.replaces if s.is_published],
        "replaced_by": [s.number for s in standard.replaced_by if s.is_published],
        "official_url": standard.official_url or None,
        "full_text": [
            {
                "kind": a.kind,
                "label": a.label,
                "url": a.url if a.kind == "link" else f"/standards/{standard.id}/files/{a.id}",
            }
            for a in standard.attachments
        ],
        "url": f"/standards/{standard.id}",
    }


@bp.get("/standards")
def standards():
    """A page of published standards, filtered as on the catalogue page."""
    filters = queries.parse_filters(request.args)
    page, per_page = parse_paging(request.args)
    result = queries.find(uow.session(), filters, page, per_page)
    items = [standard_item(s) for s in result.items]
    return jsonify(items=items, total=result.total, page=result.page, per_page=result.per_page)


@bp.get("/standards/<int:standard_id>")
def standard(standard_id: int):
    """One published standard."""
    return jsonify(standard_item(queries.get_public(uow.session(), standard_id)))


STANDARD_SCHEMA = {
    "type": "object",
    "required": [
        "id",
        "number",
        "title",
        "level",
        "status",
        "topic",
        "published_on",
        "effective_on",
        "replaces",
        "replaced_by",
    ],
    "properties": {
        "id": {"type": "integer"},
        "number": {"type": "string", "description": "As printed, e.g. GB/T 34015.3-2021."},
        "prefix": {"type": "string", "description": "GB/T, GB, QC/T, T/SDBRA ..."},
        "base_number": {"type": "string"},
        "part": {"type": ["integer", "null"]},
        "year": {"type": ["integer", "null"]},
        "title": {"type": "string", "description": "Chinese title."},
        "title_en": {"type": ["string", "null"]},
        "level": {"type": "string", "enum": STANDARD_LEVELS.codes},
        "level_label": {"type": "string"},
        "status": {"type": "string", "enum": STANDARD_STATES.codes},
        "status_label": {"type": "string"},
        "topic": {"type": "string", "enum": STANDARD_TOPICS.codes},
        "topic_label": {"type": "string"},
        "published_on": {"type": ["string", "null"], "format": "date"},
        "effective_on": {"type": ["string", "null"], "format": "date"},
        "needs_check": {"type": "boolean", "description": "True when the dates are not yet confirmed (待核实)."},
        "issuing_body": {"type": ["string", "null"]},
        "replaces": {"type": "array", "items": {"type": "string"}, "description": "Numbers this one replaces."},
        "replaced_by": {"type": "array", "items": {"type": "string"}, "description": "Numbers replacing this one."},
        "official_url": {"type": ["string", "null"]},
        "full_text": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": ["pdf", "link"]},
                    "label": {"type": "string"},
                    "url": {"type": "string"},
                },
            },
        },
        "url": {"type": "string"},
    },
}

describe(
    {
        "/standards": {
            "get": {
                "summary": "Technical standards of the catalogue (published entries)",
                "operationId": "listStandards",
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "schema": {"type": "string", "maxLength": 100},
                        "description": "A standard number in any usual spelling (gbt34015, GB／T 34015.3-2021; "
                        "34015 finds every part) or words of the title, scope, keywords or full text.",
                    },
                    enum_param("level", STANDARD_LEVELS, "Level."),
                    enum_param("status", STANDARD_STATES, "Status."),
                    enum_param("topic", STANDARD_TOPICS, "Topic."),
                    {
                        "name": "year",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1950, "maximum": 2100},
                        "description": "The year in the standard's number.",
                    },
                    *PAGING,
                ],
                "responses": {
                    "200": {
                        "description": "A page of standards.",
                        "content": {"application/json": {"schema": page_of("#/components/schemas/Standard")}},
                    },
                    "422": error_response("A parameter is invalid."),
                },
            }
        },
        "/standards/{standard_id}": {
            "get": {
                "summary": "One published standard",
                "operationId": "getStandard",
                "parameters": [{"name": "standard_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {
                    "200": {
                        "description": "The standard.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Standard"}}},
                    },
                    "404": error_response("No published standard has this id."),
                },
            }
        },
    },
    {"Standard": STANDARD_SCHEMA},
)
