"""Random sequences of every ledger operation (hypothesis, stateful): the seven invariants always hold.

Each example starts on a fresh database with a cast of members and a pool of fitted packs of awkward
capacities under an awkward rule (0.37 yuan per kWh, 33.33 % to the collector). The steps bill, pay
(right or too much, into an open or a closed month, with a fresh or a reused bank reference), retire
packs to the 合规 outlet, a non-compliant one, the whitelisted recycler or a stranger, confirm
intakes, forward packs from an outlet to the recycler, pay out (right or too much), move the clock
past the forfeiture period and run the job twice, reverse any transaction, propose and approve
adjustments (also self-approval), and close months. Each ledger write runs in its own unit of work
with the journal's lock, as a request does.

The test keeps its own model of what every account must hold, and predicts which operations must be
refused. After every step: ``verify`` passes, the key invariants recomputed from raw SQL hold, and the
balances are the model's. A refused operation raises DomainError and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import event as _event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from portal.core import clock
from portal.core.actors import system
from portal.core.uow import run_in_transaction
from portal.db import get_db
from portal.errors import DomainError, Forbidden
from portal.ledger import journal
from tests.ledger import helpers
from tests.ledger.helpers import expected_deposit, expected_split, user

pytestmark = pytest.mark.db

RATE = "0.37"  # yuan per kWh of LFP: 37 fen, so most capacities round
RATE_FEN = 37
SHARE = "33.33"
SHARE_BP = 3333
LOCKS = journal.LOCKS
RARELY = st.sampled_from([False, False, False, True])  # the simplest draw is the usual path
CAPACITY = st.integers(min_value=200, max_value=30_000).map(lambda n: Decimal(n) * Decimal("0.005"))


@dataclass
class Pack:
    code: str
    kwh: Decimal
    amount: int
    where: str = "car"  # car | sent:<to> | at:<place>
    billed: bool = False
    settled: str | None = None  # refund | forfeit
    retired_at: dt.datetime | None = None
    split: tuple[int, int] | None = None  # (payer, collector) of its refund
    collector: int | None = None


SEEN: Counter = Counter()  # what the examples did (printed with -s)


def event(name: str) -> None:
    SEEN[name] += 1
    _event(name)


def _write(fn, *, ledger: bool = True):
    return run_in_transaction(fn, locks=LOCKS if ledger else ())


def _read(fn):
    session = get_db().session(write=False)
    try:
        return fn(session)
    finally:
        session.rollback()
        session.close()


class LedgerMachine(RuleBasedStateMachine):
    """The model and the operations; ``fresh`` (set by the test) gives each example a fresh database and cast."""

    fresh = None

    @initialize(capacities=st.lists(CAPACITY, min_size=3, max_size=6), billed_first=st.lists(RARELY, max_size=6))
    def start(self, capacities, billed_first):
        self.cast = type(self).fresh()
        clock.set_now(dt.datetime(2026, 11, 2, 10, 0, tzinfo=clock.LOCAL_TZ))
        session = get_db().session(write=True)
        try:
            codes = helpers.register_packs(session, self.cast, capacities)
            session.commit()
        finally:
            session.close()
        c = self.cast
        self.packs = {
            code: Pack(code, kwh, expected_deposit(kwh, RATE_FEN)) for code, kwh in zip(codes, capacities, strict=True)
        }
        self.payments = self.payouts = self.fund = 0
        self.payable: dict[int, int] = defaultdict(int)
        self.txns: dict[int, tuple] = {}
        self.reversed: set[int] = set()
        self.closed: set[str] = set()
        self.references: list[str] = []  # bank serial numbers of payments that stand (not reversed)
        self.serials = 0  # serial numbers handed out so far
        self.payout_refs: list[str] = []
        self.members = (c.maker, c.operator, c.recycler)
        skipped = billed_first + [False] * len(codes)  # the simplest draw bills every pack first
        first = [code for code, skip in zip(codes, skipped, strict=False) if not skip]
        if first:
            self._bill(first, None)

    def _bill(self, codes, day) -> None:
        from portal.ledger import billing

        def run(session):
            return [
                (d.amount_fen, d.billed_txn_id)
                for d in billing.bill_deposits(session, user(session, self.cast.maker_email), codes, on=day)
            ]

        billed = _write(run)
        event("billed")
        assert sorted(a for a, _t in billed) == sorted(self.packs[c].amount for c in codes)
        for code in codes:
            self.packs[code].billed = True
        txns = _read(lambda s: helpers_bill_txns(s, codes))
        for code, txn_id in txns.items():
            self.txns[txn_id] = ("bill", code)

    # --- helpers ---------------------------------------------------------------------------

    def refused(self, fn, *, ledger: bool = True, kind=DomainError) -> str:
        """fn must be refused with a message and leave every ledger table as it was."""
        event(f"refused: {sys._getframe(1).f_code.co_name}")
        before = _read(helpers.snapshot)
        with pytest.raises(kind) as caught:
            _write(fn, ledger=ledger)
        assert caught.value.message
        assert _read(helpers.snapshot) == before
        return caught.value.message

    def staff(self, session, other: bool = False):
        return user(session, self.cast.other_staff_email if other else self.cast.staff_email)

    @property
    def escrow(self) -> int:
        return self.payments - self.payouts

    @property
    def receivable(self) -> int:
        return sum(p.amount for p in self.packs.values() if p.billed) - self.payments

    def where(self, *places):
        return sorted(code for code, p in self.packs.items() if p.where in places)

    def closed_day(self, data) -> dt.date | None:
        if not self.closed:
            return None
        month = data.draw(st.sampled_from(sorted(self.closed)))
        return dt.date(int(month[:4]), int(month[5:]), 15)

    # --- operations ------------------------------------------------------------------------

    @rule(data=st.data())
    def bill(self, data):
        from portal.ledger import billing

        billable = sorted(c for c, p in self.packs.items() if p.where == "car" and not p.billed)
        pool = billable if billable and not data.draw(RARELY) else sorted(self.packs)
        codes = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3))
        into_closed = data.draw(RARELY) and self.closed_day(data)
        day = into_closed or None
        ok = (
            len(set(codes)) == len(codes)
            and all(self.packs[c].where == "car" and not self.packs[c].billed for c in codes)
            and not into_closed
        )

        if ok:
            self._bill(codes, day)
        else:
            self.refused(lambda s: billing.bill_deposits(s, user(s, self.cast.maker_email), codes, on=day))

    @rule(data=st.data())
    def pay(self, data):
        from portal.ledger import billing

        owed = self.receivable
        fits = st.integers(1, owed) if owed > 0 else st.just(1)
        amount = data.draw(st.integers(1, owed + 5000) if data.draw(RARELY) else st.one_of(st.just(owed), fits))
        day = (data.draw(RARELY) and self.closed_day(data)) or clock.today()
        reuse = bool(self.references) and data.draw(RARELY)
        reference = data.draw(st.sampled_from(self.references)) if reuse else f"BANK-{self.serials + 1:05d}"
        # A bank serial number is compared without spaces and case: a reused one typed differently is refused too.
        typed = reference.lower().replace("-", " - ") if reuse else reference
        ok = 0 < amount <= owed and journal.month_of(day) not in self.closed and not reuse

        def run(session):
            return billing.record_payment(session, self.staff(session), self.cast.maker, amount, day, typed)

        if not ok:
            message = self.refused(run)
            if reuse and 0 < amount <= owed and journal.month_of(day) not in self.closed:
                assert reference in message
            return
        txn_id = _write(run)
        event("paid")
        self.references.append(reference)
        self.serials += 1
        self.payments += amount
        self.txns[txn_id] = ("payment", amount, reference)

    @rule(data=st.data(), to=st.sampled_from(["outlet", "poor_outlet", "recycler", "stranger"]))
    def retire(self, data, to):
        codes = self.where("car")
        if not codes:
            return
        self._retire(data.draw(st.sampled_from(codes)), to)

    def _retire(self, code: str, to: str) -> None:
        _write(lambda s: helpers.retire(s, self.cast, code, to), ledger=False)
        pack = self.packs[code]
        pack.where, pack.retired_at = f"sent:{to}", pack.retired_at or clock.now()

    @rule(data=st.data(), to=st.sampled_from(["outlet", "outlet", "recycler", "poor_outlet", "stranger"]))
    def give_back(self, data, to):
        """A pack goes back at once: retired and taken in (two registry transactions)."""
        codes = self.where("car")
        if not codes:
            return
        billed = [c for c in codes if self.packs[c].billed]
        code = data.draw(st.sampled_from(billed if billed and not data.draw(RARELY) else codes))
        self._retire(code, to)
        self._take_in(code)

    @rule(data=st.data())
    def forward(self, data):
        """The outlet operator sends a pack from an outlet on to the whitelisted recycler."""
        codes = self.where("at:outlet", "at:poor_outlet")
        if not codes:
            return
        code = data.draw(st.sampled_from(codes))
        item = {"code": code, "event": "outlet_dispatch", "counterparty_credit_code": self.cast.recycler_code}
        _write(lambda s: helpers.report(s, self.cast.operator_email, [item]), ledger=False)
        self.packs[code].where = "sent:recycler"

    @rule(data=st.data())
    def take_in(self, data):
        codes = self.where("sent:outlet", "sent:poor_outlet", "sent:recycler", "sent:stranger")
        if not codes:
            return
        self._take_in(data.draw(st.sampled_from(codes)))

    def _take_in(self, code: str) -> None:
        pack = self.packs[code]
        to = pack.where.split(":")[1]
        channel = {"outlet": "outlet", "poor_outlet": "outlet", "recycler": "recycler", "stranger": "stranger"}[to]
        _write(lambda s: helpers.take_in(s, self.cast, code, channel), ledger=False)
        pack.where = f"at:{to}"
        if pack.billed and not pack.settled and to in ("outlet", "recycler"):
            collector = self.cast.operator if to == "outlet" else self.cast.recycler
            pack.settled, pack.split, pack.collector = "refund", expected_split(pack.amount, SHARE_BP), collector
            self.payable[self.cast.maker] += pack.split[0]
            self.payable[collector] += pack.split[1]
            txn_id = _read(lambda s: helpers_settle_txn(s, code))
            self.txns[txn_id] = ("settle", code)
            event(f"refunded via {to}")

    @rule(data=st.data())
    def pay_out(self, data):
        from portal.ledger import refunds

        owed = [m for m in self.members if self.payable[m] > 0]
        member = data.draw(st.sampled_from(owed if owed and not data.draw(RARELY) else self.members))
        due = self.payable[member]
        fits = st.integers(1, due) if due > 0 else st.just(1)
        amount = data.draw(st.integers(1, due + 5000) if data.draw(RARELY) else st.one_of(st.just(due), fits))
        reference = f"OUT-{len(self.payout_refs) + 1:05d}"
        ok = 0 < amount <= min(due, self.escrow)

        def run(session):
            return refunds.pay_out(session, self.staff(session), member, amount, clock.today(), reference)

        if not ok:
            self.refused(run)
            return
        txn_id = _write(run)
        event("paid out")
        self.payout_refs.append(reference)
        self.payouts += amount
        self.payable[member] -= amount
        self.txns[txn_id] = ("payout", member, amount)

    @rule(days=st.sampled_from([1, 20, 45, 200, 366, 400, "edge-", "edge+"]))
    def forfeit(self, days):
        """Move the clock (by days, or to just before / after the end of the oldest open period) and run the job."""
        from portal.ledger import refunds

        period = dt.timedelta(days=helpers.FORFEIT_DAYS)
        if isinstance(days, str):
            ends = [p.retired_at + period for p in self.packs.values() if p.billed and not p.settled and p.retired_at]
            ends = [end for end in ends if end > clock.now() + dt.timedelta(minutes=2)]
            if not ends:
                return
            clock.set_now(min(ends) + dt.timedelta(minutes=1 if days == "edge+" else -1))
        else:
            clock.set_now(clock.now() + dt.timedelta(days=days))
        now = clock.now()
        due = [
            p
            for p in self.packs.values()
            if p.billed and not p.settled and p.retired_at is not None and p.retired_at + period < now
        ]
        assert _write(lambda s: refunds.forfeit_due(s, system("test"), now)) == len(due)
        assert _write(lambda s: refunds.forfeit_due(s, system("test"), now)) == 0  # run again: nothing more
        if due:
            event("forfeited")
        for pack in due:
            pack.settled = "forfeit"
            self.fund += pack.amount
            self.txns[_read(lambda s, c=pack.code: helpers_settle_txn(s, c))] = ("settle", pack.code)

    @rule(data=st.data())
    def reverse(self, data):
        from portal.ledger import corrections

        if not self.txns:
            return
        txn_id = data.draw(st.sampled_from(sorted(self.txns)))
        what = self.txns[txn_id]

        def run(session):
            return corrections.reverse(session, self.staff(session), txn_id, "测试冲销")

        must_refuse = what[0] == "reversal" or txn_id in self.reversed
        if what[0] == "payment":
            must_refuse |= self.escrow < what[1]
        elif what[0] == "settle":
            pack = self.packs[what[1]]
            if pack.settled == "refund":
                must_refuse |= self.payable[self.cast.maker] < pack.split[0]
                must_refuse |= self.payable[pack.collector] < pack.split[1]
            elif pack.settled == "forfeit":  # the fund may have been adjusted away since
                must_refuse |= self.fund < pack.amount
        elif what[0] == "bill":
            must_refuse |= self.packs[what[1]].settled is not None
        elif what[0] == "adjustment":
            _kind, _debit, credit, amount = what
            must_refuse |= self._balance(credit) < amount
        if must_refuse:
            self.refused(run)
            return
        before = _read(helpers.snapshot)
        try:
            new_id = _write(run)
        except DomainError as err:
            # Only a bill may be refused here (it was paid): the model does not follow allocations.
            assert what[0] == "bill" and "付款" in err.message, (what, err.message)
            assert _read(helpers.snapshot) == before
            return
        event(f"reversed {what[0]}")
        self.reversed.add(txn_id)
        self.txns[new_id] = ("reversal", txn_id)
        self._undo(what)

    def _balance(self, account: str) -> int:
        return self.fund if account == "recycling_fund" else self.payable[int(account.split(":")[1])]

    def _move(self, account: str, fen: int) -> None:
        if account == "recycling_fund":
            self.fund += fen
        else:
            self.payable[int(account.split(":")[1])] += fen

    def _undo(self, what: tuple) -> None:
        if what[0] == "bill":
            self.packs[what[1]].billed = False
        elif what[0] == "payment":
            self.payments -= what[1]
            self.references.remove(what[2])  # a reversed receipt's serial number may be posted again
        elif what[0] == "payout":
            self.payouts -= what[2]
            self.payable[what[1]] += what[2]
        elif what[0] == "settle":
            pack = self.packs[what[1]]
            if pack.settled == "refund":
                self.payable[self.cast.maker] -= pack.split[0]
                self.payable[pack.collector] -= pack.split[1]
            else:
                self.fund -= pack.amount
            pack.settled = pack.split = pack.collector = None
        elif what[0] == "adjustment":
            _kind, debit, credit, amount = what
            self._move(debit, amount)
            self._move(credit, -amount)

    @rule(data=st.data())
    def adjust(self, data):
        from portal.ledger import corrections

        member = data.draw(st.sampled_from(self.members))
        payable, fund = f"refunds_payable:{member}", "recycling_fund"
        pairs = [(payable, fund), (fund, payable)]
        funded = [pair for pair in pairs if self._balance(pair[0]) > 0]
        if not funded and not data.draw(RARELY):
            return
        debit, credit = data.draw(st.sampled_from(funded if funded and not data.draw(RARELY) else pairs))
        have = self._balance(debit)
        amount = data.draw(st.integers(1, have) if have and not data.draw(RARELY) else st.integers(1, have + 500))
        yuan = f"{amount // 100}.{amount % 100:02d}"
        unbalanced = data.draw(RARELY)
        lines = f"{debit} D {yuan}\n{credit} C {yuan}" + ("\nrecycling_fund C 0.01" if unbalanced else "")
        if unbalanced:
            message = self.refused(lambda s: corrections.propose(s, self.staff(s), lines, "账务调整"))
            assert "借贷不平衡" in message
            return
        if self.closed and data.draw(RARELY):
            day = self.closed_day(data)
            self.refused(lambda s: corrections.propose(s, self.staff(s), lines, "账务调整", day.isoformat()))
            return
        adjustment_id = _write(lambda s: corrections.propose(s, self.staff(s), lines, "账务调整").id)
        if data.draw(RARELY):  # the proposer may not approve it
            self.refused(lambda s: corrections.approve(s, self.staff(s), adjustment_id), kind=Forbidden)

        def approve(session):
            return corrections.approve(session, self.staff(session, other=True), adjustment_id)

        if self._balance(debit) < amount:
            self.refused(approve)
            return
        txn_id = _write(approve)
        event("adjusted")
        self._move(debit, -amount)
        self._move(credit, amount)
        self.txns[txn_id] = ("adjustment", debit, credit, amount)

    @rule(data=st.data())
    def close_month(self, data):
        from portal.ledger import corrections

        today = clock.today()
        months, day = [], dt.date(2026, 11, 1)
        while day < today.replace(day=1):
            months.append(journal.month_of(day))
            day = (day + dt.timedelta(days=32)).replace(day=1)
        if not months:
            if not data.draw(RARELY):
                return
            current = journal.month_of(today)
            self.refused(lambda s: corrections.close_month(s, self.staff(s), current))
            return
        month = data.draw(st.sampled_from(months))

        def run(session):
            return corrections.close_month(session, self.staff(session), month).month

        if month in self.closed:
            self.refused(run)
            return
        assert _write(run) == month
        event("closed a month")
        self.closed.add(month)

    # --- after every step ------------------------------------------------------------------

    @invariant()
    def all_invariants_hold(self):
        if not hasattr(self, "cast"):
            return
        from portal.ledger.verify import verify

        report = _read(verify)
        assert report.ok, report.problems
        found = _read(helpers.check_independently)
        maker = self.cast.maker
        open_amounts = sum(p.amount for p in self.packs.values() if p.billed and not p.settled)
        assert found.get(f"deposits_held:{maker}", 0) == open_amounts
        assert found.get(f"deposits_receivable:{maker}", 0) == self.receivable
        assert found.get("escrow_bank", 0) == self.escrow >= 0
        assert found.get("recycling_fund", 0) == self.fund
        for member in self.members:
            assert found.get(f"refunds_payable:{member}", 0) == self.payable[member] >= 0, member


def helpers_bill_txns(session, codes) -> dict[str, int]:
    from sqlalchemy import select

    from portal.ledger.models import Deposit
    from portal.registry.models import Battery

    rows = session.execute(
        select(Battery.code, Deposit.billed_txn_id)
        .join(Deposit, Deposit.battery_id == Battery.id)
        .where(Battery.code.in_(codes))
    )
    return dict(rows.all())


def helpers_settle_txn(session, code: str) -> int:
    from sqlalchemy import select

    from portal.ledger.models import Deposit
    from portal.registry.models import Battery

    txn_id = session.scalar(
        select(Deposit.settled_txn_id).join(Battery, Battery.id == Deposit.battery_id).where(Battery.code == code)
    )
    assert txn_id is not None, code
    return txn_id


def test_random_sequences_of_every_operation_keep_the_seven_invariants(app, backend, database_url, request):
    """Each example on a fresh database; every step checked against the model and by verify."""
    cached: dict = {}

    def new_cast():
        session = get_db().session(write=True)
        try:
            return helpers.build_cast(session, rates={"lfp": RATE}, share=SHARE)
        finally:
            session.close()

    if backend == "sqlite":
        # The cast is built once; each example starts from a copy of that database file.
        target = Path(database_url.removeprefix("sqlite:///"))
        copy = target.with_name("cast.db")

        def fresh():
            app.extensions["portal_db"].dispose()
            if "cast" not in cached:
                shutil.copy(request.getfixturevalue("sqlite_template"), target)
                cached["cast"] = new_cast()
                app.extensions["portal_db"].dispose()
                shutil.copy(target, copy)
            shutil.copy(copy, target)
            return cached["cast"]
    else:
        from tests.conftest import _empty_pg

        def fresh():
            app.extensions["portal_db"].dispose()
            _empty_pg(database_url)
            return new_cast()

    LedgerMachine.fresh = staticmethod(fresh)
    SEEN.clear()
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=12 if backend == "sqlite" else 6,
            stateful_step_count=35,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    print(dict(sorted(SEEN.items())))
