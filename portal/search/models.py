"""The search outbox: one row per change to a searchable record, written in the changing transaction."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core import clock
from portal.db import Base


class SearchOutboxEntry(Base):
    """A change to a searchable record, written in the same transaction as the change."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now, index=True)
