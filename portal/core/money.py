"""Money is integer fen everywhere; these are the only conversions to and from yuan text."""

from __future__ import annotations

import re

_YUAN = re.compile(r"^\s*(\d{1,12})(?:\.(\d{1,2}))?\s*$")


def parse_yuan(text: str) -> int:
    """Parse '1234.5' (yuan) into fen; raises ValueError for anything else (no floats involved)."""
    match = _YUAN.match(text.replace(",", "").replace("，", "")) if text is not None else None
    if not match:
        raise ValueError(text)
    whole, frac = match.group(1), (match.group(2) or "").ljust(2, "0")
    return int(whole) * 100 + int(frac)


def format_fen(fen: int) -> str:
    """Fen as yuan with thousands separators: 123456 -> '1,234.56'."""
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"
