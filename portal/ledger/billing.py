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
from sqlalchemy.orm import Session

from portal.core import audit, clock, money
from portal.core.actors import is_staff, require_staff
from portal.errors import DomainError
from portal.ledger import accounts, amounts, journal, rules
from portal.ledger.journal import Line, Posting
from portal.ledger.models import (
    Deposit,
    DepositAllocation,
    DepositRate,
    DepositRule,
    LedgerAccount,
    LedgerTransaction,
)
from portal.registry.services import Problems

MAX_BATCH = 10_000
BILLABLE_STATES = ("new", "in_vehicle")


@dataclasses.dataclass(frozen=True)
class Terms:
    """What billing reads of the rule version in force besides the rates (read per pack, by chemistry)."""

    id: int
    flat_fen_per_pack: int | None


@dataclasses.dataclass(frozen=True)
class Billed:
    """A deposit as billed (the values its row was written with), one per code given."""

    battery_id: int
    amount_fen: int
    paid_fen: int
    status: str
    billed_on: dt.date
    billed_txn_id: int


@dataclasses.dataclass
class Found:
    """What billing decides on: the rule's terms, the packs by code (rows with the pack's columns, its rate
    and its deposit's: deposit_id, status, billed_on, bill_round), the ids of the packs the payer is a
    party to, of the re-coded products, and the packs with a deposit by id."""

    terms: Terms
    packs: dict = dataclasses.field(default_factory=dict)
    parties: set[int] = dataclasses.field(default_factory=set)
    recoded: set[int] = dataclasses.field(default_factory=set)
    existing: dict = dataclasses.field(default_factory=dict)


def _found_query():
    from portal.members.models import Enterprise, Membership
    from portal.registry.models import Battery, BatteryLink, BatteryParty

    e, m, rule, rate = Enterprise.__table__, Membership.__table__, DepositRule.__table__, DepositRate.__table__
    b, d, party_t, link_t = Battery.__table__, Deposit.__table__, BatteryParty.__table__, BatteryLink.__table__
    payer = bindparam("payer")
    party = select(party_t.c.battery_id).where(party_t.c.battery_id == b.c.id, party_t.c.enterprise_id == payer)
    linked = select(link_t.c.product_id).where(link_t.c.product_id == b.c.id)
    fen_per_kwh = select(rate.c.fen_per_kwh).where(rate.c.rule_id == rule.c.id, rate.c.chemistry == b.c.chemistry)
    # One statement (every API posting runs it), on table columns, not the ORM's entities: the payer's
    # standing and the rule in force (a row even when no code matches), each pack of the codes with its
    # rate and its deposit.
    return (
        select(
            m.c.state.label("standing"),
            rule.c.id.label("rule_id"),
            rule.c.flat_fen_per_pack,
            *(b.c[name] for name in ("id", "code", "product_type", "chemistry", "rated_capacity_kwh")),
            *(b.c[name] for name in ("maker_enterprise_id", "state", "updated_at")),
            fen_per_kwh.scalar_subquery().label("fen_per_kwh"),
            d.c.id.label("deposit_id"),
            *(d.c[name] for name in ("status", "billed_on", "bill_round")),
            party.exists().label("is_party"),
            linked.exists().label("is_linked"),
        )
        .select_from(e)
        .join(m, m.c.enterprise_id == e.c.id)
        .outerjoin(rule, rule.c.id == rules.latest_id(bindparam("day")))
        .outerjoin(b, b.c.code.in_(bindparam("codes", expanding=True)))
        .outerjoin(d, d.c.battery_id == b.c.id)
        .where(e.c.id == payer, e.c.status == "member")
    )


_STATEMENTS: dict[str, object] = {}  # built on first use (the members' and registry's models load later)


def _statement(name: str, build):
    if name not in _STATEMENTS:
        _STATEMENTS[name] = build()
    return _STATEMENTS[name]


