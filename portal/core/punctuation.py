"""Punctuation that templates put between values: full-width in Chinese, ASCII with spacing in English."""

from __future__ import annotations

from flask_babel import get_locale

ENGLISH = {"（": " (", "）": ")", "；": "; ", "、": ", ", "：": ": ", "，": ", ", "。": ". "}


def _english() -> bool:
    try:
        return str(get_locale() or "") == "en"
    except (RuntimeError, AttributeError):
        return False


def punct(mark: str) -> str:
    """A full-width mark as written in Chinese, or its English form: punct("（") is " (" in English."""
    return ENGLISH.get(mark, mark) if _english() else mark
