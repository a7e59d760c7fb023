"""The demo step of the deposit scheme: the pilot's first year over the registry's demo packs.

Everything goes through the ledger's services, by the people who would do it (the members' own users
bill, the secretariat's staff record bank receipts and transfers, another staff member approves), with
the portal's clock moved to each moment, so the journal runs in time order like a real year:

* two rule versions: from the pilot's start (a year ago) refunds come when a pack reaches a whitelisted
  cascade-use or recycling enterprise; three months later compliant outlets refund too;
* the first car maker enrols the packs in its vehicles at the start, the second when the outlets join,
  the battery maker its stock at the start and each new lot when it registers it;
* payments in instalments, one receipt recorded in error and reversed; the refunds the registry's
  intakes earn (the same service its signal calls, replayed at each report's moment); payouts to the
  bank accounts on file on the 10th of each month; the forfeiture job on the 1st of each month; a
  manual adjustment proposed by one staff member and approved by another; closed months.

The step does nothing when demo ledger transactions exist already, when the scheme has rules (a
database holding real data), or when the registry's demo packs or the demo staff are missing.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.core import clock, money
from portal.core.dates import month_start
from portal.demo import SeedContext

STAFF_EMAIL, ADMIN_EMAIL = "staff@demo.sdbra.cn", "admin@demo.sdbra.cn"
RATES = {"lfp": "15", "ncm": "25"}  # yuan per kWh of rated capacity
FORFEIT_DAYS = "180"
INTAKES = ("at_outlet", "at_cascade", "at_recycler")
BANKS = ("中国工商银行", "中国建设银行", "中国银行", "中国农业银行", "交通银行", "齐鲁银行")
INSTALMENTS = ((15, 40), (45, 35), (80, 100))  # days after billing, percent of the total (100: the rest)
ERROR_REASON = "该笔到账系会员单位年度会费误汇入押金专户，与押金无关，银行已原路退回。"
ADJUSTMENT_REASON = (
    "第{txn}号退款凭证（电池包{code}）：该包由缴纳单位自行运送至回收服务网点，按双方协议收集奖励归缴纳单位，"
    "网点运营单位已书面确认，调整记入缴纳单位的应付退款。"
)


@dataclass(order=True)
class _Op:
    at: dt.datetime
    seq: int
    run: Callable[[], None] = field(compare=False)


@dataclass
class _Cast:
    maker: int
    cars: list[int]  # in the order they fitted their first pack
    users: dict[int, object]  # enterprise id -> its first user (who reports and bills)
    admins: dict[int, object]  # enterprise id -> its administrator (who keeps the bank account)
    staff: object
    admin: object


def seed(session: Session, ctx: SeedContext) -> None:
    """A year of the deposit scheme over the registry's demo packs, through the ledger's services."""
    from portal.ledger.models import DepositRule, LedgerTransaction
    from portal.registry.queries import pack_histories

    if session.scalar(select(LedgerTransaction.id).where(LedgerTransaction.is_demo).limit(1)) is not None:
        return
    if session.scalar(select(DepositRule.id).limit(1)) is not None:
        return
    history = pack_histories(session, demo=True)
    cast = _cast(session, history)
    if cast is None:
        return
    with clock.kept():
        year = _Year(session, cast, history, clock.now())
        year.plan()
        year.run()
    txns = session.scalar(select(func.count()).select_from(LedgerTransaction).where(LedgerTransaction.is_demo))
    line = f"{year.deposits} deposits, {txns} ledger transactions"
    if year.refused:
        line += f" ({year.refused} packs refused by billing)"
    ctx.created.append(line)


def _cast(session: Session, history) -> _Cast | None:
    """The demo members by their part in the registry's history, with their users; None if missing."""
    from portal.auth.queries import enterprise_admins, user_by_email, users_of_enterprise

    makers: dict[int, int] = defaultdict(int)
    cars: list[int] = []
    parties: set[int] = set()
    for event, battery in history:
        if battery.maker_enterprise_id is not None:
            makers[battery.maker_enterprise_id] += 1
        if event.event == "fitted" and event.reporter_enterprise_id not in cars:
            cars.append(event.reporter_enterprise_id)
        if event.reporter_enterprise_id is not None:
            parties.add(event.reporter_enterprise_id)
    staff, admin = user_by_email(session, STAFF_EMAIL), user_by_email(session, ADMIN_EMAIL)
    if not makers or len(cars) < 2 or staff is None or admin is None:
        return None
    users, admins = {}, {}
    for enterprise_id in parties:
        accounts = users_of_enterprise(session, enterprise_id)
        if accounts:
            users[enterprise_id] = accounts[0]
        heads = enterprise_admins(session, enterprise_id)
        if heads:
            admins[enterprise_id] = heads[0]
    maker = max(makers, key=makers.get)
    if maker not in users or any(car not in users for car in cars[:2]):
        return None
    return _Cast(maker, cars[:2], users, admins, staff, admin)


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=clock.LOCAL_TZ).astimezone(dt.UTC)


