"""The battery registry: batteries, their lifecycle events, transfers between holders, re-coding links."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core import clock
from portal.db import Base
from portal.registry import lifecycle


class Battery(Base):
    """A pack, module or cell by its GB/T 34014 code; who holds it and where it is, now."""

    __tablename__ = "batteries"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    product_type: Mapped[str] = mapped_column(String(1), index=True)  # P pack, M module, C cell
    battery_type: Mapped[str] = mapped_column(String(1))
    chemistry: Mapped[str] = mapped_column(String(20), index=True)
    rated_capacity_kwh: Mapped[Decimal] = mapped_column(Numeric(10, 3))
    mass_kg: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    produced_on: Mapped[dt.date | None]
    maker_enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    maker_name: Mapped[str] = mapped_column(String(200))
    maker_credit_code: Mapped[str] = mapped_column(String(18), default="")
    pack_id: Mapped[int | None] = mapped_column(ForeignKey("batteries.id"), index=True)
    vin: Mapped[str | None] = mapped_column(String(17), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)  # lifecycle state (see lifecycle.STATES)
    # The holder: a member (enterprise id), or someone outside the association (name and credit code);
    # all empty while the battery is in transit (its pending transfer names sender and receiver).
    holder_enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    holder_name: Mapped[str] = mapped_column(String(200), default="")
    holder_credit_code: Mapped[str] = mapped_column(String(18), default="")
    location_outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id"), index=True)
    location_site: Mapped[str] = mapped_column(String(200), default="")
    in_transit: Mapped[bool] = mapped_column(default=False, index=True)
    last_event_at: Mapped[dt.datetime | None]  # when the latest reported move happened (not production)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    pack: Mapped[Battery | None] = relationship(remote_side=[id], lazy="raise_on_sql")

    def hold(self, enterprise_id: int | None, name: str, credit_code: str, outlet_id: int | None, site: str) -> None:
        """Put the battery in someone's hands (a member's, or an outside party's) at a place."""
        self.in_transit = False
        self.holder_enterprise_id = enterprise_id
        self.holder_name, self.holder_credit_code = name, credit_code
        self.location_outlet_id, self.location_site = outlet_id, site

    @property
    def shown_state(self) -> str:
        """The state as people see it: in transit while a transfer waits, else the lifecycle state."""
        return lifecycle.IN_TRANSIT if self.in_transit else self.state


class BatteryParty(Base):
    """Every enterprise that has held a battery or been sent it: they may see its whole chain."""

    __tablename__ = "battery_parties"

    battery_id: Mapped[int] = mapped_column(ForeignKey("batteries.id", ondelete="CASCADE"), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), primary_key=True, index=True)


class BatteryEvent(Base):
    """One reported lifecycle event; never changed or deleted (a correction is a new event)."""

    __tablename__ = "battery_events"
    __table_args__ = (Index("ix_battery_events_battery_id_id", "battery_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    battery_id: Mapped[int] = mapped_column(ForeignKey("batteries.id"))
    event: Mapped[str] = mapped_column(String(30))
    occurred_at: Mapped[dt.datetime]
    reported_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    reporter_enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    reporter_label: Mapped[str] = mapped_column(String(254))
    reporter_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id"))
    site: Mapped[str] = mapped_column(String(200), default="")
    counterparty_enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    counterparty_name: Mapped[str] = mapped_column(String(200), default="")
    counterparty_credit_code: Mapped[str] = mapped_column(String(18), default="")
    # A counter-party outside the association cannot confirm: the reporter records its side, with a
    # document (hand-over note, contract number...) as evidence, and the event is marked as such.
    counterparty_by_reporter: Mapped[bool] = mapped_column(default=False)
    evidence_document: Mapped[str] = mapped_column(String(300), default="")
    from_state: Mapped[str] = mapped_column(String(20), default="")
    to_state: Mapped[str] = mapped_column(String(20))
    vin: Mapped[str | None] = mapped_column(String(17))
    recovered_li_kg: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    recovered_ni_kg: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    recovered_co_kg: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    recovered_mn_kg: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    deadline_working_days: Mapped[int | None]
    working_days_taken: Mapped[int | None]
    late_by_working_days: Mapped[int] = mapped_column(default=0)
    corrects_event_id: Mapped[int | None] = mapped_column(ForeignKey("battery_events.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(default=False)

    @property
    def is_late(self) -> bool:
        return self.late_by_working_days > 0


class BatteryTransfer(Base):
    """A hand-over from a sender to a member receiver, pending until the receiver confirms or refuses."""

    __tablename__ = "battery_transfers"
    __table_args__ = (
        # A battery has at most one transfer waiting: it is never on its way to two places.
        Index(
            "uq_battery_transfers_pending",
            "battery_id",
            unique=True,
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    battery_id: Mapped[int] = mapped_column(ForeignKey("batteries.id"), index=True)
    dispatch_event_id: Mapped[int | None] = mapped_column(ForeignKey("battery_events.id"))
    intake_event_id: Mapped[int | None] = mapped_column(ForeignKey("battery_events.id"))
    sender_enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    sender_name: Mapped[str] = mapped_column(String(200))
    sender_credit_code: Mapped[str] = mapped_column(String(18), default="")
    receiver_enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    receiver_name: Mapped[str] = mapped_column(String(200))
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id"))  # the destination outlet, if any
    state: Mapped[str] = mapped_column(String(20), default="pending", index=True)  # pending|confirmed|refused
    # What the sender had before the dispatch, so a refusal returns the battery exactly there.
    state_before: Mapped[str] = mapped_column(String(20))
    outlet_before_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id"))
    site_before: Mapped[str] = mapped_column(String(200), default="")
    sent_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    decided_at: Mapped[dt.datetime | None]
    decided_by: Mapped[str] = mapped_column(String(254), default="")
    refusal_reason: Mapped[str] = mapped_column(Text, default="")

    # Set as objects, so a batch needs no flush per event to learn the events' ids.
    dispatch_event: Mapped[BatteryEvent | None] = relationship(foreign_keys=[dispatch_event_id], lazy="raise_on_sql")
    intake_event: Mapped[BatteryEvent | None] = relationship(foreign_keys=[intake_event_id], lazy="raise_on_sql")


class BatteryLink(Base):
    """Cascade-use re-coding: a product (new code) made from original packs or modules."""

    __tablename__ = "battery_links"

    product_id: Mapped[int] = mapped_column(ForeignKey("batteries.id"), primary_key=True)
    original_id: Mapped[int] = mapped_column(ForeignKey("batteries.id"), primary_key=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
