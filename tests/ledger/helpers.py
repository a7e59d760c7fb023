"""Helpers for the ledger's invariant tests: a cast of members built through the services, packs made
cheaply through the registry's services (no HTTP), a snapshot of everything a refusal must not change,
and an independent recomputation of the key invariants from raw SQL (so a bug in ``verify`` cannot hide
a bug in the services).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select, text

from portal.core import clock

VIN = "LFV2A21K8G4043336"
LEDGER_TABLES = (
    "ledger_transactions",
    "ledger_lines",
    "ledger_accounts",
    "ledger_closed_months",
    "ledger_adjustments",
    "deposits",
    "deposit_allocations",
)
RATE_FEN = {"lfp": 2000, "ncm": 3000}  # the cast's rule: 20 / 30 yuan per kWh
SHARE_BP = 2000  # 20 % to the collector
FORFEIT_DAYS = 365


@dataclass(frozen=True)
class Cast:
    """Who plays in a ledger test (ids and e-mails: plain values that outlive any session)."""

    maker: int
    maker_email: str
    car: int
    car_email: str
    operator: int
    operator_email: str
    operator_code: str
    recycler: int
    recycler_email: str
    recycler_code: str
    stranger: int
    stranger_email: str
    stranger_code: str
    outlet_code: str  # rated 合规
    poor_outlet_code: str  # not rated 合规, run by the same operator
    staff_email: str
    other_staff_email: str
    rule_id: int


def build_cast(
    session, *, rule_from: str = "2026-11-02", rates: dict[str, str] | None = None, share: str = "20"
) -> Cast:
    """Members, two outlets (one 合规), a whitelisted recycler, two staff and a rule; committed."""
    from portal.core.actors import system
    from portal.ledger import rules
    from portal.members.models import Enterprise
    from portal.outlets.models import Outlet
    from tests.factories import make_member, make_outlet, make_user

    clock.set_now(dt.datetime(2026, 11, 2, 10, 0, tzinfo=clock.LOCAL_TZ))
    made = {}
    for key, name, activity in (
        ("maker", "齐鲁动力电池有限公司", "battery_maker"),
        ("car", "鲁风新能源汽车股份有限公司", "vehicle_maker"),
        ("operator", "烟台回收网点运营有限公司", "outlet_operator"),
        ("recycler", "黄河再生资源有限公司", "recycling"),
        ("stranger", "无关储能有限公司", "other"),
    ):
        made[key] = make_member(session, name=name, activities=(activity,))
    for enterprise, _user in made.values():
        enterprise.bank_name, enterprise.bank_account_name = "中国工商银行济南分行", enterprise.name
        enterprise.bank_account_no = f"16020000000{enterprise.id:08d}"
    recycler = session.get(Enterprise, made["recycler"][0].id)
    recycler.whitelist_activity, recycler.whitelist_batch = "recycling", 3
    operator = made["operator"][0]
    good = make_outlet(session, operator=operator.name, operator_credit_code=operator.credit_code)
    poor = make_outlet(session, operator=operator.name, operator_credit_code=operator.credit_code, name="另一网点")
    session.get(Outlet, good.id).status = "compliant"
    rule = rules.add_rule(
        session,
        system("test"),
        rules.RuleInput(
            effective_from=rule_from,
            collector_share_percent=share,
            forfeit_after_days=str(FORFEIT_DAYS),
            yuan_per_kwh=rates or {c: str(f // 100) for c, f in RATE_FEN.items()},
        ),
        today=dt.date.fromisoformat(rule_from),
    )
    staff, other = make_user(session, "staff"), make_user(session, "staff")
    cast = Cast(
        maker=made["maker"][0].id,
        maker_email=made["maker"][1].email,
        car=made["car"][0].id,
        car_email=made["car"][1].email,
        operator=operator.id,
        operator_email=made["operator"][1].email,
        operator_code=operator.credit_code,
        recycler=recycler.id,
        recycler_email=made["recycler"][1].email,
        recycler_code=recycler.credit_code,
        stranger=made["stranger"][0].id,
        stranger_email=made["stranger"][1].email,
        stranger_code=made["stranger"][0].credit_code,
        outlet_code=good.code,
        poor_outlet_code=poor.code,
        staff_email=staff.email,
        other_staff_email=other.email,
        rule_id=rule.id,
    )
    session.commit()
    return cast


def user(session, email: str):
    from portal.auth.models import User

    return session.scalar(select(User).where(User.email == email))


def expected_deposit(kwh: Decimal | str, fen_per_kwh: int = RATE_FEN["lfp"]) -> int:
    """The deposit, computed here and not by the code under test: capacity x rate, half up."""
    return int((Decimal(str(kwh)) * fen_per_kwh).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def expected_split(deposit: int, share_bp: int = SHARE_BP) -> tuple[int, int]:
    """(payer, collector): the collector's share rounded down, the payer gets the rest."""
    collector = int((Decimal(deposit) * share_bp / 10_000).to_integral_value(rounding="ROUND_FLOOR"))
    return deposit - collector, collector


