"""Reading API request bodies: one JSON object, unknown fields refused."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from portal.errors import DomainError


def json_object() -> dict:
    """The request's JSON body, which must be an object."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError(_("请求体应为 JSON 对象（Content-Type: application/json）。"))
    return data


def refuse_unknown(data: dict, known: set[str], prefix: str = "") -> None:
    """Refuse a body naming fields the endpoint does not take (nothing is written)."""
    unknown = sorted(set(data) - known)
    if unknown:
        message = _("未知字段。可用字段：%(fields)s。", fields=", ".join(sorted(known)))
        raise DomainError(_("请求含有未知字段，未写入任何内容。"), {f"{prefix}{name}": message for name in unknown})