def payer_of(actor, enterprise_id: int | None) -> int:
    """The paying enterprise: the caller's own, for members and tokens, or the member staff name."""
    own = getattr(actor, "enterprise_id", None) if getattr(actor, "is_member", False) else None
    chosen = own if own is not None else (enterprise_id if is_staff(actor) else None)
    if chosen is None:
        raise DomainError(
            _("请选择缴纳押金的会员单位。") if is_staff(actor) else _("只有会员单位可以缴纳押金。"),
            {"payer": _("请选择缴纳押金的会员单位。")},
        )
    return chosen


def _terms(rows, day: dt.date) -> Terms:
    """The rule's terms, from the first rows read; refused unless the payer may pay and a rule is in force."""
    from portal.members.standing import GOOD_STATES

    # One rule for members, the pages and the API alike (``members.standing``): a suspended or lapsed
    # membership pays no deposit.
    if not rows or rows[0].standing not in GOOD_STATES:
        raise DomainError(
            _("缴纳押金的须是会员资格有效的会员单位。"), {"payer": _("缴纳押金的须是会员资格有效的会员单位。")}
        )
    if rows[0].rule_id is None:
        raise DomainError(_("押金制度在%(day)s尚无生效的规则，不能计收押金。", day=day.isoformat()))
    return Terms(rows[0].rule_id, rows[0].flat_fen_per_pack)


def find(session: Session, payer: int, day: dt.date, wanted) -> Found:
    """The payer's standing and the rule in force on day (refused as ``_terms`` says), and the packs of
    these codes: one query per 900 codes (one for none)."""
    ordered = sorted({c for c in wanted if c})
    found = None
    for start in range(0, max(len(ordered), 1), 900):
        params = {"payer": payer, "day": day, "codes": ordered[start : start + 900]}
        rows = session.execute(_statement("found", _found_query), params).all()
        found = found or Found(_terms(rows, day))
        for row in rows:
            if row.id is None:  # the payer's row, no pack matched
                continue
            found.packs[row.code] = row
            if row.is_party:
                found.parties.add(row.id)
            if row.is_linked:
                found.recoded.add(row.id)
            if row.deposit_id is not None:
                found.existing[row.id] = row
    assert found is not None
    return found


def _normalized(raw) -> str:
    from portal.registry import codes

    return codes.normalize(str(raw or "")) if isinstance(raw, str | int) else ""


# Core, without RETURNING (nothing reads the new ids), so it goes in the journal's round trip.
INSERT_DEPOSITS = insert(Deposit.__table__).inline()


def bill_deposits(
    session: Session,
    actor,
    pack_codes: Sequence,
    *,
    payer_enterprise_id: int | None = None,
    on: dt.date | None = None,
    batch: bool = True,
    demo: bool = False,
) -> list[Billed]:
    """Bill the deposit on each pack (registered packs only), all or none; returns the deposits billed, one
    per code given and in the same order (a duplicate code is refused, so the two lists match)."""
    if not pack_codes:
        raise DomainError(_("没有要计收押金的电池包。"), {"codes": _("至少需要一个电池编码。")})
    if len(pack_codes) > MAX_BATCH:
        raise DomainError(_("一次最多计收%(n)d个电池包。", n=MAX_BATCH), {"codes": _("超过%(n)d项。", n=MAX_BATCH)})
    day = on or clock.today()
    payer = payer_of(actor, payer_enterprise_id)
    wanted = [_normalized(c) for c in pack_codes]
    found = find(session, payer, day, wanted)
    states = states_now(session, found.packs.values())
    problems, seen = Problems(batch), set()
    chosen = []
    for index, code in enumerate(wanted):
        battery = found.packs.get(code)
        message = _bill_refusal(code, battery, payer, found, seen, states)
        if message:
            problems.add(index, "code", message)
            continue
        seen.add(code)
        chosen.append(battery)
    problems.raise_if_any(_("押金未计收：请更正标出的错误（整批均未写入）。"))
    postings = [_bill_posting(battery, found, payer, day) for battery in chosen]
    # Queued before the journal's lock is taken, written with the next entry (the API call's) or before
    # the commit: one insert for the entries of a call, and nothing of it is written if posting fails.
    total = sum(p.lines[0].amount_fen for p in postings)
    after = {"packs": len(postings), "total_fen": total}
    audit.append(session, actor, "ledger.deposits_billed", "enterprise", payer, after=after, with_next=True)
    rows = [_deposit_row(b, p, found, payer, demo) for b, p in zip(chosen, postings, strict=True)]

    def write_deposits(txn_ids: list[int]) -> None:  # under the lock: only the transactions' ids were missing
        for row, txn_id in zip(rows, txn_ids, strict=True):
            row["billed_txn_id"] = txn_id
        fresh = [row for battery, row in zip(chosen, rows, strict=True) if battery.id not in found.existing]
        if fresh:
            session.execute(INSERT_DEPOSITS, fresh)

    try:
        journal.post_many(session, actor, postings, demo=demo, along=write_deposits)
    except journal.AlreadyPosted as err:  # billed by a concurrent writer since the checks above read
        index = next(i for i, p in enumerate(postings) if p.key == err.key)
        problems.add(wanted.index(chosen[index].code), "code", _("该电池包的押金已经计收。"))
        problems.raise_if_any(_("押金未计收：请更正标出的错误（整批均未写入）。"))
        raise
    for battery, row in zip(chosen, rows, strict=True):
        if battery.id in found.existing:  # billed before and reversed: billed anew, through the session's copy
            deposit = session.get(Deposit, found.existing[battery.id].deposit_id)
            for name, value in row.items():
                setattr(deposit, name, value)
    session.flush()
    made = zip(chosen, rows, strict=True)
    return [Billed(b.id, row["amount_fen"], 0, "open", day, row["billed_txn_id"]) for b, row in made]