# --- packs through the registry's services ---------------------------------------------------


def register_packs(session, cast: Cast, capacities, *, fit: bool = True, product: str = "P") -> list[str]:
    """Register packs (LFP by their codes) made by the maker, fitted in a car unless told: their codes."""
    from portal.registry.services import BatteryInput, register_batteries
    from tests.factories import battery_code

    maker = user(session, cast.maker_email)
    wanted = [
        BatteryInput(code=battery_code(product=product), rated_capacity_kwh=str(k), mass_kg=420) for k in capacities
    ]
    made = [b.code for b in register_batteries(session, maker, wanted, batch=True)]
    if fit:
        report(session, cast.maker_email, [{"code": c, "event": "fitted", "vin": VIN} for c in made])
    return made


def report(session, email: str, items: list[dict]):
    """Report events as the member with this e-mail, happening now."""
    from portal.registry.events import report_events
    from portal.registry.services import EventInput

    inputs = [EventInput(occurred_at=clock.now(), **item) for item in items]
    return report_events(session, user(session, email), inputs, batch=len(inputs) > 1)


def retire(session, cast: Cast, code: str, to: str = "outlet") -> None:
    """The maker (holding the fitted pack) retires it: to the 合规 outlet, the poor outlet, the recycler, a stranger."""
    if to in ("outlet", "poor_outlet"):
        outlet = cast.outlet_code if to == "outlet" else cast.poor_outlet_code
        item = {"code": code, "event": "retired", "counterparty_credit_code": cast.operator_code, "outlet_code": outlet}
    else:
        receiver = cast.recycler_code if to == "recycler" else cast.stranger_code
        item = {"code": code, "event": "retired", "counterparty_credit_code": receiver}
    report(session, cast.maker_email, [item])


def take_in(session, cast: Cast, code: str, at: str = "outlet") -> None:
    """The receiver confirms the intake: the outlet operator, the recycler, or the stranger."""
    if at == "outlet":
        report(session, cast.operator_email, [{"code": code, "event": "outlet_intake"}])
    elif at == "recycler":
        report(session, cast.recycler_email, [{"code": code, "event": "recycler_intake"}])
    else:
        report(session, cast.stranger_email, [{"code": code, "event": "recycler_intake"}])


# --- what a refusal must not change, and the invariants recomputed ---------------------------


def snapshot(session) -> dict:
    """Row counts of every ledger table, every account's totals, every deposit's state."""
    session.rollback()
    counts = {t: session.scalar(text(f"SELECT count(*) FROM {t}")) for t in LEDGER_TABLES}  # noqa: S608  (constants)
    totals = session.execute(text("SELECT code, debits_fen, credits_fen FROM ledger_accounts ORDER BY code")).all()
    deposits = session.execute(
        text("SELECT battery_id, status, paid_fen, amount_fen, settle_round, bill_round FROM deposits ORDER BY 1")
    ).all()
    adjustments = session.execute(text("SELECT id, state FROM ledger_adjustments ORDER BY id")).all()
    return {"counts": counts, "totals": list(totals), "deposits": list(deposits), "adjustments": list(adjustments)}


