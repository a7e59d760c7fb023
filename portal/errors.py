"""Domain errors and the HTTP/API error pages.

Services raise ``DomainError`` (or a subclass) with a message in the user's language and, where a
field is at fault, ``fields={"name": "message"}``. Views turn it into form errors; the API turns it
into ``{"error": {"code", "message", "fields"}}``.
"""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A rule of the domain refused the request; nothing was changed."""

    code = "invalid"
    status = 422

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class Unauthorized(DomainError):
    """No valid credentials (an unknown or revoked API token)."""

    code = "unauthorized"
    status = 401


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class Conflict(DomainError):
    code = "conflict"
    status = 409


class TooManyRequests(DomainError):
    code = "too_many_requests"
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def apply_to_form(form, error: DomainError, *, only_empty: bool = False) -> None:
    """Copy a domain error's field messages onto a WTForms form (the rest goes to form.form_errors).

    With only_empty, a field that already shows an error of the form's own keeps just that one.
    Refusals that are not about the form (not found, forbidden, too many requests) are raised again,
    so the error pages answer them; views need not sort error kinds themselves.
    """
    if error.status in (403, 404, 429):
        raise error
    placed = False
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            existing = list(field.errors) if isinstance(field.errors, list | tuple) else []
            if not (only_empty and existing):
                field.errors = [*existing, message]
            placed = True
    if not placed or not error.fields:
        form.form_errors.append(error.message)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def api_error(status: int, code: str, message: str, fields: dict | None = None):
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    return response


HTTP_MESSAGES = {
    400: ("bad_request", lambda: _("请求无法处理，请检查后重试。")),
    401: ("unauthorized", lambda: _("请先登录。")),
    403: ("forbidden", lambda: _("您没有权限访问此页面。")),
    404: ("not_found", lambda: _("您要找的页面不存在或已被移除。")),
    405: ("method_not_allowed", lambda: _("不支持此请求方式。")),
    413: ("too_large", lambda: _("上传的内容过大，超过了网站允许的上限。")),
    429: ("too_many_requests", lambda: _("请求过于频繁，请稍后再试。")),
    500: ("server_error", lambda: _("服务器出现了问题，我们已记录下来，请稍后再试。")),
}


def register_error_handlers(app) -> None:
    """Friendly pages for browsers, the error envelope for the API."""

    def render(status: int, message: str | None = None, headers: dict | None = None):
        code, default = HTTP_MESSAGES.get(status, ("error", lambda: _("请求出错。")))
        text = message or default()
        if wants_json():
            response = api_error(status, code, text)
        else:
            template = f"errors/{status}.html" if status in (403, 404, 413, 429) else "errors/generic.html"
            response = app.make_response((render_template(template, status=status, message=text), status))
        for key, value in (headers or {}).items():
            response.headers[key] = value
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(err):
        return render(400, _("表单已过期或来源无法验证，请刷新页面后重新提交。"))

    @app.errorhandler(DomainError)
    def domain_error(err: DomainError):
        headers = {"Retry-After": str(err.retry_after)} if isinstance(err, TooManyRequests) else None
        if wants_json():
            response = api_error(err.status, err.code, err.message, err.fields)
            for key, value in (headers or {}).items():
                response.headers[key] = value
            return response
        return render(err.status, err.message, headers)

    from portal.pdf import PdfError

    @app.errorhandler(PdfError)
    def pdf_error(err: PdfError):
        return render(503, str(err))  # a document that could not be rendered now (workers busy, time limit)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        status = err.code or 500
        message = None if status in HTTP_MESSAGES else err.description
        allow = dict(err.get_headers()).get("Allow")  # a 405 says which methods the URL takes
        return render(status, message, {"Allow": allow} if allow else None)

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        app.logger.exception("unhandled error")
        return render(500)
