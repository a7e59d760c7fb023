"""The chart of accounts and the kinds of transaction, as data (no database here).

Debit-normal accounts (what the scheme has or is owed) and credit-normal ones (what it owes) are
never allowed below zero on their normal side; the database checks it too.
"""

from __future__ import annotations

from portal.core.enums import Enumeration, Item

ESCROW, RECEIVABLE, HELD, PAYABLE, FUND = (
    "escrow_bank",
    "deposits_receivable",
    "deposits_held",
    "refunds_payable",
    "recycling_fund",
)

ACCOUNT_KINDS = Enumeration(
    "ledger_account",
    [
        Item(ESCROW, "押金专户（银行）", "Escrow bank account"),
        Item(RECEIVABLE, "应收押金", "Deposits receivable"),
        Item(HELD, "代管押金", "Deposits held"),
        Item(PAYABLE, "应付退款", "Refunds payable"),
        Item(FUND, "回收利用基金", "Recycling fund"),
    ],
)

NORMAL = {ESCROW: "D", RECEIVABLE: "D", HELD: "C", PAYABLE: "C", FUND: "C"}
PER_MEMBER = {RECEIVABLE, HELD, PAYABLE}

BILL, PAYMENT, REFUND, PAYOUT, FORFEIT, REVERSAL, ADJUSTMENT = (
    "bill",
    "payment",
    "refund",
    "payout",
    "forfeit",
    "reversal",
    "adjustment",
)

KINDS = Enumeration(
    "ledger_kind",
    [
        Item(BILL, "押金计收", "Deposit billed"),
        Item(PAYMENT, "押金到账", "Payment received"),
        Item(REFUND, "退款核准", "Refund approved"),
        Item(PAYOUT, "退款支付", "Refund paid out"),
        Item(FORFEIT, "押金转入基金", "Deposit forfeited"),
        Item(REVERSAL, "冲销", "Reversal"),
        Item(ADJUSTMENT, "人工调整", "Manual adjustment"),
    ],
)

DEPOSIT_STATES = Enumeration(
    "deposit_state",
    [
        Item("open", "代管中", "Held"),
        Item("refunded", "已退还", "Refunded"),
        Item("forfeited", "已转入基金", "Forfeited"),
        Item("reversed", "已冲销", "Reversed"),
    ],
)

# Manual adjustments move money only between accounts no pack-level or bank-level invariant defines:
# deposits, payments and refunds are each proven pack by pack or against the bank, and are corrected
# by reversing the transaction that went wrong.
ADJUSTABLE = {PAYABLE, FUND}


def code(kind: str, enterprise_id: int | None = None) -> str:
    """The account code: ``escrow_bank``, ``recycling_fund`` or ``<kind>:<enterprise id>``."""
    if kind in PER_MEMBER:
        if enterprise_id is None:
            raise ValueError(f"{kind} needs an enterprise")
        return f"{kind}:{enterprise_id}"
    return kind


def parse(account_code: str) -> tuple[str, int | None] | None:
    """(kind, enterprise id) of an account code, or None if it names no account of the chart."""
    kind, _, rest = (account_code or "").strip().partition(":")
    if kind not in NORMAL:
        return None
    if kind in PER_MEMBER:
        return (kind, int(rest)) if rest.isdigit() and len(rest) < 12 else None
    return (kind, None) if not rest else None


def signed(normal: str, side: str, amount_fen: int) -> int:
    """How a line moves an account's balance on its normal side (+ raises, - lowers)."""
    return amount_fen if side == normal else -amount_fen
