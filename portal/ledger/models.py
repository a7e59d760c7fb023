"""The deposit scheme's tables: rule versions, the journal (append-only), and what is derived from it.

The journal is ``ledger_transactions`` and ``ledger_lines`` (and the closed months): rows are only
ever inserted; database triggers refuse UPDATE and DELETE (``portal.ledger.triggers``). Accounts'
running totals and each pack's deposit state are kept beside it for fast reads and checks; they are
derived, and ``ledger verify`` recomputes them from the journal.
"""

from __future__ import annotations

import datetime as dt
import functools

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core import clock
from portal.db import Base


class DepositRule(Base):
    """One version of the scheme's rules, in force from its date until the next version's."""

    __tablename__ = "deposit_rules"
    __table_args__ = (
        CheckConstraint("collector_share_bp BETWEEN 0 AND 10000", name="share_range"),
        CheckConstraint("flat_fen_per_pack IS NULL OR flat_fen_per_pack > 0", name="flat_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[dt.date] = mapped_column(unique=True)
    flat_fen_per_pack: Mapped[int | None] = mapped_column(BigInteger)  # instead of the rates, if set
    collector_share_bp: Mapped[int]  # the collector's share of a refund, in hundredths of a percent
    forfeit_after_days: Mapped[int]  # after the pack's retirement
    refund_via_outlets: Mapped[bool] = mapped_column(default=True)  # intakes at outlets rated 合规
    refund_via_whitelist: Mapped[bool] = mapped_column(default=True)  # whitelisted cascade-use, recyclers
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    is_demo: Mapped[bool] = mapped_column(default=False)

    rates: Mapped[list[DepositRate]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="DepositRate.chemistry"
    )

    def rate_for(self, chemistry: str) -> int | None:
        return self.rate_table.get(chemistry)

    @functools.cached_property
    def rate_table(self) -> dict[str, int]:
        """chemistry -> fen per kWh (a version's rates never change once it is added)."""
        return {r.chemistry: r.fen_per_kwh for r in self.rates}


class DepositRate(Base):
    """A rule version's rate per kWh of rated capacity for one chemistry, in fen."""

    __tablename__ = "deposit_rates"
    __table_args__ = (CheckConstraint("fen_per_kwh > 0", name="rate_positive"),)

    rule_id: Mapped[int] = mapped_column(ForeignKey("deposit_rules.id", ondelete="CASCADE"), primary_key=True)
    chemistry: Mapped[str] = mapped_column(String(20), primary_key=True)
    fen_per_kwh: Mapped[int] = mapped_column(BigInteger)


class LedgerAccount(Base):
    """An account and its running totals (derived from the lines; never below zero on its normal side)."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        CheckConstraint(
            "(normal = 'D' AND credits_fen <= debits_fen) OR (normal = 'C' AND debits_fen <= credits_fen)",
            name="not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)  # e.g. deposits_held:12
    kind: Mapped[str] = mapped_column(String(30), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    normal: Mapped[str] = mapped_column(String(1))  # D: debit-normal (assets), C: credit-normal
    debits_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    @property
    def balance_fen(self) -> int:
        """The balance on the account's normal side (what is held, owed or payable)."""
        return self.debits_fen - self.credits_fen if self.normal == "D" else self.credits_fen - self.debits_fen


class LedgerTransaction(Base):
    """One posted transaction: balanced lines, a key from its cause, and its place in the hash chain."""

    __tablename__ = "ledger_transactions"

    # 1, 2, 3 ...: the transaction's place in the hash chain, given by the poster (never a sequence).
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # what caused it: an operation posts once
    kind: Mapped[str] = mapped_column(String(20), index=True)
    posted_on: Mapped[dt.date] = mapped_column(index=True)  # the business date (Asia/Shanghai)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    battery_id: Mapped[int | None] = mapped_column(ForeignKey("batteries.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)  # payer / payee
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"), unique=True)
    reference: Mapped[str] = mapped_column(String(100), default="", index=True)  # bank serial, adjustment no.
    memo: Mapped[str] = mapped_column(Text, default="")
    actor_label: Mapped[str] = mapped_column(String(254))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    is_demo: Mapped[bool] = mapped_column(default=False)

    lines: Mapped[list[LedgerLine]] = relationship(lazy="raise_on_sql", order_by="LedgerLine.id")


class LedgerLine(Base):
    """A debit or a credit of a positive amount on one account."""

    __tablename__ = "ledger_lines"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("side IN ('D', 'C')", name="side_known"),
        Index("ix_ledger_lines_account_id_transaction_id", "account_id", "transaction_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    side: Mapped[str] = mapped_column(String(1))
    amount_fen: Mapped[int] = mapped_column(BigInteger)

    account: Mapped[LedgerAccount] = relationship(lazy="joined")


class ClosedMonth(Base):
    """A month staff have closed: nothing more is posted with a date inside it."""

    __tablename__ = "ledger_closed_months"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # 2026-11
    closed_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    closed_by: Mapped[str] = mapped_column(String(254))


class Deposit(Base):
    """A pack's deposit as the journal leaves it (derived): who pays, how much, paid, settled how."""

    __tablename__ = "deposits"
    __table_args__ = (CheckConstraint("paid_fen BETWEEN 0 AND amount_fen", name="paid_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    battery_id: Mapped[int] = mapped_column(ForeignKey("batteries.id"), unique=True)
    payer_enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("deposit_rules.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(20), index=True)  # open | refunded | forfeited | reversed
    billed_on: Mapped[dt.date] = mapped_column(index=True)
    billed_txn_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"))
    settled_txn_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    collector_enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    # How many times its billing, and its settlement, were reversed: the next one's key carries it.
    bill_round: Mapped[int] = mapped_column(default=0)
    settle_round: Mapped[int] = mapped_column(default=0)
    is_demo: Mapped[bool] = mapped_column(default=False)


class DepositAllocation(Base):
    """Which open deposits a payment paid, oldest first (so a reversed payment unpays exactly them)."""

    __tablename__ = "deposit_allocations"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    payment_txn_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), primary_key=True)
    deposit_id: Mapped[int] = mapped_column(ForeignKey("deposits.id"), primary_key=True, index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class Adjustment(Base):
    """A manual adjustment: proposed by one staff member with a reason, posted when another approves."""

    __tablename__ = "ledger_adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(20), default="proposed", index=True)  # proposed|approved|rejected
    reason: Mapped[str] = mapped_column(Text)
    lines_json: Mapped[str] = mapped_column(Text)  # [{"account": code, "side": "D", "amount_fen": n}]
    posted_on: Mapped[dt.date]
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_by: Mapped[str] = mapped_column(String(254))
    proposed_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by: Mapped[str] = mapped_column(String(254), default="")
    decided_at: Mapped[dt.datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
