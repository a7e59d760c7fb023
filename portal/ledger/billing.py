"""Billing deposits on packs and recording the payments that come in for them.

Every service here takes the journal's lock before it reads what it decides on (see ``journal``),
checks everything first, and posts through ``journal.post_many``: a refusal writes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session, joinedload

from portal.core import audit, clock, money
from portal.core.actors import is_staff, require_staff
from portal.errors import DomainError
from portal.ledger import accounts, amounts, journal, rules
from portal.ledger.journal import Line, Posting
from portal.ledger.models import Deposit, DepositAllocation, DepositRule, LedgerAccount, LedgerTransaction
from portal.registry.services import Problems

MAX_BATCH = 10_000
BILLABLE_STATES = ("new", "in_vehicle")


def _standing_query():
    from portal.members.models import Enterprise, Membership

    return (
        select(Membership.state, DepositRule)
        .select_from(Enterprise)
        .join(Membership, Membership.enterprise_id == Enterprise.id)
        .outerjoin(DepositRule, DepositRule.id == rules.latest_id(bindparam("day")))
        .where(Enterprise.id == bindparam("payer"), Enterprise.status == "member")
        .options(joinedload(DepositRule.rates))
    )


_STATEMENTS: dict[str, object] = {}  # built on first use (the members' and registry's models load later)


def _statement(name: str, build):
    if name not in _STATEMENTS:
        _STATEMENTS[name] = build()
    return _STATEMENTS[name]


def payer_and_rule(session: Session, actor, enterprise_id: int | None, day: dt.date) -> tuple[int, DepositRule]:
    """The paying enterprise (the caller's own, for members and tokens, or the member staff name) and the
    rule version in force on day: one query for the payer's standing and the rule with its rates."""
    from portal.members.standing import GOOD_STATES

    own = getattr(actor, "enterprise_id", None) if getattr(actor, "is_member", False) else None
    chosen = own if own is not None else (enterprise_id if is_staff(actor) else None)
    if chosen is None:
        raise DomainError(
            _("请选择缴纳押金的会员单位。") if is_staff(actor) else _("只有会员单位可以缴纳押金。"),
            {"payer": _("请选择缴纳押金的会员单位。")},
        )
    row = session.execute(_statement("standing", _standing_query), {"payer": chosen, "day": day}).unique().first()
    # One rule for members, the pages and the API alike (``members.standing``): a suspended or lapsed
    # membership pays no deposit.
    if row is None or row[0] not in GOOD_STATES:
        raise DomainError(
            _("缴纳押金的须是会员资格有效的会员单位。"), {"payer": _("缴纳押金的须是会员资格有效的会员单位。")}
        )
    if row[1] is None:
        raise DomainError(_("押金制度在%(day)s尚无生效的规则，不能计收押金。", day=day.isoformat()))
    return chosen, row[1]


def _normalized(raw) -> str:
    from portal.registry import codes

    return codes.normalize(str(raw or "")) if isinstance(raw, str | int) else ""


def bill_deposits(
    session: Session,
    actor,
    pack_codes: Sequence,
    *,
    payer_enterprise_id: int | None = None,
    on: dt.date | None = None,
    batch: bool = True,
    demo: bool = False,
) -> list[Deposit]:
    """Bill the deposit on each pack (registered packs only), all or none; returns the deposits, one per
    code given and in the same order (a duplicate code is refused, so the two lists match)."""
    if not pack_codes:
        raise DomainError(_("没有要计收押金的电池包。"), {"codes": _("至少需要一个电池编码。")})
    if len(pack_codes) > MAX_BATCH:
        raise DomainError(_("一次最多计收%(n)d个电池包。", n=MAX_BATCH), {"codes": _("超过%(n)d项。", n=MAX_BATCH)})
    day = on or clock.today()
    payer, rule = payer_and_rule(session, actor, payer_enterprise_id, day)
    wanted = [_normalized(c) for c in pack_codes]
    found, parties, recoded, existing = _candidates(session, payer, wanted)
    states = states_now(session, found.values())
    problems, seen = Problems(batch), set()
    chosen = []
    for index, code in enumerate(wanted):
        battery = found.get(code)
        message = _bill_refusal(code, battery, payer, parties, recoded, existing, seen, rule, states)
        if message:
            problems.add(index, "code", message)
            continue
        seen.add(code)
        chosen.append(battery)
    problems.raise_if_any(_("押金未计收：请更正标出的错误（整批均未写入）。"))
    postings = []
    for battery in chosen:
        amount = amounts.deposit_fen(
            battery.rated_capacity_kwh, rule.rate_for(battery.chemistry), rule.flat_fen_per_pack
        )
        old = existing.get(battery.id)
        postings.append(
            Posting(
                key=f"bill:{battery.id}:{old.bill_round if old else 0}",
                kind=accounts.BILL,
                posted_on=day,
                lines=(
                    Line(accounts.code(accounts.RECEIVABLE, payer), "D", amount),
                    Line(accounts.code(accounts.HELD, payer), "C", amount),
                ),
                battery_id=battery.id,
                enterprise_id=payer,
                memo=battery.code,
            )
        )
    # Recorded before the journal's lock is taken (it rolls back with the rest if posting fails): the
    # lock is held to the commit, so every statement moved out of it is time other writers do not wait.
    total = sum(p.lines[0].amount_fen for p in postings)
    after = {"packs": len(postings), "total_fen": total}
    audit.append(session, actor, "ledger.deposits_billed", "enterprise", payer, after=after)
    try:
        txn_ids = journal.post_many(session, actor, postings, demo=demo)
    except journal.AlreadyPosted as err:  # billed by a concurrent writer since the checks above read
        index = next(i for i, p in enumerate(postings) if p.key == err.key)
        problems.add(wanted.index(chosen[index].code), "code", _("该电池包的押金已经计收。"))
        problems.raise_if_any(_("押金未计收：请更正标出的错误（整批均未写入）。"))
        raise
    fresh = []
    for battery, posting, txn_id in zip(chosen, postings, txn_ids, strict=True):
        values = {
            "payer_enterprise_id": payer,
            "rule_id": rule.id,
            "amount_fen": posting.lines[0].amount_fen,
            "paid_fen": 0,
            "status": "open",
            "billed_on": day,
            "billed_txn_id": txn_id,
            "settled_txn_id": None,
            "collector_enterprise_id": None,
        }
        old = existing.get(battery.id)
        if old is not None:  # billed before and reversed: billed anew
            for name, value in values.items():
                setattr(old, name, value)
        else:
            fresh.append({"battery_id": battery.id, "bill_round": 0, "settle_round": 0, "is_demo": demo, **values})
    billed = {d.battery_id: d for d in existing.values()}
    if fresh:  # one INSERT ... RETURNING for the rows and the objects (no second read)
        made = session.scalars(insert(Deposit).returning(Deposit, sort_by_parameter_order=True), fresh)
        billed.update({d.battery_id: d for d in made})
    session.flush()
    return [billed[b.id] for b in chosen]  # in the order of the codes given (all were billed, or none)


def _candidates_query():
    from portal.registry.models import Battery, BatteryLink, BatteryParty

    payer = bindparam("payer")
    party = select(BatteryParty.battery_id).where(
        BatteryParty.battery_id == Battery.id, BatteryParty.enterprise_id == payer
    )
    linked = select(BatteryLink.product_id).where(BatteryLink.product_id == Battery.id)
    return (
        select(Battery, Deposit, party.exists(), linked.exists())
        .outerjoin(Deposit, Deposit.battery_id == Battery.id)
        .where(Battery.code.in_(bindparam("codes", expanding=True)))
    )


def _candidates(session: Session, payer: int, wanted) -> tuple[dict, set[int], set[int], dict[int, Deposit]]:
    """The packs of these codes, which the payer is a party to, which are re-coded products, and their
    deposits: one query per 900 codes (found by code, party ids, re-coded ids, deposits by battery id)."""
    found, parties, recoded, existing = {}, set(), set(), {}
    ordered = sorted({c for c in wanted if c})
    for start in range(0, len(ordered), 900):
        rows = session.execute(
            _statement("candidates", _candidates_query), {"payer": payer, "codes": ordered[start : start + 900]}
        )
        for battery, deposit, is_party, is_linked in rows:
            found[battery.code] = battery
            if is_party:
                parties.add(battery.id)
            if is_linked:
                recoded.add(battery.id)
            if deposit is not None:
                existing[battery.id] = deposit
    return found, parties, recoded, existing


def states_now(session: Session, batteries) -> dict[int, str]:
    """The packs' states at the portal's clock where they differ from the stored ones: only a pack changed
    after the clock (a clock moved back, as the demo's replay does) is looked up in its history."""
    from portal.registry.queries import states_at

    now = clock.now()
    later = [b.id for b in batteries if b.updated_at is not None and b.updated_at > now]
    return states_at(session, later, now) if later else {}


def _bill_refusal(code, battery, payer, parties, recoded, existing, seen, rule, states) -> str | None:
    from portal.registry.lifecycle import CHEMISTRIES, STATES

    if not code:
        return _("请填写电池编码。")
    # Unknown and not the payer's are told alike: a member learns nothing of others' packs.
    if battery is None or (battery.maker_enterprise_id != payer and battery.id not in parties):
        return _("没有找到编码为 %(code)s、由缴纳单位生产或持有过的已登记电池。", code=code)
    if code in seen:
        return _("本批中重复。")
    if battery.product_type != "P":
        return _("押金按电池包计收：模块和单体随包流转，不另计押金。")
    if battery.id in recoded:
        return _("梯次利用重新编码的产品不另计押金。")
    old = existing.get(battery.id)
    if old is not None and old.status != "reversed":
        return _("该电池包的押金已于%(day)s计收。", day=old.billed_on.isoformat())
    state = states.get(battery.id, battery.state)
    if state not in BILLABLE_STATES:
        return _("该电池包%(state)s，不能再计收押金。", state=STATES.label(state))
    amount = amounts.deposit_fen(battery.rated_capacity_kwh, rule.rate_for(battery.chemistry), rule.flat_fen_per_pack)
    if amount is None:
        return _("现行规则未规定%(chemistry)s电池的费率。", chemistry=CHEMISTRIES.label(battery.chemistry))
    if amount <= 0:
        return _("按现行规则计得的押金不足1分，不能计收。")
    return None


def account_balance(session: Session, kind: str, enterprise_id: int | None = None) -> int:
    """An account's balance on its normal side (0 for an account never used)."""
    row = session.execute(
        select(LedgerAccount.normal, LedgerAccount.debits_fen, LedgerAccount.credits_fen).where(
            LedgerAccount.code == accounts.code(kind, enterprise_id)
        )
    ).first()
    if row is None:
        return 0
    return row[1] - row[2] if row[0] == "D" else row[2] - row[1]


def parse_amount(raw, name: str = "amount") -> int:
    """An amount typed in yuan (or given in fen as an int by the API), as positive fen."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        fen = raw
    else:
        try:
            fen = money.parse_yuan(str(raw or ""))
        except ValueError:
            raise DomainError(_("金额格式不对。"), {name: _("应为金额（元），最多两位小数。")}) from None
    if fen <= 0:
        raise DomainError(_("金额应大于0。"), {name: _("应大于0。")})
    return fen


def parse_reference(raw) -> str:
    """A bank serial number: required, up to 60 characters, compared without spaces and case."""
    reference = "".join(str(raw or "").split()).upper()
    if not reference:
        raise DomainError(_("请填写银行流水号。"), {"reference": _("请填写银行流水号。")})
    if len(reference) > 60:
        raise DomainError(_("银行流水号不能超过60个字符。"), {"reference": _("不能超过60个字符。")})
    return reference


def business_day(raw, name: str) -> dt.date:
    """A bank date: required, not in the future."""
    from portal.core.dates import parse_date

    day = raw if isinstance(raw, dt.date) else parse_date(raw, field=name, required=True)
    if day > clock.today():
        raise DomainError(_("日期不能晚于今天。"), {name: _("日期不能晚于今天。")})
    return day


def post_bank_movement(session: Session, actor, posting: Posting, *, demo: bool = False) -> int:
    """Post a receipt or a payout under its bank reference: the scheme has one bank account, whose serial
    numbers name one movement each, so a reference is posted once, as a receipt or as a payout (again
    only after that posting was reversed: the key ``bank:<serial>:<n>`` counts the reversed ones)."""
    earlier = session.scalars(
        select(LedgerTransaction.id).where(
            LedgerTransaction.reference == posting.reference,
            LedgerTransaction.kind.in_((accounts.PAYMENT, accounts.PAYOUT)),
        )
    ).all()
    reversed_ = set(
        session.scalars(select(LedgerTransaction.reverses_id).where(LedgerTransaction.reverses_id.in_(earlier)))
    )
    standing = [i for i in earlier if i not in reversed_]
    if standing:
        raise DomainError(
            _("银行流水号%(ref)s已经记账（第%(id)d号凭证）。", ref=posting.reference, id=standing[0]),
            {"reference": _("该流水号已记账。")},
        )
    posting = dataclasses.replace(posting, key=f"bank:{posting.reference}:{len(earlier)}")
    try:
        return journal.post(session, actor, posting, demo=demo)
    except journal.AlreadyPosted as err:
        raise DomainError(
            _("银行流水号%(ref)s已经记账（第%(id)d号凭证）。", ref=posting.reference, id=err.transaction_id),
            {"reference": _("该流水号已记账。")},
        ) from None


def record_payment(
    session: Session, actor, enterprise_id: int, amount, received_on, reference, *, demo: bool = False
) -> int:
    """Staff record a bank receipt from a payer; it pays the payer's open deposits oldest first."""
    require_staff(actor)
    fen = parse_amount(amount)
    day = business_day(received_on, "received_on")
    reference = parse_reference(reference)
    owed = account_balance(session, accounts.RECEIVABLE, enterprise_id)  # checked again under the lock
    if fen > owed:
        raise DomainError(
            _("到账金额超过该单位的应收押金（%(owed)s元）。", owed=money.format_fen(owed)),
            {"amount": _("不能超过应收押金%(owed)s元。", owed=money.format_fen(owed))},
        )
    posting = Posting(
        key=f"bank:{reference}",
        kind=accounts.PAYMENT,
        posted_on=day,
        lines=(
            Line(accounts.ESCROW, "D", fen),
            Line(accounts.code(accounts.RECEIVABLE, enterprise_id), "C", fen),
        ),
        enterprise_id=enterprise_id,
        reference=reference,
    )
    txn_id = post_bank_movement(session, actor, posting, demo=demo)
    left = fen
    unpaid = session.scalars(
        select(Deposit)
        .where(Deposit.payer_enterprise_id == enterprise_id, Deposit.paid_fen < Deposit.amount_fen)
        .where(Deposit.status != "reversed")
        .order_by(Deposit.billed_on, Deposit.id)
    )
    allocations = []
    for deposit in unpaid:
        if left == 0:
            break
        share = min(left, deposit.amount_fen - deposit.paid_fen)
        deposit.paid_fen += share
        left -= share
        allocations.append({"payment_txn_id": txn_id, "deposit_id": deposit.id, "amount_fen": share})
    if allocations:
        session.execute(insert(DepositAllocation), allocations)
    session.flush()
    audit.record(session, actor, "ledger.payment", "ledger_transaction", txn_id, after={"fen": fen, "ref": reference})
    return txn_id
