"""GET /api/v1/certificates/<number>: the public check of an issued document's number (rate limited)."""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _

from portal.api import bp
from portal.api.openapi import describe, error_response
from portal.core import uow
from portal.documents import queries, register
from portal.documents.views import count_lookup
from portal.errors import NotFound


@bp.get("/certificates/<number>")
@uow.writes
def certificate(number: str):
    """The status of a document and what it shows; 404 for an unknown or malformed number."""
    count_lookup()
    document = register.lookup(uow.session(), number)
    if document is None:
        raise NotFound(_("未找到该编号的文件，请核对编号。"))
    return jsonify(queries.public_view(document))


CERTIFICATE_SCHEMA = {
    "type": "object",
    "required": ["number", "kind", "status", "status_label", "holder_name", "shown", "issued_on"],
    "properties": {
        "number": {"type": "string", "description": "As printed, e.g. HY-2026-7K3QD-M9X2P-T."},
        "kind": {"type": "string", "description": "membership_certificate, training_certificate ..."},
        "kind_label": {"type": "string"},
        "status": {"type": "string", "enum": list(queries.STATUSES)},
        "status_label": {"type": "string", "description": "有效 / 已过期 / 已撤销 / 已被替换"},
        "holder_name": {"type": "string"},
        "shown": {
            "type": "array",
            "description": "The fields the document itself shows, in print order.",
            "items": {
                "type": "object",
                "required": ["label", "value"],
                "properties": {"label": {"type": "string"}, "value": {"type": "string"}},
            },
        },
        "valid_from": {"type": ["string", "null"], "format": "date"},
        "valid_to": {"type": ["string", "null"], "format": "date"},
        "issued_on": {"type": "string", "format": "date"},
        "revoked_on": {"type": ["string", "null"], "format": "date"},
        "replaced_by": {"type": ["string", "null"], "description": "The number that replaces this one."},
    },
}

describe(
    {
        "/certificates/{number}": {
            "get": {
                "summary": "Verify an issued certificate or document by its number (public, rate limited)",
                "operationId": "verifyCertificate",
                "parameters": [
                    {
                        "name": "number",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 60},
                        "description": "The printed number; case, spaces and hyphens do not matter.",
                    }
                ],
                "responses": {
                    "200": {
                        "description": "The document's status and what it shows.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Certificate"}}},
                    },
                    "404": error_response("No document has this number, or it is not a valid number."),
                    "422": error_response("The number is longer than any document number."),
                    "429": error_response("Too many look-ups from this address; see Retry-After."),
                },
            }
        }
    },
    {"Certificate": CERTIFICATE_SCHEMA},
)
