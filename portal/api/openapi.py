"""The OpenAPI 3.1 document of /api/v1, built from one description per endpoint."""

from __future__ import annotations

from portal.core.enums import ACTIVITIES, CITIES, TIERS
from portal.core.paging import MAX_PAGE

# Paths and schemas that other features add beside their routes on the api blueprint (see describe).
_FEATURE_PATHS: dict[str, dict] = {}
_FEATURE_SCHEMAS: dict[str, dict] = {}


def describe(paths: dict[str, dict], schemas: dict[str, dict] | None = None) -> None:
    """Add a feature's /api/v1 endpoints (paths relative to /api/v1) and their schemas to the document.

    Call it at import time in the module that adds the routes to ``portal.api.bp``, so that the
    document and the routes cannot drift apart (tests/api/test_openapi.py compares them).
    """
    for registry, new in ((_FEATURE_PATHS, paths), (_FEATURE_SCHEMAS, schemas or {})):
        for key, spec in new.items():
            if registry.get(key, spec) != spec:
                raise ValueError(f"OpenAPI entry {key!r} is described twice")
            registry[key] = spec


def enum_values(enum, only=None) -> list[str]:
    """What a filter on an enumeration accepts: each code (of ``only``, when given), then its Chinese and
    English labels and aliases."""
    values: list[str] = []
    for item in enum:
        if only is not None and item.code not in only:
            continue
        for value in (item.code, item.zh, item.en, *item.aliases):
            if value not in values:
                values.append(value)
    return values


def enum_param(name: str, enum, description: str, *, only=None) -> dict:
    """A query parameter that takes a code or a label of an enumeration (of its codes in ``only``, when given)."""
    codes = [c for c in enum.codes if only is None or c in only]
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": f"{description} Code or label; codes: {', '.join(codes)}.",
        "schema": {"type": "string", "enum": enum_values(enum, only)},
    }


def paging(default: int = 20, maximum: int = 100) -> list[dict]:
    """page and per_page as parse_paging reads them (its defaults and caps must be the same)."""
    return [
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}},
        {
            "name": "per_page",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": maximum, "default": default},
        },
    ]


PAGING = paging()

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}

MEMBER = {
    "type": "object",
    "required": ["id", "name", "credit_code", "membership_number", "tier", "city", "activities"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "credit_code": {"type": "string", "pattern": "^[0-9A-HJ-NPQRTUWXY]{18}$"},
        "membership_number": {"type": ["string", "null"], "examples": ["SDBRA-2026-0001"]},
        "tier": {"type": ["string", "null"], "enum": [*TIERS.codes, None]},
        "tier_label": {"type": ["string", "null"]},
        "membership_state": {"type": ["string", "null"], "enum": ["active", "grace", "lapsed", "suspended", None]},
        "city": {"type": "string", "enum": CITIES.codes},
        "city_label": {"type": "string"},
        "activities": {"type": "array", "items": {"type": "string", "enum": ACTIVITIES.codes}},
        "website": {"type": ["string", "null"]},
        "whitelist_batch": {"type": ["integer", "null"]},
        "whitelist_activity": {"type": ["string", "null"]},
        "profile_url": {"type": "string"},
    },
}


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "1-255 visible ASCII characters, unique per request the caller means (e.g. a UUID).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}


SECURITY = [{"bearerToken": []}]


def json_body(schema: dict) -> dict:
    """A request body or response content in JSON."""
    return {"content": {"application/json": {"schema": schema}}}


def ref(name: str) -> dict:
    """A reference to a schema of the document's components."""
    return {"$ref": f"#/components/schemas/{name}"}


def page_of(ref: str) -> dict:
    return {
        "type": "object",
        "required": ["items", "total", "page", "per_page"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": ref}},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
        },
    }


def error_response(description: str) -> dict:
    """A response in the error envelope."""
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def write_errors() -> dict:
    """The refusals every writing endpoint can answer."""
    return {
        "401": error_response("No token, or an unknown or revoked one."),
        "403": error_response("The token lacks the scope, or the caller may not do this."),
        "404": error_response("No such battery, or the caller may not see it."),
        "422": error_response("The body is invalid, an item breaks a rule (fields say which), or the key was reused."),
    }


def document(app) -> dict:
    """The whole document: the endpoints defined here and those other features describe()."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "山东省动力电池回收利用协会 公共服务平台 API",
            "version": "1.0.0",
            "description": "Public data of the association's portal, and the registry for member systems. "
            "Reads of public data need no credentials; member endpoints take `Authorization: Bearer <token>` "
            "(tokens are created by an enterprise's administrator under /account/tokens, with scopes). "
            "Every POST honours an `Idempotency-Key` header: the same key and body repeat the first answer "
            "(marked `Idempotent-Replayed: true`) and write nothing; the same key with another body is "
            "answered 422. Errors use one envelope: "
            '{"error": {"code", "message", "fields"}}.',
        },
        "servers": [{"url": app.config["PORTAL_BASE_URL"].rstrip("/") + "/api/v1"}],
        "paths": {
            "/members": {
                "get": {
                    "summary": "Approved member enterprises (the public directory)",
                    "operationId": "listMembers",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "description": "Part of the name, or a full credit code.",
                            "schema": {"type": "string", "maxLength": 100},
                        },
                        enum_param("activity", ACTIVITIES, "Business activity."),
                        enum_param("tier", TIERS, "Membership tier."),
                        enum_param("city", CITIES, "City (GB/T 2260 division code)."),
                        *PAGING,
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of members.",
                            "content": {"application/json": {"schema": page_of("#/components/schemas/Member")}},
                        },
                        "422": error_response("A parameter is invalid."),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "responses": {
                        "200": {
                            "description": "The OpenAPI document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
            **_FEATURE_PATHS,
        },
        "components": {
            "schemas": {"Member": MEMBER, "Error": ERROR, **_FEATURE_SCHEMAS},
            "securitySchemes": {"bearerToken": {"type": "http", "scheme": "bearer"}},
        },
    }
