"""GET /api/v1/projects and /api/v1/projects/<id>: the public view only (approved and later, no
confidential figure), built from queries.public_view as the public page is."""

from __future__ import annotations

from flask import jsonify, request

from portal.api import bp
from portal.api.openapi import PAGING, describe, enum_param, error_response, page_of
from portal.core import uow
from portal.core.enums import CITIES
from portal.core.paging import parse_paging
from portal.projects import queries, states
from portal.projects.kinds import PROJECT_TYPES


def project_item(view: dict) -> dict:
    """A public project as the API shows it."""
    return {
        "id": view["id"],
        "title": view["title"],
        "type": view["type"],
        "type_label": view["type_label"],
        "state": view["state"],
        "state_label": view["state_label"],
        "lead": view["lead"],
        "partners": view["partners"],
        "city": view["city"],
        "city_label": view["city_label"],
        "site": view["site"] or None,
        "lat": view["lat"],
        "lon": view["lon"],
        "summary": view["summary"],
        "planned_start": view["planned_start"].isoformat() if view["planned_start"] else None,
        "planned_end": view["planned_end"].isoformat() if view["planned_end"] else None,
        "started_on": view["started_on"].isoformat() if view["started_on"] else None,
        "seeking_finance": view["seeking_finance"],
        "targets": [
            {"name": t["name"], "unit": t["unit"], "target": t["target"], "actual": t["actual"]}
            for t in view["targets"]
        ],
        "milestones": [
            {
                "name": m["name"],
                "due_on": m["due_on"].isoformat(),
                "completed_on": m["completed_on"].isoformat() if m["completed_on"] else None,
                "late": m["late"],
            }
            for m in view["milestones"]
        ],
        "url": f"/projects/{view['id']}",
    }


@bp.get("/projects")
def projects():
    """A page of public projects, filtered by type, city and state (codes or Chinese labels)."""
    db = uow.session()
    filters = queries.parse_filters(request.args, public=True)
    page, per_page = parse_paging(request.args)
    result = queries.find_public(db, filters, page, per_page)
    items = [project_item(view) for view in queries.public_views(db, result.items)]
    return jsonify(items=items, total=result.total, page=result.page, per_page=result.per_page)


@bp.get("/projects/<int:project_id>")
def project(project_id: int):
    """One public project."""
    db = uow.session()
    return jsonify(project_item(queries.public_view(db, queries.get_public(db, project_id))))


_DATE = {"type": ["string", "null"], "format": "date"}
PROJECT_SCHEMA = {
    "type": "object",
    "required": ["id", "title", "type", "type_label", "state", "lead", "city", "started_on", "targets"],
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "type": {"type": "string", "enum": PROJECT_TYPES.codes},
        "type_label": {"type": "string"},
        "state": {"type": "string", "enum": list(states.PUBLIC)},
        "state_label": {"type": "string"},
        "lead": {"type": "string", "description": "The lead enterprise's name."},
        "partners": {
            "type": "array",
            "items": {"type": "object", "properties": {"name": {"type": "string"}, "role": {"type": "string"}}},
        },
        "city": {"type": "string", "enum": CITIES.codes},
        "city_label": {"type": "string"},
        "site": {"type": ["string", "null"]},
        "lat": {"type": ["number", "null"], "description": "WGS-84."},
        "lon": {"type": ["number", "null"], "description": "WGS-84."},
        "summary": {"type": "string"},
        "planned_start": _DATE,
        "planned_end": _DATE,
        "started_on": {**_DATE, "description": "When construction began."},
        "seeking_finance": {"type": "boolean"},
        "targets": {
            "type": "array",
            "description": "Public targets only (staff may keep a figure confidential), with the latest actual.",
            "items": {
                "type": "object",
                "required": ["name", "unit", "target", "actual"],
                "properties": {
                    "name": {"type": "string"},
                    "unit": {"type": "string"},
                    "target": {"type": "string", "description": "A decimal number as text, e.g. 98.5."},
                    "actual": {"type": ["string", "null"]},
                },
            },
        },
        "milestones": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "due_on": {"type": "string", "format": "date"},
                    "completed_on": _DATE,
                    "late": {"type": "boolean"},
                },
            },
        },
        "url": {"type": "string"},
    },
}

describe(
    {
        "/projects": {
            "get": {
                "summary": "Pilot and demonstration projects (approved and later)",
                "operationId": "listProjects",
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "schema": {"type": "string", "maxLength": 100},
                        "description": "Words of the title, summary, enterprises or site.",
                    },
                    enum_param("type", PROJECT_TYPES, "Project type."),
                    enum_param("city", CITIES, "City."),
                    enum_param("state", states.STATES, "State (approved and later).", only=states.PUBLIC),
                    *PAGING,
                ],
                "responses": {
                    "200": {
                        "description": "A page of projects.",
                        "content": {"application/json": {"schema": page_of("#/components/schemas/Project")}},
                    },
                    "422": error_response("A parameter is invalid."),
                },
            }
        },
        "/projects/{project_id}": {
            "get": {
                "summary": "One public project",
                "operationId": "getProject",
                "parameters": [{"name": "project_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {
                    "200": {
                        "description": "The project.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Project"}}},
                    },
                    "404": error_response("No public project has this id."),
                },
            }
        },
    },
    {"Project": PROJECT_SCHEMA},
)
