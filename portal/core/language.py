"""The one answer to "which language is this being shown in?": "en" or "zh" (Chinese outside a request)."""

from __future__ import annotations

from flask.globals import _cv_app
from flask_babel import get_locale, get_translations
from jinja2 import pass_eval_context
from markupsafe import Markup


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


def _format(eval_ctx, text: str, variables: dict):
    """Jinja's newstyle rule: escaped (in an autoescaped template) and always a format string."""
    if eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 - a translator's text is trusted markup, as in Jinja's own gettext
    # "%" formatting with no variables changes only a "%" (a "%%" becomes "%"): skipped when there is none
    return text if not variables and "%" not in text else text % variables


@pass_eval_context
def _gettext(eval_ctx, string: str, **variables):
    return _format(eval_ctx, translations().ugettext(string), variables)


@pass_eval_context
def _ngettext(eval_ctx, singular: str, plural: str, num: int, **variables):
    variables.setdefault("num", num)
    return _format(eval_ctx, translations().ungettext(singular, plural, num), variables)


@pass_eval_context
def _pgettext(eval_ctx, context: str, string: str, **variables):
    variables.setdefault("context", context)
    return _format(eval_ctx, translations().upgettext(context, string), variables)


@pass_eval_context
def _npgettext(eval_ctx, context: str, singular: str, plural: str, num: int, **variables):
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    return _format(eval_ctx, translations().unpgettext(context, singular, plural, num), variables)


def install(jinja_env) -> None:
    """Templates' _(), gettext(), ngettext(), pgettext() and npgettext() through ``translations``.

    The same answers as Jinja's newstyle callables (``install_gettext_callables(newstyle=True)``), in one
    call instead of three: Jinja's ``_`` looks ``gettext`` up and calls it through the template context,
    which calls the catalogue through it again, each call inspecting the callable (about 20 µs a message,
    and a page shows a hundred).
    """
    jinja_env.add_extension("jinja2.ext.i18n")
    jinja_env.newstyle_gettext = True  # what {% trans %} blocks compile to: variables passed as keywords
    jinja_env.globals.update(_=_gettext, gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext, npgettext=_npgettext)
