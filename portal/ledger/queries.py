"""The ledger's read side: balances, statements, the scheme's figures, the trial balance, reconciliation.

Reads the registry's batteries (codes only) through ``portal.registry.queries``; never writes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session

from portal.core.dates import date_range, month_start
from portal.errors import DomainError
from portal.ledger import accounts, journal
from portal.ledger.models import Deposit, LedgerAccount, LedgerLine, LedgerTransaction


@dataclass(frozen=True)
class StatementFilters:
    """A statement's filters, checked: dates (inclusive), a pack's code, a transaction kind."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    code: str = ""
    kind: str | None = None

    def args(self) -> dict[str, str]:
        found = {"date_from": self.date_from, "date_to": self.date_to, "code": self.code, "type": self.kind}
        return {k: str(v) for k, v in found.items() if v}


def parse_statement_filters(args) -> StatementFilters:
    """Filters from a query string: date_from, date_to, code, type; refused with field errors."""
    from portal.registry import codes

    errors: dict[str, str] = {}
    date_from, date_to = date_range(args, errors)
    kind = (args.get("type") or "").strip() or None
    if kind is not None and kind not in accounts.KINDS:
        errors["type"] = _("未知的业务类型；可用：%(k)s。", k=", ".join(accounts.KINDS.codes))
    if errors:
        raise DomainError(_("筛选条件有误。"), errors)
    return StatementFilters(date_from, date_to, codes.normalize(args.get("code") or ""), kind)


def member_accounts(session: Session, enterprise_id: int) -> list[LedgerAccount]:
    """The enterprise's own accounts (receivable, held, refunds payable) that have been used."""
    return list(
        session.scalars(
            select(LedgerAccount).where(LedgerAccount.enterprise_id == enterprise_id).order_by(LedgerAccount.kind)
        )
    )


def balances(session: Session, enterprise_id: int) -> dict[str, int]:
    """Balance per account kind of the enterprise, 0 for one never used."""
    found = {kind: 0 for kind in sorted(accounts.PER_MEMBER)}
    for account in member_accounts(session, enterprise_id):
        found[account.kind] = account.balance_fen
    return found


def statement_query(session: Session, enterprise_id: int | None, filters: StatementFilters) -> Select:
    """Lines on the enterprise's accounts (every account for None: staff), newest first."""
    query = (
        select(LedgerLine, LedgerTransaction, LedgerAccount)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerLine.transaction_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
        .order_by(LedgerTransaction.id.desc(), LedgerLine.id)
    )
    if enterprise_id is not None:
        query = query.where(LedgerAccount.enterprise_id == enterprise_id)
    if filters.date_from:
        query = query.where(LedgerTransaction.posted_on >= filters.date_from)
    if filters.date_to:
        query = query.where(LedgerTransaction.posted_on <= filters.date_to)
    if filters.kind:
        query = query.where(LedgerTransaction.kind == filters.kind)
    if filters.code:
        from portal.registry.queries import batteries_by_codes

        battery = batteries_by_codes(session, {filters.code}).get(filters.code)
        query = query.where(LedgerTransaction.battery_id == (battery.id if battery else -1))
    return query


@dataclass(frozen=True)
class StatementLine:
    """One line of a statement as people read it."""

    transaction_id: int
    posted_on: dt.date
    kind: str
    account_kind: str
    account_code: str
    side: str
    amount_fen: int
    change_fen: int  # + raises the account's balance, - lowers it
    pack_code: str
    reference: str
    memo: str
    reverses_id: int | None


def statement_lines(session: Session, rows) -> list[StatementLine]:
    """Rows of statement_query as StatementLine, with the packs' codes looked up once."""
    from portal.registry.queries import codes_of

    rows = list(rows)
    pack_codes = codes_of(session, {txn.battery_id for _line, txn, _acc in rows})
    return [
        StatementLine(
            transaction_id=txn.id,
            posted_on=txn.posted_on,
            kind=txn.kind,
            account_kind=account.kind,
            account_code=account.code,
            side=line.side,
            amount_fen=line.amount_fen,
            change_fen=accounts.signed(account.normal, line.side, line.amount_fen),
            pack_code=pack_codes.get(txn.battery_id, "") if txn.battery_id else "",
            reference=txn.reference,
            memo=txn.memo,
            reverses_id=txn.reverses_id,
        )
        for line, txn, account in rows
    ]


