"""车辆识别代号 (VIN) per GB 16735 / ISO 3779: normalisation and validation, with no database.

``vin_errors`` lists, in the current language, everything wrong with a VIN: its length, characters
that are not letters or digits, the letters I, O and Q, and a check digit (position 9) that does not
match. The message for a wrong check digit never says which character would be right: a validator
that reveals it would let anyone "repair" a mistyped or invented VIN instead of reading it again.

``normalize_code`` is the normalisation shared by the codes people type or paste (VINs, battery
codes): full-width to half-width, upper case, white space of any kind, hyphens and dashes removed.
"""

from __future__ import annotations

import unicodedata

from flask_babel import gettext as _

VIN_LENGTH = 17
ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
FORBIDDEN_LETTERS = "IOQ"
WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# Transliteration: A-H = 1-8, J-R = 1-9 (skipping O and Q), S-Z = 2-9; digits are themselves.
VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMNPR", (1, 2, 3, 4, 5, 7, 9), strict=True)),
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
# Hyphens and dashes people type between groups (a Chinese input method gives the long ones).
_DASHES = frozenset("-‐‑‒–—―−﹣－ー")
_MAX_LISTED = 10  # positions named in one message; more are summarised with 等


def _dropped(ch: str) -> bool:
    return ch.isspace() or ch in _DASHES or unicodedata.category(ch) in ("Cc", "Cf")


def normalize_code(raw: str | None) -> str:
    """Upper-case, full-width to half-width (NFKC), white space, hyphens, dashes and control characters removed.

    Codes are pasted from web pages and spreadsheets: tabs, ideographic spaces (U+3000), no-break
    spaces, zero-width characters and line ends come along. Applying it twice changes nothing.
    """
    text = raw or ""
    for _round in range(4):  # upper-casing can un-normalise a few letters; repeat until stable
        new = "".join(ch for ch in unicodedata.normalize("NFKC", text).upper() if not _dropped(ch))
        if new == text:
            break
        text = new
    return text


def normalize_vin(raw: str | None) -> str:
    """The VIN as it should be stored: see ``normalize_code``."""
    return normalize_code(raw)


def check_character(vin: str) -> str:
    """The check character (position 9) for a 17-character VIN of letters and digits other than I, O, Q."""
    total = sum(VALUES[ch] * weight for ch, weight in zip(vin, WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def positions_text(positions: list[int]) -> str:
    """``3、7、9`` (at most ten positions, then 等)."""
    shown = _("、").join(str(p) for p in positions[:_MAX_LISTED])
    return shown + (_("等") if len(positions) > _MAX_LISTED else "")


def chars_text(chars: list[str]) -> str:
    """``'#'、'。'`` for the distinct characters, in the order they appear."""
    distinct = list(dict.fromkeys(chars))
    shown = _("、").join(f"'{ch}'" for ch in distinct[:_MAX_LISTED])
    return shown + (_("等") if len(distinct) > _MAX_LISTED else "")


def vin_errors(vin: str | None) -> list[str]:
    """Everything wrong with the VIN (normalised first); an empty list when it is valid."""
    code = normalize_vin(vin)
    if not code:
        return [_("请填写车辆识别代号（VIN）。")]
    errors = []
    if len(code) != VIN_LENGTH:
        errors.append(_("车辆识别代号应为%(expected)d位，实为%(n)d位。", expected=VIN_LENGTH, n=len(code)))
    bad = [(i, ch) for i, ch in enumerate(code, start=1) if ch not in ALPHANUMERIC]
    if bad:
        errors.append(
            _(
                "第%(positions)s位含有不允许的字符%(chars)s：车辆识别代号只能由大写字母和数字组成。",
                positions=positions_text([i for i, _ch in bad]),
                chars=chars_text([ch for _i, ch in bad]),
            )
        )
    forbidden = [(i, ch) for i, ch in enumerate(code, start=1) if ch in FORBIDDEN_LETTERS]
    if forbidden:
        errors.append(
            _(
                "第%(positions)s位使用了字母%(chars)s：车辆识别代号不使用字母 I、O、Q（易与数字 1、0 混淆）。",
                positions=positions_text([i for i, _ch in forbidden]),
                chars=chars_text([ch for _i, ch in forbidden]),
            )
        )
    if errors:
        return errors
    ninth = code[8]
    if ninth not in "0123456789X":
        return [_("第9位是校验位，应为数字或 X，实为'%(ch)s'。", ch=ninth)]
    if ninth != check_character(code):
        return [_("第9位校验位不符，请核对车辆识别代号是否抄错。")]
    return []


def is_valid_vin(vin: str | None) -> bool:
    """True when ``vin_errors`` finds nothing."""
    return not vin_errors(vin)
