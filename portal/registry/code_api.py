"""GET /api/v1/batteries/validate: check and decode one GB/T 34014 battery code (no database)."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from portal.api import bp
from portal.api.openapi import describe, error_response
from portal.errors import DomainError
from portal.registry import codes


@bp.get("/batteries/validate")
def validate_battery_code():
    raw = request.args.get("code", "")
    if not raw:  # a code of only spaces or dashes is checked (and found empty), as the document says
        raise DomainError(_("请提供要校验的电池编码（参数 code）。"), {"code": _("此项为必填项。")})
    return jsonify(codes.check(raw).as_dict())


CODE_CHECK_SCHEMA = {
    "type": "object",
    "required": ["valid", "normalized", "fields", "errors", "warnings"],
    "properties": {
        "valid": {"type": "boolean", "description": "True when there is no error (warnings do not count)."},
        "normalized": {
            "type": "string",
            "description": "The code upper-cased, half-width, without spaces, tabs or hyphens.",
        },
        "fields": {
            "type": "object",
            "description": "The decoded positions; empty when the length is wrong.",
            "properties": {
                "maker_code": {"type": "string", "description": "Positions 1-3."},
                "product_type": {"type": "string", "description": "Position 4: P pack, M module, C cell."},
                "product_type_label": {"type": ["string", "null"]},
                "battery_type": {"type": "string", "description": "Position 5: A-G or Z (B LFP, E ternary)."},
                "battery_type_label": {"type": ["string", "null"]},
                "spec_code": {"type": "string", "description": "Positions 6-7."},
                "trace_code": {"type": "string", "description": "Positions 8-14."},
                "production_date": {
                    "type": ["string", "null"],
                    "format": "date",
                    "description": "Positions 15-17 decoded; null when they do not decode (see warnings).",
                },
                "serial": {"type": "string", "description": "Positions 18-24."},
            },
        },
        "errors": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Structural errors, each naming its position(s); any error makes the code invalid.",
        },
        "warnings": {
            "type": "array",
            "items": {"type": "string"},
            "description": "A production date that does not decode or lies in the future, an unconfirmed battery type.",
        },
    },
}

describe(
    {
        "/batteries/validate": {
            "get": {
                "summary": "Check and decode a GB/T 34014 battery code (pack, module or cell)",
                "operationId": "validateBatteryCode",
                "parameters": [
                    {
                        "name": "code",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                        "description": "The 24-character code; lower case, spaces, hyphens and full-width "
                        "characters are accepted.",
                    }
                ],
                "responses": {
                    "200": {
                        "description": "The outcome, valid or not, in the language of the request (lang=en).",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BatteryCodeCheck"}}},
                    },
                    "422": error_response("The code parameter is missing."),
                },
            }
        }
    },
    {"BatteryCodeCheck": CODE_CHECK_SCHEMA},
)
