"""Several processes (like gunicorn workers) make the same registry write at the same moment: it happens once.

Each test sets a battery up, then forks WORKERS processes that build their own application, wait
at a barrier and send the same thing at once, through the services (``report_events``,
``confirm_receipt``, ``refuse_transfer`` in ``run_in_transaction``) or through the API with the
test client. Exactly one wins; the others are refused with a reason (a DomainError, or a 422 from
the API), and the database holds exactly the one write. With one Idempotency-Key, every answer is
the same. Marked ``db``: they also run on PostgreSQL when PORTAL_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import json
import multiprocessing
import uuid

import pytest
from sqlalchemy import func, select

from portal.api.models import IdempotentRequest
from portal.registry.models import Battery, BatteryEvent, BatteryTransfer
from tests.factories import battery_code

pytestmark = pytest.mark.db
WORKERS = 5
VIN = "LFV2A21K8G4043336"


# --- racing processes --------------------------------------------------------------------------


def _racer(config: dict, worker: int, barrier, results, job) -> None:
    """One process: its own application; wait for the others, then run job(worker) once."""
    try:
        from portal import create_app

        app = create_app(config)
        with app.app_context():
            prepared = job.prepare(app) if hasattr(job, "prepare") else None
            barrier.wait(60)
            outcome = job(worker, prepared)
        results.put((worker, outcome))
    except BaseException as exc:  # reported to the parent
        results.put((worker, ("crash", f"{type(exc).__name__}: {exc}")))
        raise


def race(app, app_config: dict, job, workers: int = WORKERS) -> list[tuple]:
    """Run job in `workers` processes at once; their outcomes in worker order."""
    app.extensions["portal_db"].dispose()  # no connection of ours is shared with the children
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(workers)
    results = ctx.Queue()
    processes = [
        ctx.Process(target=_racer, args=(app_config, worker, barrier, results, job)) for worker in range(workers)
    ]
    for process in processes:
        process.start()
    outcomes = dict(results.get(timeout=180) for _ in processes)
    for process in processes:
        process.join(60)
    crashes = [o for o in outcomes.values() if o[0] == "crash"]
    assert not crashes, crashes
    assert all(p.exitcode == 0 for p in processes), [p.exitcode for p in processes]
    return [outcomes[w] for w in range(workers)]


class Service:
    """A job that calls a registry service in run_in_transaction as a member's user."""

    def __init__(self, email: str, call) -> None:
        self.email, self.call = email, call

    def __call__(self, worker: int, _prepared):
        from portal.auth.models import User
        from portal.core.uow import run_in_transaction
        from portal.errors import DomainError

        def work(session):
            user = session.scalar(select(User).where(User.email == self.email))
            return self.call(session, user)

        try:
            return ("ok", run_in_transaction(work))
        except DomainError as err:
            return ("refused", err.message, dict(err.fields))


class Api:
    """A job that POSTs through the application's test client (the whole request, retries included)."""

    def __init__(self, token: str, path: str, body: dict, key: str | None = None) -> None:
        self.token, self.path, self.body, self.key = token, path, body, key

    def prepare(self, app):
        return app.test_client()

    def __call__(self, worker: int, client):
        headers = {"Authorization": f"Bearer {self.token}"}
        if self.key:
            headers["Idempotency-Key"] = self.key
        response = client.post("/api/v1" + self.path, json=self.body, headers=headers)
        return ("answer", response.status_code, response.get_data(as_text=True))


# --- reading the outcome -----------------------------------------------------------------------


def _rows(session, code: str) -> tuple[Battery, list[BatteryEvent], list[BatteryTransfer]]:
    session.rollback()
    session.expire_all()
    battery = session.scalar(select(Battery).where(Battery.code == code))
    events = list(session.scalars(select(BatteryEvent).where(BatteryEvent.battery_id == battery.id)))
    transfers = list(session.scalars(select(BatteryTransfer).where(BatteryTransfer.battery_id == battery.id)))
    return battery, events, transfers


def _won_once(outcomes: list[tuple], *, api: bool) -> list[tuple]:
    """Exactly one outcome succeeded; every other one is a refusal with a reason. Returns the refusals."""
    if api:
        won = [o for o in outcomes if o[1] < 400]
        lost = [o for o in outcomes if o[1] >= 400]
        assert len(won) == 1, outcomes
        for _kind, status, body in lost:
            error = json.loads(body)["error"]
            assert status == 422 and error["message"], body
        return [(json.loads(body)["error"]["message"], json.loads(body)["error"]["fields"]) for *_x, body in lost]
    won = [o for o in outcomes if o[0] == "ok"]
    lost = [o for o in outcomes if o[0] == "refused"]
    assert len(won) == 1 and len(lost) == len(outcomes) - 1, outcomes
    assert all(message for _kind, message, _fields in lost), lost
    return [(message, fields) for _kind, message, fields in lost]


def _register(api, token: str) -> str:
    code = battery_code()
    answer = api("POST", "/batteries", token, json={"code": code, "rated_capacity_kwh": 60, "mass_kg": 420})
    assert answer.status_code == 201, answer.get_json()
    return code


