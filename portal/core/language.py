"""The one answer to "which language is this being shown in?": "en" or "zh" (Chinese outside a request)."""

from __future__ import annotations

from flask_babel import get_locale


def current(lang: str | None = None) -> str:
    """The given language, else the request's: "en" for English, "zh" for everything else."""
    if lang is None:
        try:
            locale = get_locale()
        except (RuntimeError, AttributeError, KeyError):  # no request or app context
            locale = None
        lang = locale.language if locale is not None else "zh"
    return "en" if str(lang).startswith("en") else "zh"


def is_english(lang: str | None = None) -> bool:
    return current(lang) == "en"
