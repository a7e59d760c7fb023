"""Target figures (capacity, tonnes, recovery rates ...) as exact integers in thousandths, pure.

"98.5" (a rate in %) is stored as 98500; no floats are involved, as with money in fen.
"""

from __future__ import annotations

import re

SCALE = 1000
_NUMBER = re.compile(r"^\s*(\d{1,12})(?:\.(\d{1,3}))?\s*$")


def parse_figure(text: str | None) -> int:
    """Parse '98.5' into 98500; ValueError for anything else (negative, more than 3 decimals, words)."""
    raw = (
        (text or "")
        .replace(",", "")
        .replace("，", "")
        .translate(str.maketrans("０１２３４５６７８９．", "0123456789."))
    )
    match = _NUMBER.match(raw)
    if not match:
        raise ValueError(text)
    whole, frac = match.group(1), (match.group(2) or "").ljust(3, "0")
    return int(whole) * SCALE + int(frac)


def format_figure(milli: int | None) -> str:
    """98500 -> '98.5', 12000 -> '12', 1234567 -> '1,234.567'; '' for None."""
    if milli is None:
        return ""
    sign = "-" if milli < 0 else ""
    whole, frac = divmod(abs(int(milli)), SCALE)
    text = f"{whole:,}"
    if frac:
        text += "." + f"{frac:03d}".rstrip("0")
    return sign + text


def percent_of(actual: int | None, target: int | None) -> int | None:
    """How much of the target the actual reaches, in whole percent (rounded down); None without both."""
    if actual is None or not target:
        return None
    return actual * 100 // target