def open_deposits(session: Session, enterprise_id: int, limit: int = 200) -> list[tuple[Deposit, str]]:
    """The enterprise's deposits still held (pack not yet back), oldest first, with the packs' codes."""
    from portal.registry.queries import codes_of

    found = list(
        session.scalars(
            select(Deposit)
            .where(Deposit.payer_enterprise_id == enterprise_id, Deposit.status == "open")
            .order_by(Deposit.billed_on, Deposit.id)
            .limit(limit)
        )
    )
    pack_codes = codes_of(session, {d.battery_id for d in found})
    return [(d, pack_codes.get(d.battery_id, "")) for d in found]


def deposit_counts(session: Session, enterprise_id: int | None = None) -> dict[str, tuple[int, int]]:
    """status -> (packs, fen), for one payer or the whole scheme."""
    query = select(Deposit.status, func.count(), func.coalesce(func.sum(Deposit.amount_fen), 0)).group_by(
        Deposit.status
    )
    if enterprise_id is not None:
        query = query.where(Deposit.payer_enterprise_id == enterprise_id)
    return {status: (count, int(total)) for status, count, total in session.execute(query)}


def trial_balance(session: Session) -> list[LedgerAccount]:
    """Every account with its debit and credit totals (the sums of the two columns are equal)."""
    return list(session.scalars(select(LedgerAccount).order_by(LedgerAccount.kind, LedgerAccount.enterprise_id)))


def scheme_totals(session: Session) -> dict[str, int]:
    """Balance per account kind across the scheme (escrow, receivable, held, payable, fund)."""
    totals: dict[str, int] = defaultdict(int)
    for account in trial_balance(session):
        totals[account.kind] += account.balance_fen
    return {kind: totals.get(kind, 0) for kind in accounts.ACCOUNT_KINDS.codes}


def monthly(session: Session, months: int = 12, today: dt.date | None = None) -> list[dict]:
    """Per month: deposits billed, payments received, refunds approved and paid, forfeited (net of reversals)."""
    from portal.core import clock

    today = today or clock.today()
    first = month_start(today, 1 - months)
    original = LedgerTransaction.__table__.alias("original")
    kind = case((LedgerTransaction.kind == accounts.REVERSAL, original.c.kind), else_=LedgerTransaction.kind)
    sign = case((LedgerTransaction.kind == accounts.REVERSAL, -1), else_=1)
    debit_total = (
        select(func.coalesce(func.sum(LedgerLine.amount_fen), 0))
        .where(LedgerLine.transaction_id == LedgerTransaction.id, LedgerLine.side == "D")
        .scalar_subquery()
    )
    rows = session.execute(
        select(LedgerTransaction.posted_on, kind, func.sum(sign * debit_total))
        .outerjoin(original, and_(original.c.id == LedgerTransaction.reverses_id))
        .where(LedgerTransaction.posted_on >= first)
        .group_by(LedgerTransaction.posted_on, kind)
    )
    by_month: dict[str, dict[str, int]] = {
        journal.month_of(month_start(first, n)): defaultdict(int) for n in range(months)
    }
    for posted_on, kind_, total in rows:
        key = journal.month_of(posted_on)
        if key in by_month:
            by_month[key][kind_] += int(total or 0)
    return [{"month": month, **{k: v.get(k, 0) for k in accounts.KINDS.codes}} for month, v in by_month.items()]


@dataclass(frozen=True)
class PayerReconciliation:
    """Invariant 3 for one payer: the held account against its packs, and the packs that differ."""

    enterprise_id: int
    held_fen: int
    open_packs: int
    open_fen: int
    receivable_fen: int
    billed_fen: int
    paid_fen: int
    differences: list[tuple[int, str, int, int]]  # battery id, code, held by journal, deposit if open

    @property
    def ok(self) -> bool:
        return (
            self.held_fen == self.open_fen
            and self.receivable_fen == self.billed_fen - self.paid_fen
            and not self.differences
        )


