"""Policy documents, the association's notices and news (政策文件、通知公告、协会动态) and their attachments."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core import clock
from portal.db import Base


class Notice(Base):
    """One published item; it leaves the home page and the list after ``expires_on`` but keeps its URL."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(200), default="")  # issuing body, e.g. 山东省工业和信息化厅
    body: Mapped[str] = mapped_column(Text, default="")
    published_on: Mapped[dt.date] = mapped_column(Date, index=True)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    # Seeded reference entries whose number, date and text are still to be checked against the original.
    needs_check: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now, onupdate=clock.now)
    is_demo: Mapped[bool] = mapped_column(default=False)

    attachments: Mapped[list[NoticeAttachment]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="NoticeAttachment.id"
    )

    def is_expired(self, today: dt.date) -> bool:
        return self.expires_on is not None and self.expires_on < today


class NoticeAttachment(Base):
    """A PDF attached to a notice (typed by content), stored under the data folder."""

    __tablename__ = "notice_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    file: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
