"""Several processes (spawned, each with its own application, like gunicorn workers) hammer the ledger
at once: intakes for the same packs (each with its refund, a forfeiture job racing them), and
deposits billed for the same packs, through the services and through the API.

Ledger writes run in ``run_in_transaction(fn, locks=journal.LOCKS)``; registry writes (the intakes,
whose refunds are approved in the same transaction) in ``run_in_transaction(fn)`` without locks, as
the registry's own requests do. Afterwards: each intake and each bill happened once, exactly one
settlement per pack, ``verify`` passes, and not a fen is lost.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
from collections import Counter
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from portal.core import clock
from portal.core.uow import run_in_transaction
from portal.ledger import billing, journal
from portal.ledger.models import Deposit, LedgerTransaction
from portal.registry.models import Battery
from tests.ledger import helpers
from tests.ledger.helpers import expected_deposit, user

pytestmark = pytest.mark.db
WORKERS = 4


# --- racing processes ------------------------------------------------------------------------


def _racer(config: dict, worker: int, barrier, results, job) -> None:
    """One spawned process: its own application and clock; wait for the others, then run job(worker)."""
    try:
        from portal import create_app

        app = create_app(config)
        clock.set_now(dt.datetime.fromisoformat(job.now))
        with app.app_context():
            prepared = job.prepare(app)
            barrier.wait(120)
            outcome = job(worker, prepared)
        results.put((worker, outcome))
    except BaseException as exc:  # reported to the parent
        results.put((worker, ("crash", f"{type(exc).__name__}: {exc}")))
        raise


def race(app, app_config: dict, job, workers: int = WORKERS) -> list:
    """Run job in `workers` spawned processes at once; their outcomes in worker order."""
    app.extensions["portal_db"].dispose()  # no connection of ours is shared with the children
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(workers), ctx.Queue()
    processes = [
        ctx.Process(target=_racer, args=(app_config, worker, barrier, results, job)) for worker in range(workers)
    ]
    for process in processes:
        process.start()
    try:
        outcomes = dict(results.get(timeout=300) for _ in processes)
    finally:
        for process in processes:
            process.join(60)
            if process.is_alive():
                process.kill()
    crashes = [o for o in outcomes.values() if isinstance(o, tuple) and o and o[0] == "crash"]
    assert not crashes, crashes
    assert all(p.exitcode == 0 for p in processes), [p.exitcode for p in processes]
    return [outcomes[w] for w in range(workers)]


def _rotated(items: list, worker: int) -> list:
    """Every worker goes through the same items, each starting elsewhere: they collide on every one."""
    return items[worker % len(items) :] + items[: worker % len(items)]


@dataclass
class Job:
    cast: helpers.Cast
    now: str  # the portal's clock in the children (ISO, with its zone)

    def prepare(self, app):
        return None


@dataclass
class Intakes(Job):
    """Each worker confirms the intake of every pack (the receivers' side); worker 0 also runs the forfeiture job."""

    channels: dict  # code -> outlet | recycler
    forfeit: bool = False

    def __call__(self, worker: int, _prepared) -> list:
        from portal.core.actors import system
        from portal.errors import DomainError
        from portal.ledger.refunds import forfeit_due

        outcomes = []
        for code in _rotated(sorted(self.channels), worker):
            if self.forfeit and worker == 0:
                count = run_in_transaction(lambda s: forfeit_due(s, system("test")), locks=journal.LOCKS)
                outcomes.append(("forfeited", count))
            try:
                run_in_transaction(lambda s, c=code: helpers.take_in(s, self.cast, c, self.channels[c]))
                outcomes.append(("ok", code))
            except DomainError as err:
                outcomes.append(("refused", code, err.message))
        return outcomes


@dataclass
class Bills(Job):
    """Each worker bills an overlapping pair as one batch, then every pack alone."""

    codes: list
    token: str = ""  # through the API when set

    def prepare(self, app):
        return app.test_client() if self.token else None

    def bill(self, client, codes: list) -> tuple:
        from portal.errors import DomainError

        if client is not None:
            body = {"codes": codes} if len(codes) > 1 else {"code": codes[0]}
            answer = client.post("/api/v1/deposits", json=body, headers={"Authorization": f"Bearer {self.token}"})
            if answer.status_code == 201:
                return ("ok", codes)
            assert answer.status_code == 422, (answer.status_code, answer.get_data(as_text=True))
            return ("refused", codes, answer.get_json()["error"]["message"])
        try:
            run_in_transaction(
                lambda s: billing.bill_deposits(s, user(s, self.cast.maker_email), codes), locks=journal.LOCKS
            )
            return ("ok", codes)
        except DomainError as err:
            return ("refused", codes, err.message)

    def __call__(self, worker: int, client) -> list:
        pair = _rotated(self.codes, worker)[:2]
        outcomes = [self.bill(client, pair)]
        for code in _rotated(self.codes, worker):
            outcomes.append(self.bill(client, [code]))
        return outcomes


@dataclass
class Mixed(Job):
    """Even workers take packs in (refunds), odd workers bill other packs: one journal, two kinds of writer."""

    intakes: Intakes
    bills: Bills

    def __call__(self, worker: int, prepared) -> list:
        return self.intakes(worker // 2, prepared) if worker % 2 == 0 else self.bills(worker // 2, prepared)


# --- setting up and reading the outcome --------------------------------------------------------


@pytest.fixture
def cast(app, session):
    cast = helpers.build_cast(session)
    session.close()
    return cast


def _now() -> str:
    return clock.now().isoformat()


def _packs(cast, n: int, kwh: str = "60") -> list[str]:
    return run_in_transaction(lambda s: helpers.register_packs(s, cast, [kwh] * n))


def _billed_and_sent(cast, channels: dict) -> None:
    run_in_transaction(
        lambda s: billing.bill_deposits(s, user(s, cast.maker_email), sorted(channels)), locks=journal.LOCKS
    )
    for code, channel in channels.items():
        run_in_transaction(lambda s, c=code, ch=channel: helpers.retire(s, cast, c, ch))


def _read(fn):
    from portal.db import get_db

    with get_db().session(write=False) as s:
        return fn(s)


def _kinds_per_pack(session, codes) -> dict[str, Counter]:
    rows = session.execute(
        select(Battery.code, LedgerTransaction.kind)
        .join(LedgerTransaction, LedgerTransaction.battery_id == Battery.id)
        .where(Battery.code.in_(codes))
    ).all()
    found: dict[str, Counter] = {code: Counter() for code in codes}
    for code, kind in rows:
        found[code][kind] += 1
    return found


def _all_hold(cast) -> dict[str, int]:
    from portal.ledger.verify import verify

    report = _read(verify)
    assert report.ok, report.problems
    return _read(helpers.check_independently)


def _successes(outcomes: list) -> list:
    return [o for worker in outcomes for o in worker if o[0] == "ok"]


def _refusals(outcomes: list) -> list:
    return [o for worker in outcomes for o in worker if o[0] == "refused"]


# --- refunds -----------------------------------------------------------------------------------


def test_simultaneous_intakes_of_the_same_packs_give_one_intake_and_one_refund_each(cast, app, app_config):
    codes = _packs(cast, 6)
    channels = {code: ("outlet" if i % 2 else "recycler") for i, code in enumerate(codes)}
    _billed_and_sent(cast, channels)

    outcomes = race(app, app_config, Intakes(cast, _now(), channels))

    won = Counter(o[1] for o in _successes(outcomes))
    assert won == Counter({code: 1 for code in codes}), outcomes
    assert all(o[2] for o in _refusals(outcomes)) and len(_refusals(outcomes)) == len(codes) * (WORKERS - 1)
    per_pack = _read(lambda s: _kinds_per_pack(s, codes))
    assert all(kinds == Counter({"bill": 1, "refund": 1}) for kinds in per_pack.values()), per_pack
    found = _all_hold(cast)
    deposit = expected_deposit("60")
    payer, collector = helpers.expected_split(deposit)
    assert found[f"refunds_payable:{cast.maker}"] == 6 * payer
    assert found[f"refunds_payable:{cast.operator}"] == found[f"refunds_payable:{cast.recycler}"] == 3 * collector
    assert found[f"deposits_held:{cast.maker}"] == 0
    assert found[f"deposits_receivable:{cast.maker}"] == 6 * deposit  # billed, never paid: nothing lost


def test_intakes_racing_the_forfeiture_job_settle_each_pack_once(cast, app, app_config, at):
    codes = _packs(cast, 6)
    channels = {code: ("outlet" if i % 2 else "recycler") for i, code in enumerate(codes)}
    _billed_and_sent(cast, channels)
    at("2027-11-05 10:00")  # past the 365 days: the job and the intakes want the same deposits

    outcomes = race(app, app_config, Intakes(cast, _now(), channels, forfeit=True))

    assert Counter(o[1] for o in _successes(outcomes)) == Counter({code: 1 for code in codes}), outcomes
    per_pack = _read(lambda s: _kinds_per_pack(s, codes))
    for code, kinds in per_pack.items():
        assert kinds["bill"] == 1 and kinds["refund"] + kinds["forfeit"] == 1, (code, kinds)
    forfeited = sum(kinds["forfeit"] for kinds in per_pack.values())
    assert forfeited == sum(o[1] for worker in outcomes for o in worker if o[0] == "forfeited")
    found = _all_hold(cast)
    deposit = expected_deposit("60")
    payable = sum(v for k, v in found.items() if k.startswith("refunds_payable:"))
    assert payable + found.get("recycling_fund", 0) == 6 * deposit  # every fen of every deposit is somewhere


# --- deposits ----------------------------------------------------------------------------------


def _one_bill_each(outcomes: list, codes: list) -> None:
    billed = Counter(code for o in _successes(outcomes) for code in o[1])
    assert billed == Counter({code: 1 for code in codes}), outcomes
    for refusal in _refusals(outcomes):
        assert refusal[2], refusal
    per_pack = _read(lambda s: _kinds_per_pack(s, codes))
    assert all(kinds == Counter({"bill": 1}) for kinds in per_pack.values()), per_pack
    deposits = _read(
        lambda s: s.scalar(
            select(func.count())
            .select_from(Deposit)
            .join(Battery, Battery.id == Deposit.battery_id)
            .where(Battery.code.in_(codes))
        )
    )
    assert deposits == len(codes)


def test_the_same_packs_billed_from_several_processes_are_billed_once(cast, app, app_config):
    codes = _packs(cast, 5, "45.5")

    outcomes = race(app, app_config, Bills(cast, _now(), codes))

    _one_bill_each(outcomes, codes)
    found = _all_hold(cast)
    assert found[f"deposits_held:{cast.maker}"] == found[f"deposits_receivable:{cast.maker}"] == 5 * 91000


def test_the_same_packs_billed_through_the_api_from_several_processes_are_billed_once(cast, app, app_config, session):
    from portal.members.queries import get_enterprise
    from tests.factories import make_token

    token = make_token(session, get_enterprise(session, cast.maker), ("deposits:write", "ledger:read"), "押金")
    session.commit()
    session.close()
    codes = _packs(cast, 5)

    outcomes = race(app, app_config, Bills(cast, _now(), codes, token=token))

    _one_bill_each(outcomes, codes)
    found = _all_hold(cast)
    assert found[f"deposits_held:{cast.maker}"] == 5 * expected_deposit("60")
    # Everything the refused callers were told is in Chinese and names the pack's billing.
    assert all("计收" in json.dumps(o[2], ensure_ascii=False) for o in _refusals(outcomes)), _refusals(outcomes)


def test_bills_and_refunds_at_once_on_one_journal(cast, app, app_config):
    returned = _packs(cast, 4)
    channels = {code: "outlet" for code in returned}
    _billed_and_sent(cast, channels)
    fresh = _packs(cast, 4, "30")
    now = _now()

    outcomes = race(app, app_config, Mixed(cast, now, Intakes(cast, now, channels), Bills(cast, now, fresh)))

    intakes, bills = outcomes[0::2], outcomes[1::2]
    assert Counter(o[1] for o in _successes(intakes)) == Counter({code: 1 for code in returned})
    _one_bill_each(bills, fresh)
    per_pack = _read(lambda s: _kinds_per_pack(s, returned))
    assert all(kinds == Counter({"bill": 1, "refund": 1}) for kinds in per_pack.values()), per_pack
    found = _all_hold(cast)
    assert found[f"deposits_held:{cast.maker}"] == 4 * expected_deposit("30")
    ids = _read(lambda s: list(s.scalars(select(LedgerTransaction.id).order_by(LedgerTransaction.id))))
    assert ids == list(range(1, len(ids) + 1))  # one chain, no gap, no number twice
