"""The API's query and path parameters are checked against the OpenAPI document before a view runs.

The document is the one place that says what a parameter may be (its type, bounds, length, pattern,
enumerated values); checking requests against it means the document cannot promise what the server
does not do, and a parameter the document refuses is answered 422 in the error envelope, with the
parameter named, before anything else reads it. Views still parse their parameters (defaults,
codes from labels); they no longer see values the document rules out.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import current_app, request
from flask_babel import gettext as _

from portal.errors import DomainError

_CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_INTEGER = re.compile(r"^[+-]?\d{1,40}$")


def operation_for(rule: str, method: str, document: dict, prefix: str) -> dict | None:
    """The document's operation for a Flask URL rule (``/api/v1/outlets/<code>`` -> ``/outlets/{code}``)."""
    if not rule.startswith(prefix):
        return None
    path = _CONVERTER.sub(r"{\1}", rule[len(prefix) :])
    return document.get("paths", {}).get(path, {}).get(method.lower())


def problem(name: str, value: str, schema: dict) -> str | None:
    """What is wrong with one parameter value under its schema, in words, or None."""
    if schema.get("type") == "integer":
        if not _INTEGER.match(value):
            return _("应为整数。")
        number = int(value)
        if "minimum" in schema and number < schema["minimum"]:
            return _("不能小于 %(n)s。", n=schema["minimum"])
        if "maximum" in schema and number > schema["maximum"]:
            return _("不能超过 %(n)s。", n=schema["maximum"])
        return None
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        return _("最多 %(n)d 个字符。", n=schema["maxLength"])
    if "minLength" in schema and len(value) < schema["minLength"]:
        return _("至少 %(n)d 个字符。", n=schema["minLength"])
    if "enum" in schema and value.strip().lower() not in {str(v).lower() for v in schema["enum"] if v is not None}:
        return _("无法识别的取值：%(value)s", value=value[:50])  # letter case aside, as the views read codes
    if "pattern" in schema and not re.search(schema["pattern"], value):
        return _("格式不正确。")
    if schema.get("format") == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return _("应为日期（YYYY-MM-DD）。")
    return None


def check_request(document: dict, prefix: str) -> None:
    """Refuse (422) a query or path parameter that the request's operation in the document rules out."""
    if request.url_rule is None:
        return
    operation = operation_for(request.url_rule.rule, request.method, document, prefix)
    if operation is None:
        return
    fields: dict[str, str] = {}
    for param in operation.get("parameters", ()):
        place, name, schema = param.get("in"), param["name"], param.get("schema", {})
        if place == "query":
            values = request.args.getlist(name)
        elif place == "path":
            values = [str(v) for k, v in (request.view_args or {}).items() if k == name]
        else:
            continue
        for value in values:
            if value == "":
                continue  # an empty value is an absent one: the view says what a required one needs
            message = problem(name, value, schema)
            if message:
                fields[name] = message
                break
    if fields:
        raise DomainError(_("查询参数无效。"), fields)


def document() -> dict:
    """The application's OpenAPI document, built once (every feature has described itself by then)."""
    found = current_app.extensions.get("openapi_document")
    if found is None:
        from portal.api.openapi import document as build

        found = current_app.extensions["openapi_document"] = build(current_app)
    return found


def apply(app, blueprint, prefix: str) -> None:
    """Check every request to the blueprint against the document."""

    @app.before_request
    def _check_parameters():
        if request.blueprint == blueprint.name:
            check_request(document(), prefix)
