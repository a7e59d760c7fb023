"""Standard numbers (标准编号) as printed, parsed and normalised.

``GB/T 34015.3-2021`` is prefix ``GB/T``, base number ``34015``, part ``3`` and year ``2021``. People
type numbers in many ways (``gbt34015``, ``GB／T34015``, ``gb/t 34015.3—2021``): ``parse_number``
understands them all and ``StandardNumber.printed`` writes the one canonical form.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Prefixes written without their "/T" or "/Z" (gbt, QCT) are split only when the rest is a known
# prefix, so a prefix that simply ends in T or Z (e.g. "JT" 交通) is kept as it is.
KNOWN_PREFIXES = frozenset(
    {"GB", "QC", "JB", "YS", "SJ", "HG", "HJ", "NB", "DL", "JT", "YD", "SN", "AQ", "GA", "XF", "WB", "YB", "JJF"}
)
_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−ー"), "-")
_PATTERN = re.compile(
    r"^(?P<prefix>T/[A-Z]+|DB\d{2,6}(?:/[TZ])?|[A-Z]{1,8}(?:/[TZ])?)"
    r"(?P<base>\d{1,8})(?:\.(?P<part>\d{1,3}))?(?:-(?P<year>\d{4}|\d{2}))?$"
)
_BARE = re.compile(r"^(?P<base>\d{3,8})(?:\.(?P<part>\d{1,3}))?(?:-(?P<year>\d{4}|\d{2}))?$")


@dataclass(frozen=True)
class StandardNumber:
    """A parsed standard number; ``prefix`` is empty when only digits were given (a query)."""

    prefix: str
    base: str
    part: int | None = None
    year: int | None = None
    year_text: str = ""  # the year as written (two digits in old numbers)

    @property
    def printed(self) -> str:
        """The canonical printed form, e.g. ``GB/T 34015.3-2021``."""
        text = f"{self.prefix} {self.base}".strip()
        if self.part is not None:
            text += f".{self.part}"
        if self.year is not None:
            text += f"-{self.year_text or self.year}"
        return text

    @property
    def base_key(self) -> str:
        """The base number without leading zeros, for matching (``001`` and ``1`` are the same)."""
        return self.base.lstrip("0") or "0"


def _squash(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw or "").translate(_DASHES)
    return re.sub(r"\s+", "", text).upper().replace("\\", "/")


def _year(text: str | None) -> int | None:
    if not text:
        return None
    value = int(text)
    if len(text) == 2:  # old numbers such as GB 4208-93
        value += 1900 if value >= 50 else 2000
    return value


def _prefix(raw: str) -> str:
    if "/" not in raw and len(raw) > 2 and raw[-1] in "TZ" and raw[:-1] in KNOWN_PREFIXES:
        return f"{raw[:-1]}/{raw[-1]}"
    if raw.startswith("DB") and raw[-1] in "TZ" and "/" not in raw and raw[2:-1].isdigit():
        return f"{raw[:-1]}/{raw[-1]}"
    return raw


def parse_number(raw: str, *, allow_bare: bool = False) -> StandardNumber | None:
    """The parsed number, or None when ``raw`` is not a standard number.

    With ``allow_bare`` a number without prefix (``34015``, ``34015.3-2021``) is accepted, as a
    search query may be; a stored standard always has its prefix.
    """
    text = _squash(raw)
    if not text:
        return None
    match = _PATTERN.match(text)
    if match:
        prefix = _prefix(match["prefix"])
    elif allow_bare and (match := _BARE.match(text)):
        prefix = ""
    else:
        return None
    part = int(match["part"]) if match["part"] is not None else None
    return StandardNumber(
        prefix=prefix, base=match["base"], part=part, year=_year(match["year"]), year_text=match["year"] or ""
    )


def normalise_number(raw: str) -> str | None:
    """The canonical printed form of ``raw`` or None (``gbt34015.3-2021`` → ``GB/T 34015.3-2021``)."""
    parsed = parse_number(raw)
    return parsed.printed if parsed else None
