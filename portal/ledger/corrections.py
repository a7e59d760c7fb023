"""What corrects the ledger, since nothing in it is ever changed: reversals, adjustments, closed months.

* A reversal mirrors an earlier transaction and points at it; a reversed deposit billing or
  settlement opens the next round for its pack.
* A manual adjustment is proposed by one staff member with a reason and posted when another
  approves it; nobody approves their own.
* A closed month takes no more postings dated inside it.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.core import audit, clock, money
from portal.core.actors import actor_label, require_staff
from portal.errors import DomainError, Forbidden, NotFound
from portal.ledger import accounts, journal
from portal.ledger.journal import Line, Posting
from portal.ledger.models import Adjustment, ClosedMonth, Deposit, DepositAllocation, LedgerTransaction


def _reason(raw: str) -> str:
    reason = (raw or "").strip()
    if not reason:
        raise DomainError(_("请填写原因。"), {"reason": _("请填写原因。")})
    if len(reason) > 2000:
        raise DomainError(_("原因不能超过2000个字符。"), {"reason": _("不能超过2000个字符。")})
    return reason


def get_transaction(session: Session, txn_id: int) -> LedgerTransaction:
    txn = session.scalars(
        select(LedgerTransaction).options(selectinload(LedgerTransaction.lines)).where(LedgerTransaction.id == txn_id)
    ).first()
    if txn is None:
        raise NotFound(_("没有这张凭证。"))
    return txn


def reverse(session: Session, actor, txn_id: int, reason: str, *, demo: bool = False) -> int:
    """Staff reverse a transaction (with a reason): a mirror posted today that points at it."""
    require_staff(actor)
    reason = _reason(reason)
    journal.lock(session)
    txn = get_transaction(session, txn_id)
    if txn.kind == accounts.REVERSAL:
        raise DomainError(_("冲销凭证不能再冲销：如需恢复，请重新办理原业务。"))
    done = session.scalar(select(LedgerTransaction.id).where(LedgerTransaction.reverses_id == txn.id))
    if done:
        raise DomainError(_("第%(id)d号凭证已被第%(by)d号凭证冲销。", id=txn.id, by=done))
    deposit = _deposit_check(session, txn)
    posting = Posting(
        key=f"reversal:{txn.id}",
        kind=accounts.REVERSAL,
        posted_on=clock.today(),
        lines=journal.mirror(txn),
        battery_id=txn.battery_id,
        enterprise_id=txn.enterprise_id,
        reverses_id=txn.id,
        reference=txn.reference,
        memo=reason,
    )
    new_id = journal.post(session, actor, posting, demo=demo)
    if txn.kind == accounts.BILL:
        deposit.status, deposit.bill_round = "reversed", deposit.bill_round + 1
    elif txn.kind in (accounts.REFUND, accounts.FORFEIT):
        deposit.status, deposit.settle_round = "open", deposit.settle_round + 1
        deposit.settled_txn_id = deposit.collector_enterprise_id = None
    elif txn.kind == accounts.PAYMENT:
        paid = select(Deposit, DepositAllocation.amount_fen).join(
            DepositAllocation, DepositAllocation.deposit_id == Deposit.id
        )
        for owed, amount in session.execute(paid.where(DepositAllocation.payment_txn_id == txn.id)):
            owed.paid_fen -= amount
    session.flush()
    audit.record(
        session, actor, "ledger.reversal", "ledger_transaction", txn.id, after={"by": new_id, "reason": reason}
    )
    return new_id


def _deposit_check(session: Session, txn: LedgerTransaction) -> Deposit | None:
    """The deposit a bill, refund or forfeiture reversal reopens, if it may be reversed now."""
    if txn.kind not in (accounts.BILL, accounts.REFUND, accounts.FORFEIT):
        return None
    deposit = session.scalar(select(Deposit).where(Deposit.battery_id == txn.battery_id))
    if txn.kind == accounts.BILL:
        if deposit is None or deposit.billed_txn_id != txn.id or deposit.status != "open":
            raise DomainError(_("该押金已退还或转入基金：请先冲销退还或转入的凭证，再冲销计收。"))
        if deposit.paid_fen:
            raise DomainError(_("该押金已收到付款：请先冲销付款凭证，再冲销计收。"))
    elif deposit is None or deposit.settled_txn_id != txn.id:
        raise DomainError(_("这张凭证已不是该押金的当前结算，不能冲销。"))
    return deposit


# --- manual adjustments ---------------------------------------------------------------------


def parse_lines(raw: str) -> tuple[Line, ...]:
    """Adjustment lines typed one per line: ``<account> <D|C> <yuan>``, e.g. ``recycling_fund D 120.00``."""
    lines, errors = [], []
    for number, text in enumerate((raw or "").splitlines(), start=1):
        if not text.strip():
            continue
        parts = text.split()
        if len(parts) != 3 or parts[1].upper() not in ("D", "C"):
            errors.append(_("第%(n)d行应为“账户 D或C 金额”。", n=number))
            continue
        parsed = accounts.parse(parts[0])
        if parsed is None or parsed[0] not in accounts.ADJUSTABLE:
            errors.append(
                _("第%(n)d行：只能调整应付退款（refunds_payable:单位编号）和回收利用基金（recycling_fund）。", n=number)
            )
            continue
        try:
            fen = money.parse_yuan(parts[2])
        except ValueError:
            errors.append(_("第%(n)d行：金额格式不对。", n=number))
            continue
        lines.append(Line(parts[0], parts[1].upper(), fen))
    if errors:
        raise DomainError(_("调整分录有误。"), {"lines": "；".join(errors)})
    return tuple(lines)


def propose(session: Session, actor, raw_lines: str, reason: str, posted_on=None) -> Adjustment:
    """A staff member proposes a balanced adjustment, with a reason; nothing is posted yet."""
    from portal.core.dates import parse_date
    from portal.members.queries import enterprise_briefs

    require_staff(actor)
    reason = _reason(reason)
    lines = parse_lines(raw_lines)
    day = parse_date(posted_on, field="posted_on") or clock.today()
    try:
        journal.check_shape(Posting(key="check", kind=accounts.ADJUSTMENT, posted_on=day, lines=lines))
    except DomainError as err:
        raise DomainError(err.message, {"lines": err.message}) from None
    members = {accounts.parse(line.account)[1] for line in lines} - {None}
    known = enterprise_briefs(session, members)
    if members - set(known):
        raise DomainError(_("分录中的单位编号不存在。"), {"lines": _("分录中的单位编号不存在。")})
    if journal.month_of(day) in journal.closed_months(session):
        raise DomainError(_("该月已结账。"), {"posted_on": _("该月已结账。")})
    adjustment = Adjustment(
        reason=reason,
        lines_json=json.dumps([[x.account, x.side, x.amount_fen] for x in lines]),
        posted_on=day,
        proposed_by_id=actor.id,
        proposed_by=actor_label(actor),
    )
    session.add(adjustment)
    session.flush()
    audit.record(
        session, actor, "ledger.adjustment_proposed", "ledger_adjustment", adjustment.id, after={"reason": reason}
    )
    return adjustment


def adjustment_lines(adjustment: Adjustment) -> tuple[Line, ...]:
    return tuple(Line(a, s, n) for a, s, n in json.loads(adjustment.lines_json))


def _pending(session: Session, actor, adjustment_id: int) -> Adjustment:
    require_staff(actor)
    adjustment = session.get(Adjustment, adjustment_id)
    if adjustment is None:
        raise NotFound(_("没有这项调整。"))
    if adjustment.state != "proposed":
        raise DomainError(_("这项调整已处理。"))
    if adjustment.proposed_by_id == getattr(actor, "id", None):
        raise Forbidden(_("不能核准或驳回自己提出的调整：须由另一名工作人员处理。"))
    return adjustment


def approve(session: Session, actor, adjustment_id: int, *, demo: bool = False) -> int:
    """Another staff member approves a proposed adjustment: it is posted."""
    adjustment = _pending(session, actor, adjustment_id)
    journal.lock(session)
    txn_id = journal.post(
        session,
        actor,
        Posting(
            key=f"adjustment:{adjustment.id}",
            kind=accounts.ADJUSTMENT,
            posted_on=adjustment.posted_on,
            lines=adjustment_lines(adjustment),
            reference=f"ADJ-{adjustment.id}",
            memo=adjustment.reason,
        ),
        demo=demo,
    )
    adjustment.state, adjustment.transaction_id = "approved", txn_id
    adjustment.decided_by_id, adjustment.decided_by, adjustment.decided_at = actor.id, actor_label(actor), clock.now()
    session.flush()
    audit.record(
        session, actor, "ledger.adjustment_approved", "ledger_adjustment", adjustment.id, after={"txn": txn_id}
    )
    return txn_id


def reject(session: Session, actor, adjustment_id: int, note: str) -> Adjustment:
    """Another staff member rejects a proposed adjustment, saying why."""
    adjustment = _pending(session, actor, adjustment_id)
    adjustment.state, adjustment.decision_note = "rejected", _reason(note)
    adjustment.decided_by_id, adjustment.decided_by, adjustment.decided_at = actor.id, actor_label(actor), clock.now()
    session.flush()
    audit.record(session, actor, "ledger.adjustment_rejected", "ledger_adjustment", adjustment.id)
    return adjustment


# --- closing months -------------------------------------------------------------------------

_MONTH = re.compile(r"^\s*(\d{4})\s*[-/年.]\s*(\d{1,2})\s*月?\s*$")


def close_month(session: Session, actor, raw: str) -> ClosedMonth:
    """Staff close a month that has ended: nothing more is posted with a date inside it."""
    require_staff(actor)
    match = _MONTH.match(raw or "")
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise DomainError(_("月份格式应为2026-11。"), {"month": _("月份格式应为2026-11。")})
    first = dt.date(int(match.group(1)), int(match.group(2)), 1)
    month = journal.month_of(first)
    if first >= clock.today().replace(day=1):
        raise DomainError(_("只能结账已经过去的月份。"), {"month": _("只能结账已经过去的月份。")})
    journal.lock(session)
    if session.get(ClosedMonth, month) is not None:
        raise DomainError(_("%(month)s已结账。", month=month), {"month": _("已结账。")})
    closed = ClosedMonth(month=month, closed_by=actor_label(actor), closed_at=clock.now())
    session.add(closed)
    session.flush()
    audit.record(session, actor, "ledger.month_closed", "ledger_month", month)
    return closed