def _weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


class _Year:
    """The scheme's year as operations at their moments, run in time order (an operation may plan more)."""

    def __init__(self, session: Session, cast: _Cast, history, now: dt.datetime) -> None:
        self.session, self.cast, self.history, self.now = session, cast, history, now
        self.today = now.astimezone(clock.LOCAL_TZ).date()
        self.start = month_start(self.today, -12)  # the pilot's first day
        self.outlets_join = month_start(self.today, -9)  # the second rule version
        self.ops: list[_Op] = []
        self.serials: dict[str, int] = defaultdict(int)
        self.deposits = self.refused = 0
        self.adjusted = False
        self.error_planned = False

    def at(self, when: dt.datetime, run: Callable[[], None]) -> None:
        if when < self.now - dt.timedelta(minutes=10):
            heapq.heappush(self.ops, _Op(when, self._next(), run))

    def _next(self) -> int:
        self.serials["op"] += 1
        return self.serials["op"]

    def run(self) -> None:
        while self.ops:
            op = heapq.heappop(self.ops)
            clock.set_now(op.at)
            op.run()

    def reference(self) -> str:
        """A bank serial number of the scheme's account, e.g. ICBC20260315001."""
        day = clock.today().strftime("%Y%m%d")
        self.serials[day] += 1
        return f"ICBC{day}{self.serials[day]:03d}"

    # --- planning -------------------------------------------------------------------------------

    def plan(self) -> None:
        start, join = self.start, self.outlets_join
        self.at(_local(start - dt.timedelta(days=21), 10), lambda: self.rule(start, outlets=False))
        self.at(_local(join - dt.timedelta(days=20), 10), lambda: self.rule(join, outlets=True))
        self.at(_local(start - dt.timedelta(days=10), 9), self.bank_accounts)
        first_car, second_car = self.cast.cars
        enrol = _local(_weekday(start + dt.timedelta(days=2)), 10)
        self.at(enrol, lambda: self.enrol(first_car, "in_vehicle"))
        self.at(enrol + dt.timedelta(minutes=30), lambda: self.enrol(self.cast.maker, "new"))
        self.at(_local(_weekday(join + dt.timedelta(days=2)), 10), lambda: self.enrol(second_car, "in_vehicle"))
        self.lots(enrol)
        self.intakes()
        month = month_start(start, 1)
        while month <= self.today:
            self.at(_local(month, 2), self.forfeit)
            self.at(_local(_weekday(month.replace(day=10)), 14), self.payouts)
            closing = month_start(month, -1)
            if closing < month_start(self.today, -1):
                self.at(_local(_weekday(month.replace(day=8)), 16), lambda m=closing: self.close(m))
            month = month_start(month, 1)

    def lots(self, after: dt.datetime) -> None:
        """The battery maker bills each new lot of packs the day it registers it."""
        lots: dict[dt.datetime, list[str]] = defaultdict(list)
        for event, battery in self.history:
            if (
                event.event == "produced"
                and battery.maker_enterprise_id == self.cast.maker
                and event.reported_at > after
            ):
                lots[event.reported_at].append(battery.code)
        for reported, codes in lots.items():
            self.at(reported + dt.timedelta(hours=2), lambda c=codes: self.bill(self.cast.maker, c, instalments=False))

    def intakes(self) -> None:
        """Each report of confirmed intakes, at its moment: the refunds it earns (as the registry's signal)."""
        reports: dict[tuple, list] = defaultdict(list)
        for event, _battery in self.history:
            since_start = event.reported_at >= _local(self.start, 0)
            if event.to_state in INTAKES and event.corrects_event_id is None and since_start:
                reports[(event.reported_at, event.reporter_enterprise_id)].append(event)
        for (moment, reporter), events in reports.items():
            if reporter in self.cast.users:
                self.at(moment, lambda r=reporter, e=events: self.refund(r, e))

    # --- operations -----------------------------------------------------------------------------

    def rule(self, effective: dt.date, *, outlets: bool) -> None:
        from portal.ledger import rules

        note = (
            "试点第二阶段：电池包交至合规回收服务网点即退还押金，网点运营单位获得收集奖励。"
            if outlets
            else "试点第一阶段：电池包交至白名单梯次利用或再生利用企业时退还押金，企业获得收集奖励。"
        )
        data = rules.RuleInput(
            effective_from=effective.isoformat(),
            collector_share_percent="20",
            forfeit_after_days=FORFEIT_DAYS,
            yuan_per_kwh=RATES,
            refund_via_outlets=outlets,
            refund_via_whitelist=True,
            note=note,
        )
        rules.add_rule(self.session, self.cast.staff, data, demo=True, today=clock.today())

    def bank_accounts(self) -> None:
        """Each member that may receive refunds keeps its bank account on file (set by its administrator)."""
        from portal.members.enterprises import ProfileData, update_profile
        from portal.members.queries import get_enterprise

        for index, (enterprise_id, admin) in enumerate(sorted(self.cast.admins.items())):
            enterprise = get_enterprise(self.session, enterprise_id)
            if enterprise is None or enterprise.bank_account_no:
                continue
            data = ProfileData(
                description=enterprise.description,
                website=enterprise.website,
                address=enterprise.address,
                contact_name=enterprise.contact_name,
                contact_phone=enterprise.contact_phone,
                contact_email=enterprise.contact_email,
                bank_name=f"{BANKS[index % len(BANKS)]}{enterprise.address[:3]}分行",
                bank_account_name=enterprise.name,
                bank_account_no=f"1602{(enterprise_id * 7_919_351 + 3_700_421) % 10**12:012d}",
            )
            update_profile(self.session, admin, enterprise_id, data)

    def enrol(self, payer: int, state: str) -> None:
        """A member joins the pilot: the deposits on its packs on the market (or in stock) at this moment."""
        from portal.registry.queries import states_at

        fitted_by: dict[int, int] = {}
        packs: dict[int, object] = {}
        for event, battery in self.history:
            if event.event == "fitted":
                fitted_by[battery.id] = event.reporter_enterprise_id
            if battery.maker_enterprise_id == self.cast.maker:
                packs[battery.id] = battery
        states = states_at(self.session, list(packs), clock.now())
        owner = (lambda b: fitted_by.get(b.id)) if state == "in_vehicle" else (lambda b: b.maker_enterprise_id)
        codes = [b.code for i, b in sorted(packs.items()) if states.get(i) == state and owner(b) == payer]
        self.bill(payer, codes, instalments=True)

    def bill(self, payer: int, codes: list[str], *, instalments: bool) -> None:
        from portal.errors import DomainError
        from portal.ledger import billing

        actor = self.cast.users[payer]
        while codes:
            try:
                deposits = billing.bill_deposits(self.session, actor, codes, demo=True)
            except DomainError as err:
                refused = {int(k.split(".")[1]) for k in err.fields or {} if k.startswith("items.")}
                if not refused:
                    raise
                self.refused += len(refused)
                codes = [c for i, c in enumerate(codes) if i not in refused]
                continue
            break
        else:
            return
        self.deposits += len(deposits)
        total = sum(d.amount_fen for d in deposits)
        day = clock.today()
        plan = INSTALMENTS if instalments else ((30, 100),)
        for days, percent in plan:
            when = _local(_weekday(day + dt.timedelta(days=days)), 11)
            self.at(when, lambda p=payer, f=total * percent // 100 // 100 * 100, r=percent == 100: self.pay(p, f, r))
        if instalments and payer == self.cast.cars[1] and not self.error_planned:
            self.error_planned = True
            self.at(_local(_weekday(day + dt.timedelta(days=20)), 11), lambda: self.pay_in_error(payer))

    def pay(self, payer: int, fen: int, rest: bool) -> None:
        """Staff record a bank receipt from the payer (the last instalment: what it still owes)."""
        from portal.ledger import accounts, billing

        owed = billing.account_balance(self.session, accounts.RECEIVABLE, payer)
        amount = owed if rest else min(fen, owed)
        if amount > 0:
            billing.record_payment(
                self.session, self.cast.staff, payer, amount, clock.today(), self.reference(), demo=True
            )

    def pay_in_error(self, payer: int) -> None:
        """A receipt recorded against the deposits that was no deposit: reversed the next working day."""
        from portal.ledger import accounts, billing

        owed = billing.account_balance(self.session, accounts.RECEIVABLE, payer)
        amount = min(1_200_000, owed // 4 // 100 * 100)  # a year's membership fee
        if amount <= 0:
            return
        txn = billing.record_payment(
            self.session, self.cast.staff, payer, amount, clock.today(), self.reference(), demo=True
        )
        self.at(_local(_weekday(clock.today() + dt.timedelta(days=1)), 10), lambda: self.reverse(txn))

    def reverse(self, txn_id: int) -> None:
        from portal.ledger import corrections

        corrections.reverse(self.session, self.cast.admin, txn_id, ERROR_REASON, demo=True)

    def refund(self, reporter: int, events: list) -> None:
        from portal.ledger import refunds

        ids = refunds.refund_on_intakes(self.session, self.cast.users[reporter], events, demo=True)
        if ids and not self.adjusted:
            self.adjustment(ids)

    def adjustment(self, txn_ids: list[int]) -> None:
        """Once, mid-year: the collector's reward on one refund goes to the payer (proposed, then approved)."""
        from portal.ledger import corrections

        day = clock.today()
        if day < month_start(self.today, -7) or not 11 <= day.day <= 20:
            return  # before the 10th's payout could pay the collector's part out first
        txn = corrections.get_transaction(self.session, txn_ids[0])
        payer = txn.enterprise_id
        collector = next(
            (line for line in txn.lines if line.side == "C" and line.account.enterprise_id not in (None, payer)), None
        )
        if collector is None:
            return
        self.adjusted = True
        lines = (
            f"refunds_payable:{collector.account.enterprise_id} D {money.format_fen(collector.amount_fen)}\n"
            f"refunds_payable:{payer} C {money.format_fen(collector.amount_fen)}"
        )
        reason = ADJUSTMENT_REASON.format(txn=txn.id, code=self._code(txn.battery_id))
        proposed = _local(_weekday(day + dt.timedelta(days=1)), 10, 30)
        state: dict[str, int] = {}

        def propose() -> None:
            state["id"] = corrections.propose(self.session, self.cast.staff, lines, reason).id

        self.at(proposed, propose)
        self.at(
            _local(_weekday(proposed.astimezone(clock.LOCAL_TZ).date() + dt.timedelta(days=1)), 10, 30),
            lambda: corrections.approve(self.session, self.cast.admin, state["id"], demo=True),
        )

    def _code(self, battery_id: int | None) -> str:
        from portal.registry.queries import codes_of

        return codes_of(self.session, {battery_id}).get(battery_id, "") if battery_id else ""

    def payouts(self) -> None:
        """Staff transfer every member's approved refunds to its bank account (as far as the escrow holds)."""
        from portal.ledger import accounts, billing, refunds
        from portal.ledger.queries import trial_balance

        for account in trial_balance(self.session):
            if account.kind != accounts.PAYABLE or account.balance_fen <= 0:
                continue
            amount = min(account.balance_fen, billing.account_balance(self.session, accounts.ESCROW))
            if amount > 0:
                refunds.pay_out(
                    self.session,
                    self.cast.staff,
                    account.enterprise_id,
                    amount,
                    clock.today(),
                    self.reference(),
                    demo=True,
                )

    def forfeit(self) -> None:
        from portal.core.actors import system
        from portal.ledger import refunds

        refunds.forfeit_due(self.session, system("job:ledger.forfeit"), clock.now(), demo=True)

    def close(self, month: dt.date) -> None:
        from portal.ledger import corrections

        corrections.close_month(self.session, self.cast.staff, f"{month.year:04d}-{month.month:02d}")