def _post(api, token: str, path: str, body: dict, status: int = 201):
    answer = api("POST", path, token, json=body)
    assert answer.status_code == status, answer.get_json()
    return answer


def _event_input(code: str, **fields):
    from portal.registry.services import EventInput

    return EventInput(code=code, **fields)


def _reported(code: str, **fields):
    from portal.registry.events import report_events

    def call(session, user):
        return report_events(session, user, [_event_input(code, **fields)], batch=False)[0].id

    return call


# --- the same move reported at once ------------------------------------------------------------


@pytest.mark.parametrize("channel", ["service", "api"])
def test_the_same_dispatch_reported_at_once_is_recorded_once(world, api, app, app_config, session, channel):
    code = _register(api, world.maker.token)
    move = {"event": "sold", "occurred_at": "2026-11-02 09:00", "counterparty_credit_code": world.car.credit_code}
    if channel == "service":
        job = Service(world.maker.email, _reported(code, **move))
    else:
        job = Api(world.maker.token, f"/batteries/{code}/events", move)

    refusals = _won_once(race(app, app_config, job), api=channel == "api")

    for _message, fields in refusals:  # the losers are told why: the battery is already on its way
        assert "移交" in fields["event"] and world.car.name in fields["event"], fields
    battery, events, transfers = _rows(session, code)
    assert [e.event for e in events] == ["produced", "sold"]
    assert [(t.state, t.receiver_enterprise_id, t.dispatch_event_id) for t in transfers] == [
        ("pending", world.car.id, events[1].id)
    ]
    assert battery.in_transit and battery.holder_enterprise_id is None


@pytest.mark.parametrize("channel", ["service", "api"])
def test_the_same_local_event_reported_at_once_is_recorded_once(world, api, app, app_config, session, channel):
    code = _register(api, world.maker.token)
    move = {"event": "fitted", "occurred_at": "2026-11-02 09:00", "vin": VIN}
    if channel == "service":
        job = Service(world.maker.email, _reported(code, **move))
    else:
        job = Api(world.maker.token, f"/batteries/{code}/events", move)

    refusals = _won_once(race(app, app_config, job), api=channel == "api")

    for _message, fields in refusals:  # fitting does not fit a battery already in a vehicle
        assert "装车" in fields["event"] and "在车使用" in fields["event"], fields
    battery, events, transfers = _rows(session, code)
    assert [e.event for e in events] == ["produced", "fitted"]
    assert transfers == []
    assert (battery.state, battery.holder_enterprise_id, battery.vin) == ("in_vehicle", world.maker.id, VIN)


def test_different_dispatches_of_one_battery_at_once_only_one_goes(world, api, app, app_config, session):
    """Each process sends the battery to another receiver: it is never on its way to two places."""
    code = _register(api, world.maker.token)
    receivers = [world.car, world.cascade, world.recycler, world.stranger, world.outlet_operator]

    class ToEach(Service):
        def __call__(self, worker, prepared):
            self.call = _reported(
                code,
                event="sold",
                occurred_at="2026-11-02 09:00",
                counterparty_credit_code=receivers[worker].credit_code,
            )
            return super().__call__(worker, prepared)

    outcomes = race(app, app_config, ToEach(world.maker.email, None))
    _won_once(outcomes, api=False)
    winner = receivers[next(w for w, o in enumerate(outcomes) if o[0] == "ok")]
    battery, events, transfers = _rows(session, code)
    assert [e.event for e in events] == ["produced", "sold"]
    assert [(t.state, t.receiver_enterprise_id) for t in transfers] == [("pending", winner.id)]
    assert battery.in_transit


# --- one receiver confirming twice at once -----------------------------------------------------


def test_a_receipt_confirmed_twice_at_once_is_confirmed_once(world, api, app, app_config, session):
    from portal.registry.transfers import confirm_receipt

    code = _register(api, world.maker.token)
    _post(
        api,
        world.maker.token,
        f"/batteries/{code}/events",
        {"event": "sold", "occurred_at": "2026-11-02 09:00", "counterparty_credit_code": world.car.credit_code},
    )

    def confirm(session, user):
        return confirm_receipt(session, user, code, "2026-11-02 09:30").id

    refusals = _won_once(race(app, app_config, Service(world.car.email, confirm)), api=False)

    assert all("没有等待确认的移交" in message for message, _fields in refusals), refusals
    battery, events, transfers = _rows(session, code)
    assert [e.event for e in events] == ["produced", "sold"]  # a plain receipt is no event
    assert [(t.state, t.decided_by != "") for t in transfers] == [("confirmed", True)]
    assert (battery.in_transit, battery.holder_enterprise_id, battery.state) == (False, world.car.id, "new")


