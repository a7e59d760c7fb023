"""What every page shares: security headers, template filters and globals, language switch."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, current_app, has_request_context, redirect, request, session, url_for
from flask_babel import refresh
from flask_login import current_user
from werkzeug.datastructures import iter_multi_items

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


class RowLinks:
    """``url_for(endpoint, **{slot: value}, **values)`` for every row of a list, with one ``url_for`` call.

    url_for matches the endpoint's rule and encodes every argument on each call (about 30 µs): where the
    slot is the last part of the rule's path (``/outlets/<code>``), the link is built once and each row's
    value put at the path's end, encoded by the rule's own converter, so every link is the one url_for
    gives. Other rules get url_for for every row.
    """

    MARK = "0"  # a value every converter accepts (a string, an int)

    def __init__(self, endpoint: str, slot: str, **values) -> None:
        self._endpoint, self._slot, self._values = endpoint, slot, values
        rules = list(current_app.url_map.iter_rules(endpoint))
        converter = rules[0]._converters.get(slot) if len(rules) == 1 else None
        self._to_url = None
        if converter is not None and rules[0].rule.endswith(">") and rules[0].arguments == {slot}:
            built = url_for(endpoint, **{slot: self.MARK}, **values)
            cut = min((i for i in (built.find("?"), built.find("#")) if i >= 0), default=len(built))
            path, marked = built[:cut], converter.to_url(self.MARK)
            if path.endswith(marked):
                self._head, self._tail, self._to_url = path[: -len(marked)], built[cut:], converter.to_url

    def __call__(self, value) -> str:
        if self._to_url is None:
            return url_for(self._endpoint, **{self._slot: value}, **self._values)
        return f"{self._head}{self._to_url(value)}{self._tail}"


def fixed_url(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` for the links every page has (the menu, the stylesheet): the same
    for every request under one script root, so built once per root and application, not on every page."""
    known = current_app.extensions.setdefault("portal_fixed_urls", {})
    key = (request.script_root, endpoint, tuple(values.items()))
    found = known.get(key)
    if found is None:
        found = url_for(endpoint, **values)
        if len(known) < MAX_FIXED_URLS:  # a bound, should a template ever pass changing values
            known[key] = found
    return found


MAX_FIXED_URLS = 512


def query_link(base: str, args: dict) -> str:
    """What ``url_for(endpoint, **args)`` gives for an endpoint without path arguments, ``base`` being
    ``url_for(endpoint)``: the same encoding as Werkzeug's (None values left out, lists repeated), for
    pages that link to themselves many times with other query arguments (facets)."""
    items = [(k, v) for k, v in iter_multi_items({k: v for k, v in args.items() if v is not None}) if v is not None]
    return f"{base}?{urlencode(items, safe=QUERY_SAFE)}" if items else base


QUERY_SAFE = "!$'()*,/:;?@"  # Werkzeug's (the WHATWG percent-encoded bytes)


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
    app.jinja_env.globals["row_links"] = RowLinks
    app.jinja_env.globals["fixed_url"] = fixed_url


def register_enumeration_filters(app: Flask) -> None:
    """Every enumeration, wherever a feature defines it, is a label filter: {{ code|outlet_types }}.

    Called once the features are registered, so that the enumerations of their modules exist.
    """
    for enum in enums.REGISTRY.values():
        app.jinja_env.filters[enum.name] = enum.label
