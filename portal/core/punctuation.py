"""Punctuation that templates put between values: full-width in Chinese, ASCII with spacing in English."""

from __future__ import annotations

from portal.core.language import is_english

ENGLISH = {"（": " (", "）": ")", "；": "; ", "、": ", ", "：": ": ", "，": ", ", "。": ". "}


def punct(mark: str) -> str:
    """A full-width mark as written in Chinese, or its English form: punct("（") is " (" in English."""
    return ENGLISH.get(mark, mark) if is_english() else mark
