"""One date (and date-and-time) parser for every form, import and API: what people type, as they type it."""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import gettext as _

from portal.errors import DomainError

_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
MIN_YEAR, MAX_YEAR = 1990, 2100


def parse_date(raw: str | dt.date | None, *, field: str | None = None, required: bool = False) -> dt.date | None:
    """A date from 2026-12-01, 2026/12/1, 2026.12.1, 2026年12月1日 or 20261201 (or a date).

    Empty input gives None (or, with required, an error). Anything else that is not a real date
    between 1990 and 2100 raises DomainError naming ``field``.
    """
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = (raw or "").strip()
    text = text.translate(str.maketrans("０１２３４５６７８９／－．", "0123456789/-."))
    # A spreadsheet cell holding a date and time comes as "2026-12-01 00:00:00".
    text = re.sub(r"[ T]00:00(:00)?$", "", text)
    if not text:
        if required:
            raise _error(field, _("请填写日期。"))
        return None
    for pattern in _PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                value = dt.date(year, month, day)
            except ValueError:
                raise _error(field, _("没有这一天：%(text)s。", text=text)) from None
            if not (MIN_YEAR <= value.year <= MAX_YEAR):
                raise _error(field, _("日期超出合理范围。"))
            return value
    raise _error(field, _("日期格式应为“年-月-日”，例如 2026-12-01。"))


def collect_date(raw, errors: dict[str, str], field: str, *, required_message: str | None = None) -> dt.date | None:
    """parse_date for services that gather every field's error before raising: records, never raises."""
    return _collect(parse_date, raw, errors, field, required_message)


def _collect(parser, raw, errors: dict[str, str], field: str, required_message: str | None):
    try:
        value = parser(raw, field=field)
    except DomainError as err:
        errors[field] = err.fields.get(field, err.message)
        return None
    if value is None and required_message:
        errors[field] = required_message
    return value


_TIME = re.compile(r"^(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?$")


def parse_datetime(
    raw: str | dt.datetime | None, *, field: str | None = None, required: bool = False
) -> dt.datetime | None:
    """A Shandong date and time from "2026-12-10 09:00" (any date form parse_date takes; ISO 8601 too).

    A datetime without a zone is taken as Shandong time; a date alone means its midnight. Empty input
    gives None (or, with required, an error); anything else that is not a time raises DomainError.
    """
    from portal.core.clock import LOCAL_TZ

    if isinstance(raw, dt.datetime):
        return raw if raw.tzinfo else raw.replace(tzinfo=LOCAL_TZ)
    try:  # ISO 8601 as systems send it, with or without a zone ("2026-12-10T09:00:00+08:00", "...Z")
        iso = dt.datetime.fromisoformat((raw or "").strip())
    except ValueError:
        iso = None
    if iso is not None:
        return iso if iso.tzinfo else iso.replace(tzinfo=LOCAL_TZ)
    text = " ".join((raw or "").replace("T", " ").split())
    if not text:
        if required:
            raise _error(field, _("请填写时间。"))
        return None
    date_text, _sep, time_text = text.partition(" ")
    match = _TIME.match(time_text) if time_text else None
    try:
        day = parse_date(date_text, field=field)
    except DomainError:
        day = None
    if day is None or (time_text and match is None):
        raise _error(field, _("时间格式应为 2026-12-10 09:00。"))
    hour, minute, second = (int(g or 0) for g in match.groups()) if match else (0, 0, 0)
    if hour > 23 or minute > 59 or second > 59:
        raise _error(field, _("时间格式应为 2026-12-10 09:00。"))
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=LOCAL_TZ)


def collect_datetime(
    raw, errors: dict[str, str], field: str, *, required_message: str | None = None
) -> dt.datetime | None:
    """parse_datetime for services that gather every field's error before raising: records, never raises."""
    return _collect(parse_datetime, raw, errors, field, required_message)


def _error(field: str | None, message: str) -> DomainError:
    return DomainError(message, {field: message} if field else None)


def month_start(day: dt.date, offset: int = 0) -> dt.date:
    """The first day of the month `offset` months after day's (before, for a negative offset)."""
    index = day.year * 12 + day.month - 1 + offset
    return dt.date(index // 12, index % 12 + 1, 1)


def date_range(args, errors: dict[str, str]) -> tuple[dt.date | None, dt.date | None]:
    """(date_from, date_to) from a filter form's query string; each bad field's error recorded in errors
    (that end left open), and an end before the start refused. Never raises."""
    days: dict[str, dt.date | None] = {}
    for name in ("date_from", "date_to"):
        days[name] = collect_date(args.get(name) or None, errors, name)
    if days["date_from"] and days["date_to"] and days["date_from"] > days["date_to"]:
        errors["date_to"] = _("结束日期不能早于开始日期。")
        days["date_to"] = None
    return days["date_from"], days["date_to"]