def balances(session) -> dict[str, int]:
    """Every account's balance on its normal side, summed from the lines with raw SQL (not the stored totals)."""
    rows = session.execute(
        text(
            "SELECT a.code, a.normal, "
            "COALESCE(SUM(CASE WHEN l.side = 'D' THEN l.amount_fen ELSE 0 END), 0), "
            "COALESCE(SUM(CASE WHEN l.side = 'C' THEN l.amount_fen ELSE 0 END), 0) "
            "FROM ledger_accounts a LEFT JOIN ledger_lines l ON l.account_id = a.id GROUP BY a.code, a.normal"
        )
    ).all()
    return {code: (int(d) - int(c)) if normal == "D" else (int(c) - int(d)) for code, normal, d, c in rows}


def check_independently(session) -> dict[str, int]:
    """The key invariants recomputed from raw SQL; returns the balances. Raises AssertionError."""
    from portal.ledger.models import LedgerTransaction

    session.rollback()
    debits, credits = session.execute(
        text(
            "SELECT COALESCE(SUM(CASE WHEN side = 'D' THEN amount_fen ELSE 0 END), 0), "
            "COALESCE(SUM(CASE WHEN side = 'C' THEN amount_fen ELSE 0 END), 0) FROM ledger_lines"
        )
    ).one()
    assert debits == credits, f"trial balance: debits {debits} != credits {credits}"
    unbalanced = session.execute(
        text(
            "SELECT transaction_id FROM ledger_lines GROUP BY transaction_id "
            "HAVING COUNT(*) < 2 OR SUM(CASE WHEN side = 'D' THEN amount_fen ELSE -amount_fen END) <> 0"
        )
    ).all()
    assert not unbalanced, unbalanced
    stored = {
        code: (d, c)
        for code, d, c in session.execute(text("SELECT code, debits_fen, credits_fen FROM ledger_accounts"))
    }
    found = balances(session)
    for code, (d, c) in stored.items():
        normal_balance = d - c if code.startswith(("escrow_bank", "deposits_receivable")) else c - d
        assert normal_balance == found[code], (code, normal_balance, found[code])
    for code, value in found.items():
        assert value >= 0, f"{code} is {value}"
    # Per payer: held == the open deposits; receivable == billed (not reversed) minus allocated payments.
    held = dict(
        session.execute(
            text("SELECT payer_enterprise_id, SUM(amount_fen) FROM deposits WHERE status = 'open' GROUP BY 1")
        ).all()
    )
    for code, value in found.items():
        if code.startswith("deposits_held:"):
            payer = int(code.split(":")[1])
            assert value == int(held.get(payer, 0)), (code, value, held.get(payer, 0))
    for payer, amount in held.items():
        assert found.get(f"deposits_held:{payer}", 0) == int(amount), (payer, amount)
    # escrow == payments received - refunds paid out (reversals counted against what they reverse).
    kinds = dict(session.execute(select(LedgerTransaction.id, LedgerTransaction.kind)).all())
    reverses = dict(
        session.execute(
            select(LedgerTransaction.id, LedgerTransaction.reverses_id).where(
                LedgerTransaction.reverses_id.is_not(None)
            )
        ).all()
    )
    escrow_lines = session.execute(
        text(
            "SELECT l.transaction_id, l.side, l.amount_fen FROM ledger_lines l "
            "JOIN ledger_accounts a ON a.id = l.account_id WHERE a.code = 'escrow_bank'"
        )
    ).all()
    paid_in = paid_out = 0
    for txn_id, _side, amount in escrow_lines:
        kind = kinds[reverses[txn_id]] if txn_id in reverses else kinds[txn_id]
        sign = -1 if txn_id in reverses else 1
        assert kind in ("payment", "payout"), f"transaction {txn_id} ({kind}) moved the escrow account"
        if kind == "payment":
            paid_in += sign * amount
        else:
            paid_out += sign * amount
    assert found.get("escrow_bank", 0) == paid_in - paid_out >= 0, (found.get("escrow_bank"), paid_in, paid_out)
    return found


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))
