"""The register of issued documents: every numbered certificate, list or statement the portal hands out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core import clock
from portal.db import Base


class IssuedDocument(Base):
    """One issued document; its number is random and printed on it, its status derived from the dates and marks."""

    __tablename__ = "issued_documents"
    __table_args__ = (Index("ix_issued_documents_subject", "kind", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    fingerprint: Mapped[str] = mapped_column(String(120), default="")
    holder_name: Mapped[str] = mapped_column(String(300), index=True)
    shown: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # label -> value, as printed
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    issued_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[dt.datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str] = mapped_column(String(500), default="")
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("issued_documents.id"))

    replaced_by: Mapped[IssuedDocument | None] = relationship(remote_side=[id], lazy="joined")

    def status(self, today: dt.date | None = None) -> str:
        """valid | expired | revoked | replaced (replaced wins over revoked: the successor is what to show)."""
        if self.replaced_by_id is not None:
            return "replaced"
        if self.revoked_at is not None:
            return "revoked"
        today = today or clock.today()
        if self.valid_to is not None and today > self.valid_to:
            return "expired"
        return "valid"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.replaced_by_id is None
