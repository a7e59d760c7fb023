"""``ledger verify``: recompute the hash chain and check the seven invariants from the journal itself.

It reads every transaction once, in order, and reports what is wrong in words, naming the first
transaction where the chain breaks. It trusts nothing derived: account totals and deposit states are
recomputed and compared with what is stored beside the journal.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from portal.ledger import accounts, journal, triggers
from portal.ledger.journal import Line
from portal.ledger.models import ClosedMonth, Deposit, LedgerAccount

SETTLING = (accounts.REFUND, accounts.FORFEIT)


@dataclass
class Report:
    """What verify found: problems (empty when all holds) and what it counted."""

    problems: list[str] = field(default_factory=list)
    transactions: int = 0
    lines: int = 0
    first_broken: int | None = None  # the first transaction whose hash does not match

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, message: str) -> None:
        if len(self.problems) < 200:
            self.problems.append(message)


@dataclass
class _Pack:
    payer: int | None = None
    amount: int = 0
    billed: bool = False
    settled: str | None = None


@dataclass
class _Walk:
    """Running state while reading the journal in order."""

    balances: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    totals: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    packs: dict[int, _Pack] = field(default_factory=lambda: defaultdict(_Pack))
    kinds: dict[int, tuple[str, int | None]] = field(default_factory=dict)
    billed: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    paid: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    escrow_in: int = 0
    escrow_out: int = 0
    negative: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Txn:
    """A transaction as stored, read as plain values (verify reads 100,000s of them)."""

    id: int
    key: str
    kind: str
    posted_on: str  # ISO date
    created_at: str  # ISO, UTC, microseconds (as the hash covers it)
    battery_id: int | None
    enterprise_id: int | None
    reverses_id: int | None
    reference: str
    memo: str
    actor_label: str
    prev_hash: str
    hash: str


SLICE = 20_000


_TXN_SQL = (
    "SELECT id, key, kind, posted_on, created_at, battery_id, enterprise_id, reverses_id, reference, memo,"
    " actor_label, prev_hash, hash FROM ledger_transactions WHERE id > :start ORDER BY id LIMIT :n"
)
_LINE_SQL = (
    "SELECT transaction_id, account_id, side, amount_fen FROM ledger_lines"
    " WHERE transaction_id > :start AND transaction_id <= :last ORDER BY transaction_id, id"
)


def _iso_day(value) -> str:
    return value if isinstance(value, str) else value.isoformat()


def _iso_utc(value) -> str:
    # SQLite keeps UTC as naive text, PostgreSQL returns an aware timestamp.
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
    return journal.utc_iso(value)


def _rows(session: Session):
    """Transactions with their lines, in chain order, a slice of ids at a time.

    Plain SQL on the connection: 100,000 rows through typed ORM columns cost several times the scan.
    """
    connection = session.connection()
    codes = dict(connection.execute(select(LedgerAccount.id, LedgerAccount.code)).all())
    start = 0
    while True:
        txns = connection.execute(text(_TXN_SQL), {"start": start, "n": SLICE}).all()
        if not txns:
            return
        last = txns[-1][0]
        lines: dict[int, list[Line]] = {}
        for txn_id, account_id, side, amount in connection.execute(text(_LINE_SQL), {"start": start, "last": last}):
            lines.setdefault(txn_id, []).append(Line(codes.get(account_id, f"?{account_id}"), side, amount))
        for row in txns:
            yield (
                _Txn(row[0], row[1], row[2], _iso_day(row[3]), _iso_utc(row[4]), *row[5:]),
                lines.get(row[0], []),
            )
        start = last


def verify(session: Session) -> Report:
    """Check the chain and the invariants; the report lists every problem found."""
    report, walk = Report(), _Walk()
    closed = {m.month: journal.utc_iso(m.closed_at) for m in session.scalars(select(ClosedMonth))}
    expected_id, prev_hash = 1, journal.GENESIS
    for txn, lines in _rows(session):
        report.transactions += 1
        report.lines += len(lines)
        if txn.id != expected_id:
            report.add(f"凭证编号不连续：应为第{expected_id}号，实为第{txn.id}号（有凭证被删除或插入）。")
        expected_id = txn.id + 1
        _check_chain(report, txn, lines, prev_hash)
        prev_hash = txn.hash
        _check_shape(report, txn, lines)
        _apply(report, walk, txn, lines)
        month = txn.posted_on[:7]
        if month in closed and txn.created_at > closed[month]:
            report.add(f"第{txn.id}号凭证记入了已结账的{month}（结账于{closed[month][:16]} UTC）。")
    _check_totals(report, walk)
    _check_stored(report, session, walk)
    missing = triggers.names() - triggers.installed(session)
    if missing:
        report.add(f"缺少拒绝修改、删除账本的触发器：{', '.join(sorted(missing))}。")
    return report


def _check_chain(report: Report, txn: _Txn, lines: list[Line], prev_hash: str) -> None:
    computed = journal.stored_hash(txn, lines, prev_hash)
    if (txn.prev_hash != prev_hash or txn.hash != computed) and report.first_broken is None:
        report.first_broken = txn.id
        report.add(f"哈希链在第{txn.id}号凭证（{txn.key}）处断开：该凭证或其分录在记账后被改动。")


def _check_shape(report: Report, txn: _Txn, lines: list[Line]) -> None:
    if len(lines) < 2:
        report.add(f"第{txn.id}号凭证只有{len(lines)}行分录。")
    if any(line.amount_fen <= 0 for line in lines):
        report.add(f"第{txn.id}号凭证有非正数金额。")
    debits = sum(line.amount_fen for line in lines if line.side == "D")
    credits = sum(line.amount_fen for line in lines if line.side == "C")
    if debits != credits:
        report.add(f"第{txn.id}号凭证借贷不平衡：借{debits}分，贷{credits}分。")


@functools.lru_cache(maxsize=4096)
def _parse(code: str) -> tuple[str, int | None] | None:
    return accounts.parse(code)


def _apply(report: Report, walk: _Walk, txn: _Txn, lines: list[Line]) -> None:
    for line in lines:
        parsed = _parse(line.account)
        if parsed is None:
            report.add(f"第{txn.id}号凭证用了未知账户{line.account}。")
            continue
        walk.totals[line.account][0 if line.side == "D" else 1] += line.amount_fen
        walk.balances[line.account] += accounts.signed(accounts.NORMAL[parsed[0]], line.side, line.amount_fen)
        if walk.balances[line.account] < 0 and line.account not in walk.negative:
            walk.negative.add(line.account)
            report.add(f"账户{line.account}在第{txn.id}号凭证后为负（{walk.balances[line.account]}分）。")
    kind, sign = txn.kind, 1
    if kind == accounts.REVERSAL:
        kind, sign = walk.kinds.get(txn.reverses_id or 0, ("?", None))[0], -1
        if kind == "?":
            report.add(f"第{txn.id}号冲销凭证指向不存在或在其后的凭证。")
            return
    walk.kinds[txn.id] = (txn.kind, txn.battery_id)
    amount = sum(line.amount_fen for line in lines if line.side == "D")
    if kind == accounts.PAYMENT:
        walk.paid[txn.enterprise_id] += sign * amount
        walk.escrow_in += sign * amount
    elif kind == accounts.PAYOUT:
        walk.escrow_out += sign * amount
    elif kind == accounts.BILL or kind in SETTLING:
        _apply_pack(report, walk, txn, kind, sign, amount)


def _apply_pack(report: Report, walk: _Walk, txn: _Txn, kind: str, sign: int, amount: int) -> None:
    if txn.battery_id is None:
        report.add(f"第{txn.id}号凭证（{accounts.KINDS.label(kind)}）没有对应的电池包。")
        return
    pack = walk.packs[txn.battery_id]
    if kind == accounts.BILL and sign > 0:
        if pack.billed:
            report.add(f"电池{txn.battery_id}的押金被重复计收（第{txn.id}号凭证）。")
        pack.billed, pack.payer, pack.amount = True, txn.enterprise_id, amount
        walk.billed[txn.enterprise_id] += amount
    elif kind == accounts.BILL:
        if pack.settled:
            report.add(f"电池{txn.battery_id}的押金已结算，计收却被冲销（第{txn.id}号凭证）。")
        pack.billed = False
        walk.billed[txn.enterprise_id] -= amount
    elif sign > 0:
        if not pack.billed:
            report.add(f"电池{txn.battery_id}的押金未计收就被{accounts.KINDS.label(kind)}（第{txn.id}号凭证）。")
        elif pack.settled:
            report.add(f"电池{txn.battery_id}的押金被重复结算（第{txn.id}号凭证，此前已{pack.settled}）。")
        elif amount != pack.amount:
            report.add(f"电池{txn.battery_id}结算的金额（{amount}分）与计收的押金（{pack.amount}分）不符。")
        pack.settled = kind
    else:
        pack.settled = None


def _check_totals(report: Report, walk: _Walk) -> None:
    debits = sum(t[0] for t in walk.totals.values())
    credits = sum(t[1] for t in walk.totals.values())
    if debits != credits:
        report.add(f"试算不平衡：借方合计{debits}分，贷方合计{credits}分。")
    held: dict[int, int] = defaultdict(int)
    for pack in walk.packs.values():
        if pack.billed and not pack.settled and pack.payer is not None:
            held[pack.payer] += pack.amount
    payers = set(held) | {int(c.split(":")[1]) for c in walk.balances if c.startswith(accounts.HELD + ":")}
    for payer in sorted(payers):
        have = walk.balances.get(accounts.code(accounts.HELD, payer), 0)
        if have != held.get(payer, 0):
            report.add(f"单位{payer}的代管押金为{have}分，其未结算电池包的押金合计{held.get(payer, 0)}分。")
    for payer in sorted(set(walk.billed) | set(walk.paid)):
        have = walk.balances.get(accounts.code(accounts.RECEIVABLE, payer), 0)
        if have != walk.billed[payer] - walk.paid[payer]:
            report.add(f"单位{payer}的应收押金为{have}分，计收减到账为{walk.billed[payer] - walk.paid[payer]}分。")
    escrow = walk.balances.get(accounts.ESCROW, 0)
    if escrow != walk.escrow_in - walk.escrow_out:
        report.add(f"押金专户余额{escrow}分，到账减支付为{walk.escrow_in - walk.escrow_out}分。")


def _check_stored(report: Report, session: Session, walk: _Walk) -> None:
    """The stored account totals and deposit states against what the journal says."""
    accounts_stored = select(LedgerAccount.code, LedgerAccount.debits_fen, LedgerAccount.credits_fen)
    for code, stored_debits, stored_credits in session.execute(accounts_stored):
        debits, credits = walk.totals.get(code, [0, 0])
        if (stored_debits, stored_credits) != (debits, credits):
            report.add(
                f"账户{code}记录的发生额（借{stored_debits}、贷{stored_credits}）与分录合计（借{debits}、贷{credits}）不符。"
            )
    expected = {"refund": "refunded", "forfeit": "forfeited"}
    deposits = select(Deposit.battery_id, Deposit.status, Deposit.amount_fen).execution_options(yield_per=20_000)
    for battery_id, status, amount in session.execute(deposits):
        pack = walk.packs.get(battery_id)
        state = "reversed" if pack is None or not pack.billed else expected.get(pack.settled or "", "open")
        if status != state or (pack is not None and pack.billed and amount != pack.amount):
            report.add(f"电池{battery_id}的押金记录（{status}）与账本（{state}）不符。")


def run(session: Session) -> Report:
    """verify, timed (for the command and the nightly job)."""
    started = dt.datetime.now()
    report = verify(session)
    report.seconds = (dt.datetime.now() - started).total_seconds()  # type: ignore[attr-defined]
    return report
