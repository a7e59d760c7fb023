"""Settling deposits: a refund when a pack reaches a proper channel, its payout, forfeiture.

A deposit is settled once, by a refund or a forfeiture: both post under the key
``settle:<battery>:<round>``, so two attempts (two intakes at once, a refund racing the forfeiture
job) post one transaction; only a reversal opens the next round.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.core import audit, clock, money
from portal.core.actors import require_staff, system
from portal.errors import DomainError
from portal.ledger import accounts, amounts, journal
from portal.ledger.billing import account_balance, business_day, parse_amount, parse_reference, post_bank_movement
from portal.ledger.journal import Line, Posting
from portal.ledger.models import Deposit, DepositRule

INTAKE_STATES = {"at_outlet": "outlet", "at_cascade": "cascade_use", "at_recycler": "recycling"}


def settle_key(deposit: Deposit) -> str:
    return f"settle:{deposit.battery_id}:{deposit.settle_round}"


def _qualifies(rule: DepositRule, channel: str, outlet_status: str | None, activity: str | None) -> bool:
    """Does an intake through this channel refund a deposit under this rule?"""
    if channel == "outlet":
        return rule.refund_via_outlets and outlet_status == "compliant"
    return rule.refund_via_whitelist and activity in (channel, "both")


def refund_on_intakes(session: Session, actor, events, *, demo: bool = False) -> list[int]:
    """Approve the refunds that confirmed intakes earn (called by the registry in its transaction)."""
    from portal.members.queries import whitelist_activities
    from portal.outlets.queries import statuses

    intakes = [e for e in events if e.to_state in INTAKE_STATES and e.id is not None]
    if not intakes:
        return []
    journal.lock(session)
    by_battery = {e.battery_id: e for e in intakes}
    deposits = list(
        session.scalars(select(Deposit).where(Deposit.battery_id.in_(list(by_battery)), Deposit.status == "open"))
    )
    if not deposits:
        return []
    from portal.registry.queries import intake_receivers

    receivers = intake_receivers(session, [by_battery[d.battery_id] for d in deposits])
    activities = whitelist_activities(session, receivers.values())
    rule_by_id = {
        r.id: r for r in session.scalars(select(DepositRule).where(DepositRule.id.in_({d.rule_id for d in deposits})))
    }
    outlet_status = statuses(session, {by_battery[d.battery_id].outlet_id for d in deposits})
    chosen, postings = [], []
    for deposit in deposits:
        event = by_battery[deposit.battery_id]
        collector = receivers.get(event.id)
        channel = INTAKE_STATES[event.to_state]
        if collector is None or not _qualifies(
            rule_by_id[deposit.rule_id], channel, outlet_status.get(event.outlet_id), activities.get(collector)
        ):
            continue
        payer_part, collector_part = amounts.refund_split(
            deposit.amount_fen, rule_by_id[deposit.rule_id].collector_share_bp
        )
        credits = {}
        for enterprise_id, part in ((deposit.payer_enterprise_id, payer_part), (collector, collector_part)):
            if part:
                code = accounts.code(accounts.PAYABLE, enterprise_id)
                credits[code] = credits.get(code, 0) + part
        postings.append(
            Posting(
                key=settle_key(deposit),
                kind=accounts.REFUND,
                posted_on=clock.today(),
                lines=(
                    Line(accounts.code(accounts.HELD, deposit.payer_enterprise_id), "D", deposit.amount_fen),
                    *(Line(code, "C", part) for code, part in credits.items()),
                ),
                battery_id=deposit.battery_id,
                enterprise_id=deposit.payer_enterprise_id,
                memo=_("入库事件第%(id)d号", id=event.id),
            )
        )
        chosen.append((deposit, collector))
    if not postings:
        return []
    ids = journal.post_many(session, actor, postings, demo=demo)
    for (deposit, collector), txn_id in zip(chosen, ids, strict=True):
        deposit.status, deposit.settled_txn_id, deposit.collector_enterprise_id = "refunded", txn_id, collector
    session.flush()
    return ids


def pay_out(session: Session, actor, enterprise_id: int, amount, paid_on, reference, *, demo: bool = False) -> int:
    """Staff record the bank transfer of approved refunds to the member's bank account on file."""
    from portal.members.queries import bank_account

    require_staff(actor)
    fen = parse_amount(amount)
    day = business_day(paid_on, "paid_on")
    reference = parse_reference(reference)
    bank, holder, number = bank_account(session, enterprise_id)
    if not number:
        raise DomainError(_("该单位没有登记收款银行账户，请先在单位资料中填写开户行和账号。"))
    # Read before the lock: post() checks both balances again under it.
    payable = account_balance(session, accounts.PAYABLE, enterprise_id)
    if fen > payable:
        raise DomainError(
            _("支付金额超过该单位的应付退款（%(due)s元）。", due=money.format_fen(payable)),
            {"amount": _("不能超过应付退款%(due)s元。", due=money.format_fen(payable))},
        )
    escrow = account_balance(session, accounts.ESCROW)
    if fen > escrow:
        raise DomainError(
            _("押金专户余额（%(have)s元）不足以支付。", have=money.format_fen(escrow)),
            {"amount": _("押金专户余额不足。")},
        )
    posting = Posting(
        key=f"bank:{reference}",
        kind=accounts.PAYOUT,
        posted_on=day,
        lines=(Line(accounts.code(accounts.PAYABLE, enterprise_id), "D", fen), Line(accounts.ESCROW, "C", fen)),
        enterprise_id=enterprise_id,
        reference=reference,
        memo=f"{bank} {holder} ****{number[-4:]}",
    )
    txn_id = post_bank_movement(session, actor, posting, demo=demo)
    audit.record(session, actor, "ledger.payout", "ledger_transaction", txn_id, after={"fen": fen, "ref": reference})
    return txn_id


def forfeit_due(session: Session, actor=None, now: dt.datetime | None = None, *, demo: bool = False) -> int:
    """Forfeit to the recycling fund every open deposit whose pack retired longer ago than its rule allows."""
    from portal.registry.queries import retired_before

    actor = actor or system("ledger:forfeit")
    now = now or clock.now()
    journal.lock(session)
    rules = {r.id: r for r in session.scalars(select(DepositRule))}
    if not rules:
        return 0
    shortest = min(r.forfeit_after_days for r in rules.values())
    retired = retired_before(session, now - dt.timedelta(days=shortest))
    if not retired:
        return 0
    deposits = [d for d in session.scalars(select(Deposit).where(Deposit.status == "open")) if d.battery_id in retired]
    due = [d for d in deposits if retired[d.battery_id] + dt.timedelta(days=rules[d.rule_id].forfeit_after_days) < now]
    postings = [
        Posting(
            key=settle_key(d),
            kind=accounts.FORFEIT,
            posted_on=now.astimezone(clock.LOCAL_TZ).date(),
            lines=(
                Line(accounts.code(accounts.HELD, d.payer_enterprise_id), "D", d.amount_fen),
                Line(accounts.FUND, "C", d.amount_fen),
            ),
            battery_id=d.battery_id,
            enterprise_id=d.payer_enterprise_id,
            memo=_("退役逾%(days)d天未交投合规渠道", days=rules[d.rule_id].forfeit_after_days),
        )
        for d in due
    ]
    ids = journal.post_many(session, actor, postings, demo=demo)
    for deposit, txn_id in zip(due, ids, strict=True):
        deposit.status, deposit.settled_txn_id = "forfeited", txn_id
    session.flush()
    return len(ids)
