"""Battery codes (汽车动力蓄电池编码, GB/T 34014-2017): normalise, validate and decode, with no database.

A code has 24 upper-case letters and digits::

    1-3 maker code · 4 product type (P/M/C) · 5 battery type (A-G, Z) · 6-7 specification code ·
    8-14 traceability code · 15-17 production date (year, month, day) · 18-24 serial number (7 digits)

``check`` reports every structural error at once, each naming its position(s) and the rule broken;
such a code is refused. A production date that does not decode (a day that does not exist, a day
character whose meaning is unconfirmed) or lies in the future is only a warning, because published
tables of the date characters disagree. The tables (product and battery types, date characters)
are data in ``content/registry/code_tables.json``, read once by ``tables()``; ``load_tables()``
reads them again (tests, or after a correction).

Messages and labels are in the current language (flask_babel) and fall back to Chinese outside an
application context.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _

from portal.core import clock
from portal.core.language import current as current_language
from portal.core.vin import ALPHANUMERIC, chars_text, normalize_code, positions_text

TABLES_PATH = Path(__file__).resolve().parents[2] / "content" / "registry" / "code_tables.json"
DIGITS = frozenset("0123456789")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# (field, first position, last position), positions counted from 1 as the standard prints them.
LAYOUT = (
    ("maker_code", 1, 3),
    ("product_type", 4, 4),
    ("battery_type", 5, 5),
    ("spec_code", 6, 7),
    ("trace_code", 8, 14),
    ("production_date", 15, 17),
    ("serial", 18, 24),
)


@dataclass(frozen=True)
class TypeLabel:
    """One entry of the product-type or battery-type table."""

    code: str
    zh: str
    en: str
    confirmed: bool = True

    def label(self, lang: str | None = None) -> str:
        return self.en if (lang or current_language()) == "en" else self.zh


@dataclass(frozen=True)
class Tables:
    """The code tables read from the JSON file."""

    length: int
    product_types: dict[str, TypeLabel]
    battery_types: dict[str, TypeLabel]
    base_year: int
    year_symbols: str
    month_symbols: str
    day_symbols: str
    unconfirmed_day_symbols: dict[str, int]
    notes: str = ""


_tables: Tables | None = None


def _types(raw: dict) -> dict[str, TypeLabel]:
    return {
        code: TypeLabel(code, entry["zh"], entry["en"], bool(entry.get("confirmed", True)))
        for code, entry in raw.items()
    }


def _symbols(raw: str, what: str) -> str:
    if not raw or len(set(raw)) != len(raw) or not set(raw) <= ALPHANUMERIC:
        raise ValueError(f"code_tables.json: {what} must be distinct upper-case letters and digits")
    return raw


def load_tables(path: Path | str | None = None) -> Tables:
    """Read the tables (from ``path``, by default the shipped file) and use them from now on."""
    global _tables
    data = json.loads(Path(path or TABLES_PATH).read_text(encoding="utf-8"))
    date = data["production_date"]
    loaded = Tables(
        length=int(data.get("length", 24)),
        product_types=_types(data["product_types"]),
        battery_types=_types(data["battery_types"]),
        base_year=int(date["base_year"]),
        year_symbols=_symbols(date["year_symbols"], "year_symbols"),
        month_symbols=_symbols(date["month_symbols"], "month_symbols"),
        day_symbols=_symbols(date["day_symbols"], "day_symbols"),
        unconfirmed_day_symbols={str(k): int(v) for k, v in date.get("unconfirmed_day_symbols", {}).items()},
        notes=data.get("notes", ""),
    )
    if len(loaded.month_symbols) != 12:
        raise ValueError("code_tables.json: month_symbols must have 12 characters")
    if set(loaded.unconfirmed_day_symbols) & set(loaded.day_symbols):
        raise ValueError("code_tables.json: a day symbol cannot be both confirmed and unconfirmed")
    _tables = loaded
    return loaded


def tables() -> Tables:
    """The tables in use (read on first use)."""
    return _tables if _tables is not None else load_tables()


class TypeTable(Mapping[str, TypeLabel]):
    """A code -> label lookup that always reads the tables in use (so a reload is seen)."""

    def __init__(self, key: str) -> None:
        self._key = key

    def _data(self) -> dict[str, TypeLabel]:
        return getattr(tables(), self._key)

    def __getitem__(self, code: str) -> TypeLabel:
        return self._data()[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())

    def label(self, code: str | None, lang: str | None = None) -> str | None:
        """The label in the current (or given) language, or None for an unknown code."""
        entry = self._data().get(code or "")
        return entry.label(lang) if entry else None


PRODUCT_TYPES = TypeTable("product_types")
BATTERY_TYPES = TypeTable("battery_types")


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of ``check``: valid when there is no error (warnings allowed)."""

    valid: bool
    normalized: str
    fields: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The JSON form used by the API."""
        return {
            "valid": self.valid,
            "normalized": self.normalized,
            "fields": dict(self.fields),
            "errors": list(self.errors),
            "warnings": list(self.warnings),
        }


def normalize(raw: str | None) -> str:
    """The code as it should be stored: upper case, half-width, without spaces, tabs or hyphens."""
    return normalize_code(raw)


def _ranges(symbols: str) -> list[str]:
    """Runs of three or more consecutive characters written as ``A–G``: ``ABCDEFGZ`` -> ``['A–G', 'Z']``."""
    runs: list[list[str]] = []
    for ch in symbols:
        if runs and ord(ch) == ord(runs[-1][-1]) + 1:
            runs[-1].append(ch)
        else:
            runs.append([ch])
    parts: list[str] = []
    for run in runs:
        parts.extend([f"{run[0]}–{run[-1]}"] if len(run) >= 3 else run)
    return parts


def _alternatives(symbols: str) -> str:
    """``P、M 或 C`` (in the current language) for the allowed characters."""
    parts = _ranges(symbols)
    if len(parts) == 1:
        return parts[0]
    return _("%(items)s 或 %(last)s", items=_("、").join(parts[:-1]), last=parts[-1])


def _excluded_letters(symbols: str) -> str:
    """The few letters a set skips (``I、O、Q、U、Z``), when it uses most of the alphabet; else empty."""
    missing = [ch for ch in LETTERS if ch not in symbols]
    return _("、").join(missing) if 0 < len(missing) <= 6 else ""


def _sorted(symbols: str) -> str:
    return "".join(sorted(symbols))


def _date_char_error(position: int, what: str, ch: str, symbols: str) -> str:
    excluded = _excluded_letters(symbols)
    allowed = _alternatives(_sorted(symbols))
    if excluded:
        return _(
            "第%(pos)d位（%(what)s）应为 %(allowed)s（不使用字母 %(excluded)s），实为'%(ch)s'。",
            pos=position,
            what=what,
            allowed=allowed,
            excluded=excluded,
            ch=ch,
        )
    return _("第%(pos)d位（%(what)s）应为 %(allowed)s，实为'%(ch)s'。", pos=position, what=what, allowed=allowed, ch=ch)


def _structure_errors(code: str, t: Tables) -> list[str]:
    """Errors of the fixed positions of a code of the right length.

    A position holding a character that is neither a letter nor a digit is already reported as such
    and is not reported a second time here.
    """
    errors = []
    product, battery = code[3], code[4]
    if product in ALPHANUMERIC and product not in t.product_types:
        errors.append(
            _(
                "第4位（产品类型）应为 %(allowed)s，实为'%(ch)s'。",
                allowed=_alternatives("".join(t.product_types)),
                ch=product,
            )
        )
    if battery in ALPHANUMERIC and battery not in t.battery_types:
        errors.append(
            _(
                "第5位（电池类型）应为 %(allowed)s，实为'%(ch)s'。",
                allowed=_alternatives(_sorted("".join(t.battery_types))),
                ch=battery,
            )
        )
    year, month, day = code[14], code[15], code[16]
    if year in ALPHANUMERIC and year not in t.year_symbols:
        errors.append(_date_char_error(15, _("生产年份"), year, t.year_symbols))
    if month in ALPHANUMERIC and month not in t.month_symbols:
        errors.append(_date_char_error(16, _("生产月份"), month, t.month_symbols))
    day_symbols = t.day_symbols + "".join(t.unconfirmed_day_symbols)
    if day in ALPHANUMERIC and day not in day_symbols:
        errors.append(_date_char_error(17, _("生产日"), day, day_symbols))
    serial = code[17:24]
    if set(serial) <= ALPHANUMERIC and not set(serial) <= DIGITS:
        errors.append(_("第18–24位（序列号）应为7位数字，实为'%(value)s'。", value=serial))
    return errors


def _decode_date(chars: str, t: Tables, today: dt.date, warnings: list[str]) -> dt.date | None:
    """The production date of positions 15-17, or None (with a warning) when it does not decode."""
    year_ch, month_ch, day_ch = chars
    if year_ch not in t.year_symbols or month_ch not in t.month_symbols:
        return None  # already an error
    if day_ch in t.unconfirmed_day_symbols:
        warnings.append(
            _(
                "第17位（生产日）'%(ch)s' 的含义未经确认（有资料用它表示%(day)d日），未能解析生产日期。",
                ch=day_ch,
                day=t.unconfirmed_day_symbols[day_ch],
            )
        )
        return None
    if day_ch not in t.day_symbols:
        return None  # already an error
    year = t.base_year + t.year_symbols.index(year_ch) + 1
    month = t.month_symbols.index(month_ch) + 1
    day = t.day_symbols.index(day_ch) + 1
    try:
        made = dt.date(year, month, day)
    except ValueError:
        warnings.append(
            _(
                "第15–17位（生产日期）'%(chars)s' 表示%(year)d年%(month)d月%(day)d日，该日期不存在，未能解析生产日期。",
                chars=chars,
                year=year,
                month=month,
                day=day,
            )
        )
        return None
    if made > today:
        warnings.append(
            _(
                "生产日期 %(date)s 晚于今天（%(today)s），请核对编码。",
                date=made.isoformat(),
                today=today.isoformat(),
            )
        )
    return made


def check(raw: str | None, today: dt.date | None = None) -> CodeCheck:
    """Normalise, validate and decode a battery code; never raises, whatever the text.

    ``today`` (default: the portal's clock) decides whether the production date lies in the future.
    """
    t = tables()
    code = normalize(raw)
    if not code:
        return CodeCheck(False, code, {}, [_("请输入电池编码。")], [])
    errors: list[str] = []
    warnings: list[str] = []
    if len(code) != t.length:
        errors.append(_("编码应为%(expected)d位，实为%(n)d位。", expected=t.length, n=len(code)))
    bad = [(i, ch) for i, ch in enumerate(code, start=1) if ch not in ALPHANUMERIC]
    if bad:
        errors.append(
            _(
                "第%(positions)s位含有不允许的字符%(chars)s：编码只能由大写字母和数字组成。",
                positions=positions_text([i for i, _ch in bad]),
                chars=chars_text([ch for _i, ch in bad]),
            )
        )
    if len(code) != t.length:  # the positions cannot be told apart: nothing to decode
        return CodeCheck(False, code, {}, errors, warnings)
    errors.extend(_structure_errors(code, t))
    battery = t.battery_types.get(code[4])
    if battery is not None and not battery.confirmed:
        warnings.append(
            _(
                "第5位（电池类型）'%(ch)s' 对应“%(label)s”，这一对应关系尚未核实。",
                ch=battery.code,
                label=battery.label(),
            )
        )
    fields = _fields(code, t, today or clock.today(), warnings)
    return CodeCheck(not errors, code, fields, errors, warnings)


def _fields(code: str, t: Tables, today: dt.date, warnings: list[str]) -> dict:
    """The decoded parts of a code of the right length (labels None where a character is unknown)."""
    made = _decode_date(code[14:17], t, today, warnings)
    return {
        "maker_code": code[0:3],
        "product_type": code[3],
        "product_type_label": PRODUCT_TYPES.label(code[3]),
        "battery_type": code[4],
        "battery_type_label": BATTERY_TYPES.label(code[4]),
        "spec_code": code[5:7],
        "trace_code": code[7:14],
        "production_date": made.isoformat() if made else None,
        "serial": code[17:24],
    }


@dataclass(frozen=True)
class Segment:
    """One row of the decoded code: its positions, characters and what they mean."""

    positions: str
    chars: str
    name: str
    meaning: str
    ok: bool = True


def segments(result: CodeCheck) -> list[Segment]:
    """The decoded positions of a checked code, for display (empty when the length is wrong)."""
    f = result.fields
    if not f:
        return []
    t = tables()
    battery = t.battery_types.get(f["battery_type"])
    battery_meaning = battery.label() if battery else _("无效的电池类型")
    if battery and not battery.confirmed:
        battery_meaning = _("%(label)s（待核实）", label=battery_meaning)
    serial_ok = set(f["serial"]) <= DIGITS

    def free(chars: str, meaning: str) -> tuple[str, bool]:
        ok = set(chars) <= ALPHANUMERIC
        return (meaning if ok else _("含有不允许的字符")), ok

    rows = {
        "maker_code": (_("厂商代码"), *free(f["maker_code"], _("由编码备案系统分配给生产企业"))),
        "product_type": (
            _("产品类型"),
            f["product_type_label"] or _("无效的产品类型"),
            f["product_type_label"] is not None,
        ),
        "battery_type": (_("电池类型"), battery_meaning, battery is not None),
        "spec_code": (_("规格代码"), *free(f["spec_code"], _("由生产企业定义并备案"))),
        "trace_code": (_("追溯信息代码"), *free(f["trace_code"], _("由生产企业定义并备案"))),
        "production_date": (
            _("生产日期"),
            f["production_date"] or _("未能解析"),
            f["production_date"] is not None,
        ),
        "serial": (_("序列号"), _("当日生产序号") if serial_ok else _("应为7位数字"), serial_ok),
    }
    out = []
    for name, first, last in LAYOUT:
        title, meaning, ok = rows[name]
        positions = str(first) if first == last else f"{first}–{last}"
        out.append(Segment(positions, result.normalized[first - 1 : last], title, meaning, ok))
    return out


def _valid_code(code: str) -> str:
    normalized = normalize(code)
    if len(normalized) != tables().length:
        raise ValueError(f"not a {tables().length}-character battery code: {code!r}")
    return normalized


def product_type(code: str) -> str:
    """The product-type letter (P pack, M module, C cell) of a battery code."""
    return _valid_code(code)[3]


def battery_type(code: str) -> str:
    """The battery-type letter (e.g. B LFP, E ternary) of a battery code."""
    return _valid_code(code)[4]


def production_date(code: str) -> dt.date | None:
    """The production date of a battery code, or None when it does not decode."""
    made = check(code, today=dt.date.max).fields.get("production_date")
    return dt.date.fromisoformat(made) if made else None