def _amount(battery, terms: Terms) -> int | None:
    return amounts.deposit_fen(battery.rated_capacity_kwh, battery.fen_per_kwh, terms.flat_fen_per_pack)


def _bill_posting(battery, found: Found, payer: int, day: dt.date) -> Posting:
    old, amount = found.existing.get(battery.id), _amount(battery, found.terms)
    return Posting(
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


def _deposit_row(battery, posting: Posting, found: Found, payer: int, demo: bool) -> dict:
    """A deposit's columns as billed (its transaction's id is filled in once posted): the whole row of a
    new deposit, the changed columns of one billed anew."""
    values = {
        "payer_enterprise_id": payer,
        "rule_id": found.terms.id,
        "amount_fen": posting.lines[0].amount_fen,
        "paid_fen": 0,
        "status": "open",
        "billed_on": posting.posted_on,
        "billed_txn_id": None,
        "settled_txn_id": None,
        "collector_enterprise_id": None,
    }
    if battery.id in found.existing:
        return values
    return {"battery_id": battery.id, "bill_round": 0, "settle_round": 0, "is_demo": demo, **values}


def states_now(session: Session, batteries) -> dict[int, str]:
    """The packs' states at the portal's clock where they differ from the stored ones: only a pack changed
    after the clock (a clock moved back, as the demo's replay does) is looked up in its history."""
    from portal.registry.queries import states_at

    now = clock.now()
    later = [b.id for b in batteries if b.updated_at is not None and b.updated_at > now]
    return states_at(session, later, now) if later else {}


def _bill_refusal(code, battery, payer, found: Found, seen, states) -> str | None:
    from portal.registry.lifecycle import CHEMISTRIES, STATES

    if not code:
        return _("请填写电池编码。")
    # Unknown and not the payer's are told alike: a member learns nothing of others' packs.
    if battery is None or (battery.maker_enterprise_id != payer and battery.id not in found.parties):
        return _("没有找到编码为 %(code)s、由缴纳单位生产或持有过的已登记电池。", code=code)
    if code in seen:
        return _("本批中重复。")
    if battery.product_type != "P":
        return _("押金按电池包计收：模块和单体随包流转，不另计押金。")
    if battery.id in found.recoded:
        return _("梯次利用重新编码的产品不另计押金。")
    old = found.existing.get(battery.id)
    if old is not None and old.status != "reversed":
        return _("该电池包的押金已于%(day)s计收。", day=old.billed_on.isoformat())
    state = states.get(battery.id, battery.state)
    if state not in BILLABLE_STATES:
        return _("该电池包%(state)s，不能再计收押金。", state=STATES.label(state))
    amount = _amount(battery, found.terms)
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