def test_an_intake_confirmed_twice_at_once_through_the_api_is_recorded_once(world, api, app, app_config, session):
    code = _register(api, world.maker.token)
    _post(
        api,
        world.maker.token,
        f"/batteries/{code}/events",
        {"event": "sold", "occurred_at": "2026-11-02 08:00", "counterparty_credit_code": world.car.credit_code},
    )
    _post(api, world.car.token, f"/batteries/{code}/receipt", {"accept": True, "occurred_at": "2026-11-02 08:05"}, 200)
    fitted = {"event": "fitted", "occurred_at": "2026-11-02 08:10", "vin": VIN}
    _post(api, world.car.token, f"/batteries/{code}/events", fitted)
    _post(
        api,
        world.car.token,
        f"/batteries/{code}/events",
        {"event": "retired", "occurred_at": "2026-11-02 08:20", "counterparty_credit_code": world.cascade.credit_code},
    )
    body = {"accept": True, "event": "cascade_intake", "occurred_at": "2026-11-02 08:40"}

    refusals = _won_once(race(app, app_config, Api(world.cascade.token, f"/batteries/{code}/receipt", body)), api=True)

    assert all("没有等待确认的移交" in message for message, _fields in refusals), refusals
    battery, events, transfers = _rows(session, code)
    assert [e.event for e in events] == ["produced", "sold", "fitted", "retired", "cascade_intake"]
    retired_transfer = next(t for t in transfers if t.dispatch_event_id == events[3].id)
    assert (retired_transfer.state, retired_transfer.intake_event_id) == ("confirmed", events[4].id)
    assert (battery.state, battery.holder_enterprise_id, battery.in_transit) == ("at_cascade", world.cascade.id, False)


def test_a_receiver_confirming_and_refusing_at_once_makes_one_decision(world, api, app, app_config, session):
    from portal.registry.transfers import confirm_receipt, refuse_transfer

    code = _register(api, world.maker.token)
    _post(
        api,
        world.maker.token,
        f"/batteries/{code}/events",
        {"event": "sold", "occurred_at": "2026-11-02 09:00", "counterparty_credit_code": world.car.credit_code},
    )

    class Decide(Service):
        def __call__(self, worker, prepared):
            if worker % 2:
                self.call = lambda s, user: refuse_transfer(s, user, code, "型号与订单不符").state
            else:
                self.call = lambda s, user: confirm_receipt(s, user, code, "2026-11-02 09:30").state
            return super().__call__(worker, prepared)

    outcomes = race(app, app_config, Decide(world.car.email, None))
    _won_once(outcomes, api=False)
    decided = next(o[1] for o in outcomes if o[0] == "ok")
    battery, events, transfers = _rows(session, code)
    assert [t.state for t in transfers] == [decided]
    holder = world.car.id if decided == "confirmed" else world.maker.id
    assert (battery.in_transit, battery.holder_enterprise_id, battery.state) == (False, holder, "new")
    assert [e.event for e in events] == ["produced", "sold"]


# --- one Idempotency-Key sent at once ------------------------------------------------------------


def _kept(session, key: str) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(IdempotentRequest).where(IdempotentRequest.key == key))


def test_one_idempotency_key_sent_at_once_writes_once_and_every_answer_is_the_same(
    world, api, app, app_config, session
):
    code = _register(api, world.maker.token)
    key = f"race-{uuid.uuid4()}"
    move = {"event": "sold", "occurred_at": "2026-11-02 09:00", "counterparty_credit_code": world.car.credit_code}

    outcomes = race(app, app_config, Api(world.maker.token, f"/batteries/{code}/events", move, key))

    assert len(set(outcomes)) == 1, outcomes  # status and body, byte for byte
    _kind, status, body = outcomes[0]
    assert status == 201 and json.loads(body)["battery"]["state"] == "in_transit"
    _battery, events, transfers = _rows(session, code)
    assert [e.event for e in events] == ["produced", "sold"]
    assert json.loads(body)["event"]["id"] == events[1].id
    assert [t.state for t in transfers] == ["pending"]
    assert _kept(session, key) == 1


def test_one_idempotency_key_registering_at_once_registers_once(world, api, app, app_config, session):
    code = battery_code()
    key = f"race-{uuid.uuid4()}"
    body = {"code": code, "rated_capacity_kwh": 60, "mass_kg": 420}

    outcomes = race(app, app_config, Api(world.maker.token, "/batteries", body, key))

    assert len(set(outcomes)) == 1, outcomes
    assert outcomes[0][1] == 201 and json.loads(outcomes[0][2])["code"] == code
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Battery).where(Battery.code == code)) == 1
    assert _kept(session, key) == 1


def test_one_idempotency_key_refused_at_once_gets_the_same_refusal_everywhere(world, api, app, app_config, session):
    code = _register(api, world.maker.token)
    key = f"race-{uuid.uuid4()}"
    before = _rows(session, code)
    not_yet = {
        "event": "final_processing",
        "occurred_at": "2026-11-02 09:00",
        "recovered_kg": {"li": 1, "ni": 0, "co": 0, "mn": 0},
    }

    outcomes = race(app, app_config, Api(world.maker.token, f"/batteries/{code}/events", not_yet, key))

    assert len(set(outcomes)) == 1, outcomes
    assert outcomes[0][1] == 422 and "event" in json.loads(outcomes[0][2])["error"]["fields"]
    battery, events, transfers = _rows(session, code)
    assert ([e.id for e in events], transfers, battery.state) == ([e.id for e in before[1]], [], "new")
    assert _kept(session, key) == 1
