"""The technical standards catalogue (标准库): standards, what replaces what, versions, attachments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core import clock
from portal.db import Base

# New standard (standard_id) replaces old standard (replaced_id); many to many, since one new
# standard may replace several old ones and an old one may be split into parts.
standard_replacements = Table(
    "standard_replacements",
    Base.metadata,
    Column("standard_id", Integer, ForeignKey("standards.id", ondelete="CASCADE"), primary_key=True),
    Column("replaced_id", Integer, ForeignKey("standards.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Standard(Base):
    __tablename__ = "standards"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)  # as printed: GB/T 34015.3-2021
    prefix: Mapped[str] = mapped_column(String(20), index=True)
    base_number: Mapped[str] = mapped_column(String(10), index=True)  # without leading zeros
    part: Mapped[int | None]
    year: Mapped[int | None] = mapped_column(index=True)
    title_zh: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    level: Mapped[str] = mapped_column(String(20), index=True)
    topic: Mapped[str] = mapped_column(String(30), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    effective_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    issuing_body: Mapped[str] = mapped_column(String(300), default="")
    drafting_bodies: Mapped[str] = mapped_column(Text, default="")
    scope: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(String(500), default="")
    official_url: Mapped[str] = mapped_column(String(500), default="")
    needs_check: Mapped[bool] = mapped_column(default=False)  # 待核实: dates not confirmed
    is_published: Mapped[bool] = mapped_column(default=False, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    replaces: Mapped[list[Standard]] = relationship(
        secondary=standard_replacements,
        primaryjoin=lambda: Standard.id == standard_replacements.c.standard_id,
        secondaryjoin=lambda: Standard.id == standard_replacements.c.replaced_id,
        back_populates="replaced_by",
        order_by=lambda: Standard.number,
        lazy="selectin",
    )
    replaced_by: Mapped[list[Standard]] = relationship(
        secondary=standard_replacements,
        primaryjoin=lambda: Standard.id == standard_replacements.c.replaced_id,
        secondaryjoin=lambda: Standard.id == standard_replacements.c.standard_id,
        back_populates="replaces",
        order_by=lambda: Standard.number,
        lazy="selectin",
    )
    attachments: Mapped[list[StandardAttachment]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by=lambda: StandardAttachment.id,
        lazy="selectin",
    )
    drafters: Mapped[list[StandardDrafter]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by=lambda: StandardDrafter.position,
        lazy="selectin",
    )


class StandardVersion(Base):
    """The state of a published standard before one of its edits."""

    __tablename__ = "standard_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class StandardAttachment(Base):
    """The full text as an uploaded PDF, or a link to the official source."""

    __tablename__ = "standard_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # pdf | link
    label: Mapped[str] = mapped_column(String(200), default="")
    file_name: Mapped[str] = mapped_column(String(100), default="")  # random name under uploads/
    original_name: Mapped[str] = mapped_column(String(200), default="")
    mime: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int] = mapped_column(default=0)
    url: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(Text, default="")  # extracted from the PDF, for search
    text_status: Mapped[str] = mapped_column(String(20), default="")  # indexed | no_text | unparsable
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class StandardDrafter(Base):
    """A drafting organisation (起草单位) of a standard, in order; linked to the member enterprise it names."""

    __tablename__ = "standard_drafters"

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
