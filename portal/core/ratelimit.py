"""One general limiter: at most ``limit`` hits per key in a sliding window, counted in the database.

The database holds the hits, so every worker process sees the same counts. ``hit`` records a hit or raises
``TooManyRequests`` (answered 429 with Retry-After); the caller commits the recorded hit before answering, even
when its own answer is an error (a walk through unknown numbers must be counted too).
"""

from __future__ import annotations

import datetime as dt
import math

from flask_babel import gettext as _
from sqlalchemy import String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.core import clock
from portal.db import Base
from portal.errors import TooManyRequests


class RateLimitHit(Base):
    __tablename__ = "rate_limit_hits"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=clock.now, index=True)


def hit(session: Session, key: str, *, limit: int, window: int, message: str | None = None) -> None:
    """Count one hit for key; TooManyRequests if key already had ``limit`` hits in the last ``window`` seconds."""
    now = clock.now()
    since = now - dt.timedelta(seconds=window)
    count, oldest = session.execute(
        select(func.count(), func.min(RateLimitHit.at)).where(RateLimitHit.key == key, RateLimitHit.at > since)
    ).one()
    if count >= limit:
        retry_after = max(1, math.ceil((oldest + dt.timedelta(seconds=window) - now).total_seconds()))
        raise TooManyRequests(message or _("请求过于频繁，请在%(n)d秒后重试。", n=retry_after), retry_after=retry_after)
    session.add(RateLimitHit(key=key, at=now))
    if count == 0:  # old rows are only clutter: tidy up now and then, on a key's first hit of a window
        session.execute(delete(RateLimitHit).where(RateLimitHit.at < now - dt.timedelta(days=1)))
    session.flush()
