"""What every page shares: security headers, template filters and globals, language switch."""

from __future__ import annotations

from flask import Flask, has_request_context, redirect, request, session, url_for
from flask_babel import refresh
from flask_login import current_user

from portal.core import clock, enums, language, punctuation, roles, uow
from portal.core.language import is_english
from portal.core.money import format_fen

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'self'; object-src 'none'; frame-ancestors 'none'"
)


def public_response() -> bool:
    """Whether an answer may be kept by browsers and proxies: only what an anonymous visitor gets.

    The one rule for confidential answers: anything answered to a signed-in user or to a bearer token
    (account and staff pages, certificates, exports, notifications, the member API) is ``no-store``,
    whichever view made it; a view that means otherwise sets its own Cache-Control.
    """
    if request.authorization is not None or request.headers.get("Authorization"):
        return False
    return not current_user.is_authenticated


def register_web(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        if app.config["PRODUCTION"]:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if "Cache-Control" not in response.headers and not public_response():
            response.headers["Cache-Control"] = "private, no-store"
        return response

    @app.get("/lang/<code>")
    @uow.writes
    def set_language(code: str):
        from portal.auth.services import remember_language, safe_next

        if code in ("en", "zh_Hans_CN"):
            session["lang"] = code
            if current_user.is_authenticated:  # kept on the account, for the next login elsewhere
                remember_language(uow.session(), current_user._get_current_object(), code)

        return redirect(safe_next(request.args.get("next")) or url_for("main.index"))

    @app.before_request
    def _fresh_locale():
        # Flask-Babel remembers the locale on the application context; where one context serves
        # several requests (tests, CLI) the language chosen by a later request must still apply.
        refresh()

    @app.context_processor
    def globals_():
        def unread() -> int:
            if not has_request_context() or not current_user.is_authenticated:
                return 0
            from portal.notify.services import unread_count

            return unread_count(uow.session(), current_user.id)

        return {
            "enums": enums,
            "roles": roles,
            "unread_notifications": unread,
            "site_icp": app.config["SITE_ICP_NUMBER"],
            "site_psb": app.config["SITE_PSB_NUMBER"],
            # The language this page is rendered in (Chinese outside a request: mail, PDFs, jobs).
            "current_lang": "en" if is_english() else "zh_Hans_CN",
        }

    language.install(app.jinja_env)
    app.jinja_env.filters["datetime"] = clock.format_datetime
    app.jinja_env.filters["date"] = clock.format_date
    app.jinja_env.filters["yuan"] = format_fen
    app.jinja_env.globals["punct"] = punctuation.punct


def register_enumeration_filters(app: Flask) -> None:
    """Every enumeration, wherever a feature defines it, is a label filter: {{ code|outlet_types }}.

    Called once the features are registered, so that the enumerations of their modules exist.
    """
    for enum in enums.REGISTRY.values():
        app.jinja_env.filters[enum.name] = enum.label