def reconciliation(session: Session) -> list[PayerReconciliation]:
    """Per payer, pack by pack: what the journal holds for each pack against its deposit state."""
    from portal.registry.queries import codes_of

    held_line = (
        select(
            LedgerTransaction.battery_id,
            LedgerAccount.enterprise_id,
            func.sum(case((LedgerLine.side == "C", LedgerLine.amount_fen), else_=-LedgerLine.amount_fen)),
        )
        .join(LedgerLine, LedgerLine.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
        .where(LedgerAccount.kind == accounts.HELD)
        .group_by(LedgerTransaction.battery_id, LedgerAccount.enterprise_id)
    )
    journal_held = {(b, e): int(v) for b, e, v in session.execute(held_line)}
    deposits = {d.battery_id: d for d in session.scalars(select(Deposit))}
    paid = dict(
        session.execute(
            select(Deposit.payer_enterprise_id, func.sum(Deposit.paid_fen)).group_by(Deposit.payer_enterprise_id)
        ).all()
    )
    accounts_by_code = {a.code: a for a in trial_balance(session)}
    payers = {e for _b, e in journal_held} | {d.payer_enterprise_id for d in deposits.values()}
    differing: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for (battery_id, payer), held in journal_held.items():
        deposit = deposits.get(battery_id)
        expected = (
            deposit.amount_fen if deposit and deposit.status == "open" and deposit.payer_enterprise_id == payer else 0
        )
        if held != expected:
            differing[payer].append((battery_id, held, expected))
    pack_codes = codes_of(session, {b for rows in differing.values() for b, _h, _e in rows})
    result = []
    for payer in sorted(p for p in payers if p is not None):
        open_ = [d for d in deposits.values() if d.payer_enterprise_id == payer and d.status == "open"]
        billed = sum(
            d.amount_fen for d in deposits.values() if d.payer_enterprise_id == payer and d.status != "reversed"
        )
        held_account = accounts_by_code.get(accounts.code(accounts.HELD, payer))
        receivable = accounts_by_code.get(accounts.code(accounts.RECEIVABLE, payer))
        result.append(
            PayerReconciliation(
                enterprise_id=payer,
                held_fen=held_account.balance_fen if held_account else 0,
                open_packs=len(open_),
                open_fen=sum(d.amount_fen for d in open_),
                receivable_fen=receivable.balance_fen if receivable else 0,
                billed_fen=billed,
                paid_fen=int(paid.get(payer) or 0),
                differences=[(b, pack_codes.get(b, ""), h, e) for b, h, e in differing.get(payer, [])],
            )
        )
    return result


# --- what the scheme's pages need besides the figures ----------------------------------------------


def enterprise_name(session: Session, enterprise_id: int) -> str:
    """The enterprise's registered name ('' when unknown)."""
    from portal.members.queries import enterprise_briefs

    brief = enterprise_briefs(session, [enterprise_id]).get(enterprise_id)
    return brief.name if brief else ""


def member_choices(session: Session) -> list[tuple[int, str]]:
    """Admitted member enterprises as (id, name), by name: whom staff may bill or record a payment for."""
    from portal.members.queries import enterprise_briefs, enterprise_ids_by_credit_code

    briefs = enterprise_briefs(session, enterprise_ids_by_credit_code(session).values())
    return sorted(((b.id, b.name) for b in briefs.values()), key=lambda pair: pair[1])


def account_holders(session: Session, kind: str | None = None) -> list[tuple[int, str, int]]:
    """Enterprises holding an account of the scheme (of one kind, if given): (id, name, balance of that kind)."""
    from portal.members.queries import enterprise_briefs

    found: dict[int, int] = defaultdict(int)
    for account in trial_balance(session):
        if account.enterprise_id is not None and (kind is None or account.kind == kind):
            found[account.enterprise_id] += account.balance_fen if kind else 0
    briefs = enterprise_briefs(session, found)
    return sorted(
        ((i, briefs[i].name if i in briefs else str(i), fen) for i, fen in found.items()), key=lambda row: row[1]
    )


def transaction_lines(session: Session, txn_id: int) -> list[StatementLine]:
    """One transaction's lines as statement lines (empty when there is no such transaction)."""
    query = statement_query(session, None, StatementFilters()).where(LedgerTransaction.id == txn_id)
    return statement_lines(session, session.execute(query))


def reversed_by(session: Session, txn_id: int) -> int | None:
    """The id of the reversal that undid the transaction, if any."""
    return session.scalar(select(LedgerTransaction.id).where(LedgerTransaction.reverses_id == txn_id))


def adjustments(session: Session, limit: int = 200) -> list:
    """Manual adjustments, newest first (proposed ones are waiting for another staff member)."""
    from portal.ledger.models import Adjustment

    return list(session.scalars(select(Adjustment).order_by(Adjustment.id.desc()).limit(limit)))


def closed_month_list(session: Session) -> list:
    """The months staff have closed, newest first."""
    from portal.ledger.models import ClosedMonth

    return list(session.scalars(select(ClosedMonth).order_by(ClosedMonth.month.desc())))
