"""Document numbers: a kind prefix, the year and 10 random Crockford base32 characters plus a Luhn mod 32 check.

Pure: no database. ``HY-2026-7K3QD-M9X2P-T`` is read back from ``hy2026 7k3qd m9x2p t`` or with O/I/L typed for 0/1.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
BODY_LENGTH = 10
_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SHAPE = re.compile(rf"^([A-Z]{{2,4}})(\d{{4}})([0-9A-Z]{{{BODY_LENGTH + 1}}})$")


class BadNumber(ValueError):
    """The text is not a document number (wrong shape or failed check character)."""


def check_char(payload: str) -> str:
    """The Luhn mod 32 check character of payload (ALPHABET characters): catches any one typo and most swaps."""
    factor, total, n = 2, 0, len(ALPHABET)
    for char in reversed(payload):
        addend = factor * ALPHABET.index(char)
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return ALPHABET[(n - total % n) % n]


def new_number(prefix: str, year: int) -> str:
    """A fresh random number for the kind prefix and year, formatted for print."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return format_number(prefix, year, body + check_char(f"{year}{body}"))


def format_number(prefix: str, year: int, tail: str) -> str:
    return f"{prefix}-{year}-{tail[:5]}-{tail[5:10]}-{tail[10:]}"


def normalise(text: str) -> str:
    """The canonical printed number behind typed text; BadNumber if it cannot be one."""
    compact = re.sub(r"[\s\-_.·—]+", "", (text or "").strip().upper())
    match = _SHAPE.match(compact)
    if not match:
        raise BadNumber(text)
    prefix, year, tail = match.group(1), match.group(2), match.group(3).translate(_TYPO)
    if any(char not in ALPHABET for char in tail):
        raise BadNumber(text)
    if check_char(f"{year}{tail[:-1]}") != tail[-1]:
        raise BadNumber(text)
    return format_number(prefix, int(year), tail)
