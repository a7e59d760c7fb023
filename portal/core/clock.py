"""The portal's clock: aware UTC now, local (Asia/Shanghai) dates, and a test override.

Every rule that follows dates asks this module for the time, so tests and the job runner can move
the clock (``set_now``) without touching the system clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
_fixed: dt.datetime | None = None


def now() -> dt.datetime:
    """Aware UTC now (or the time set by ``set_now``)."""
    return _fixed if _fixed is not None else dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """Today's date in Shandong."""
    return now().astimezone(LOCAL_TZ).date()


def set_now(value: dt.datetime | None) -> None:
    """Fix the clock at value (aware), or release it with None."""
    global _fixed
    if value is not None and value.tzinfo is None:
        raise ValueError("set_now needs an aware datetime")
    _fixed = value.astimezone(dt.UTC) if value is not None else None


@contextmanager
def kept() -> Iterator[None]:
    """Let a step (the demo seed) move the clock, and put it back as it was: fixed by a test, or running."""
    fixed = _fixed
    try:
        yield
    finally:
        set_now(fixed)


def local(value: dt.datetime | None) -> dt.datetime | None:
    """A stored UTC time as Shandong local time."""
    return value.astimezone(LOCAL_TZ) if value is not None else None


def local_midnight_utc(day: dt.date) -> dt.datetime:
    """The UTC instant at which the given local date begins."""
    return dt.datetime.combine(day, dt.time(), tzinfo=LOCAL_TZ).astimezone(dt.UTC)


def format_datetime(value: dt.datetime | None) -> str:
    local_value = local(value)
    return local_value.strftime("%Y-%m-%d %H:%M") if local_value else ""


def format_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = local(value).date()
    return value.strftime("%Y-%m-%d")
