"""The one answer to "which language is this being shown in?": "en" or "zh" (Chinese outside a request)."""

from __future__ import annotations

from flask.globals import _cv_app
from flask_babel import get_locale, get_translations


def _kept() -> dict | None:
    """The application context's ``g`` as a plain dict (read without the proxies: a page asks hundreds of times)."""
    context = _cv_app.get(None)
    return None if context is None else context.g.__dict__


def _locale():
    """Flask-Babel's locale of the moment (also inside ``force_locale``), read where it keeps it."""
    kept = _kept()
    if kept is None:  # no application context
        return None
    found = getattr(kept.get("_flask_babel"), "babel_locale", None)
    return found if found is not None else get_locale()


def current(lang: str | None = None) -> str:
    """The given language, else the request's: "en" for English, "zh" for everything else."""
    if lang is None:
        try:
            locale = _locale()
        except (RuntimeError, AttributeError, KeyError):  # no request context
            locale = None
        lang = locale.language if locale is not None else "zh"
    return "en" if str(lang).startswith("en") else "zh"


def is_english(lang: str | None = None) -> bool:
    return current(lang) == "en"


def translations():
    """The catalogue of the locale of the moment, found once per locale instead of on every message.

    Kept beside the locale it belongs to: a new request (Flask-Babel's locale is chosen again) or a
    ``force_locale`` block (a mail in its reader's language) finds its own.
    """
    locale, kept = _locale(), _kept()
    if kept is None:
        return get_translations()
    pair = kept.get("_portal_translations")
    if pair is not None and pair[0] is locale:
        return pair[1]
    found = get_translations()
    kept["_portal_translations"] = (locale, found)
    return found


def install(jinja_env) -> None:
    """Templates' _() and ngettext() through ``translations``."""
    jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
