"""Registry benchmarks (not part of the test suite): `make bench-registry` (also run by `make bench`).

1. In-process on a fresh SQLite database (Flask's test client, so routing, token checks, idempotency
   keys, the services and JSON are all included): register batteries through POST /api/v1/batteries
   and report a realistic mix of events through POST /api/v1/events (bench/registry_data.py), in
   batches of 1,000, as member systems would. Yardstick: the same number of rows inserted with plain
   SQL (executemany, 1,000 per transaction) into a scratch table of the same database.
2. PostgreSQL behind gunicorn, 8 concurrent clients (stdlib http.client): 4 car makers fit and retire
   their packs to 4 outlet operators, who take them in and send them on to a recycler outside the
   association, each side in batches of 1,000 while the other works (so half the events are
   hand-overs between members: a dispatch opening a transfer, or the intake confirming it, the
   dearest kinds); then one event per call. Yardsticks under the same gunicorn
   settings and clients: a bare Flask app answering a trivial POST (and one with a batch-sized body),
   and plain SQL inserts into the same database from 8 connections. The scratch database
   ``bench_registry`` is created for the run and dropped at the end.

    .venv/bin/python bench/registry.py            # 100,000 batteries and 100,000 events, then PostgreSQL
    .venv/bin/python bench/registry.py --quick    # 5,000 / 5,000 and a small PostgreSQL round (< 1 minute)
    .venv/bin/python bench/registry.py --profile  # also cProfile the in-process phases (to stderr)
    .venv/bin/python bench/registry.py --in-process-on-postgres --no-postgres  # the in-process run on PostgreSQL

Each in-process phase also shows the SQL statements it sent per event: on PostgreSQL every one is a
round trip, so that count, not Python, is what a batch mostly waits for.

Prints the machine and a Markdown table (measurement, result, target) that can be pasted into the README.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import http.client
import io
import json
import os
import pstats
import queue
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import machine, percentile  # noqa: E402

BATCH = 1000
PG_DATABASE = "bench_registry"
SCRATCH = "bench_scratch_rows"

Row = tuple[str, str, str]


@dataclass
class Party:
    """A member enterprise of the bench world with its API token (and its outlets, for operators)."""

    id: int
    name: str
    credit_code: str
    token: str
    outlets: list[str] = field(default_factory=list)


def make_members(
    session, specs: list[tuple[str, str, int]], scopes: tuple[str, ...] = ("batteries:read", "batteries:write")
) -> list[Party]:
    """Member enterprises (name, activity, outlets to open), each with a token made by staff (with these scopes)."""
    from portal.api.tokens import create_token
    from tests.factories import make_member, make_outlet, make_user

    staff = make_user(session, "staff")
    parties = []
    for name, activity, outlets in specs:
        enterprise, _admin = make_member(session, name=name, activities=(activity,))
        _row, token = create_token(session, staff, enterprise.id, "MES系统对接", list(scopes))
        party = Party(enterprise.id, enterprise.name, enterprise.credit_code, token)
        for _n in range(outlets):
            outlet = make_outlet(session, staff, operator=enterprise.name, operator_credit_code=enterprise.credit_code)
            party.outlets.append(outlet.code)
        parties.append(party)
    return parties


def days_ago(n: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=n)


# --- 1. in-process (SQLite) ---------------------------------------------------------------------------


class InProcess:
    """POSTs through Flask's test client with a bearer token and an idempotency key, as a member system sends them."""

    def __init__(self, client) -> None:
        self.client = client
        self.calls = 0

    def post(self, path: str, token: str, body: dict) -> dict:
        self.calls += 1
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"bench-{self.calls}-{secrets.token_hex(4)}"}
        response = self.client.post("/api/v1" + path, json=body, headers=headers)
        if response.status_code != 201:
            raise SystemExit(f"POST {path} answered {response.status_code}: {_first_errors(response.get_json())}")
        return response.get_json()


def _first_errors(body) -> str:
    if not isinstance(body, dict):
        return repr(body)[:500]
    error = body.get("error", body)
    fields = error.get("fields") if isinstance(error, dict) else None
    shown = dict(list(fields.items())[:5]) if isinstance(fields, dict) else error
    return json.dumps(shown, ensure_ascii=False)[:800]


class Statements:
    """Counts the SQL statements an engine sends (round trips, which is what PostgreSQL charges for)."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        self.count += 1


def in_process_figures(url: str, n_batteries: int, n_events: int, profile: cProfile.Profile | None) -> list[Row]:
    """Register and report through the API in-process (SQLite or PostgreSQL); the plain SQL yardstick beside it."""
    import registry_data as data
    from flask_migrate import upgrade

    from portal import create_app
    from portal.core.uow import run_in_transaction

    folder = Path(tempfile.mkdtemp(prefix="portal-bench-registry-"))
    backend = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    mix = data.plan(n_events)
    if mix.sold + mix.car_maker_packs > n_batteries:
        raise SystemExit(f"{n_events:,} events of this mix need at least {mix.sold + mix.car_maker_packs:,} batteries")
    app = create_app({"TESTING": True, "DATABASE_URL": url, "PORTAL_DATA_DIR": str(folder)})
    rows: list[Row] = []
    with app.app_context():
        upgrade()
        maker, car, operator, recycler = run_in_transaction(
            lambda s: make_members(
                s,
                [
                    ("齐鲁动力电池有限公司", "battery_maker", 0),
                    ("鲁风新能源汽车股份有限公司", "vehicle_maker", 0),
                    ("烟台回收网点运营有限公司", "outlet_operator", 3),
                    ("黄河再生资源有限公司", "recycling", 0),
                ],
            )
        )
        statements = Statements(app.extensions["portal_db"].engine)
        api = InProcess(app.test_client())
        car_packs = data.batteries("L8F", 1, mix.car_maker_packs, seed=1)
        maker_packs = data.batteries("S7D", 1, n_batteries - len(car_packs), seed=2)

        # Registration: both makers' systems send batches of 1,000, taking turns.
        batches = [
            tb
            for pair in zip_longest(
                [(car.token, b) for b in data.chunks(car_packs, BATCH)],
                [(maker.token, b) for b in data.chunks(maker_packs, BATCH)],
            )
            for tb in pair
            if tb is not None
        ]
        if profile:
            profile.enable()
        before, start = statements.count, time.perf_counter()
        for token, batch in batches:
            api.post("/batteries", token, {"items": list(batch)})
        register_s = time.perf_counter() - start
        if profile:
            profile.disable()
        rows.append(
            (
                f"register {n_batteries:,} batteries, POST /api/v1/batteries in batches of {BATCH:,} ({backend})",
                f"{register_s:.1f} s ({n_batteries / register_s:,.0f} batteries/s; "
                f"{(statements.count - before) / len(batches):,.0f} SQL statements a batch)",
                "< 60 s" if n_batteries >= 100_000 else "",
            )
        )

        phases = _phases(data, mix, maker, car, operator, recycler, maker_packs, car_packs)
        times: list[tuple[str, int, float, int]] = []
        if profile:
            profile.enable()
        start = time.perf_counter()
        for label, token, items in phases:
            began, before = time.perf_counter(), statements.count
            for batch in data.chunks(items, BATCH):
                api.post("/events", token, {"items": list(batch)})
            times.append((label, len(items), time.perf_counter() - began, statements.count - before))
        events_s = time.perf_counter() - start
        if profile:
            profile.disable()
        reported = sum(n for _l, n, _t, _s in times)
        rows.append(
            (
                f"report {reported:,} events, POST /api/v1/events in batches of {BATCH:,} ({backend})",
                f"{events_s:.1f} s ({reported / events_s:,.0f} events/s)",
                "< 120 s" if reported >= 100_000 else "",
            )
        )
        for label, n, seconds, sent in times:
            rows.append(
                (
                    f"  {label}: {n:,} events",
                    f"{seconds:.1f} s ({n / seconds:,.0f} events/s; {sent / n:.1f} SQL statements an event)",
                    "",
                )
            )
        run_in_transaction(lambda s: _check_in_process(s, n_batteries, reported, mix))
        app.extensions["portal_db"].dispose()
    shutil.rmtree(folder, ignore_errors=True)

    n_rows = max(n_batteries, reported)
    if backend == "SQLite":
        insert_s = plain_sqlite_inserts(Path(url.removeprefix("sqlite:///")), n_rows)
        where = "same SQLite file"
    else:
        insert_s = _plain_postgres_batches(url, clients=1, rows_per_client=n_rows)
        where = "same PostgreSQL, one connection"
    rows.append(
        (
            f"yardstick: plain SQL insert of {n_rows:,} rows, executemany, {BATCH:,} per transaction ({where})",
            f"{insert_s:.2f} s ({n_rows / insert_s:,.0f} rows/s)",
            "",
        )
    )
    return rows


def _phases(data, mix, maker, car, operator, recycler, maker_packs, car_packs):
    """The event batches of the in-process run, phase by phase, each a day after the one before."""
    sold_codes = [b["code"] for b in maker_packs[: mix.sold]]
    car_codes = [b["code"] for b in car_packs]
    mass = {b["code"]: b["mass_kg"] for b in car_packs}
    to_outlet = car_codes[: mix.to_outlet + mix.to_recycler]
    to_recycler = to_outlet[: mix.to_recycler]
    outlets = operator.outlets
    d = [days_ago(8 - p) for p in range(8)]
    return [
        (
            "sold to non-members (evidence)",
            maker.token,
            [data.sold(c, data.at(d[1], i), i) for i, c in enumerate(sold_codes)],
        ),
        ("fitted (VIN)", car.token, [data.fitted(c, data.at(d[2], i), i) for i, c in enumerate(car_codes)]),
        (
            "retired to a member outlet (transfer)",
            car.token,
            [
                data.retired(c, data.at(d[3], i), operator.credit_code, outlets[i % len(outlets)])
                for i, c in enumerate(to_outlet)
            ],
        ),
        (
            "outlet_intake (confirms)",
            operator.token,
            [data.outlet_intake(c, data.at(d[4], i)) for i, c in enumerate(to_outlet)],
        ),
        (
            "outlet_dispatch to a member recycler (transfer)",
            operator.token,
            [data.outlet_dispatch(c, data.at(d[5], i), recycler.credit_code) for i, c in enumerate(to_recycler)],
        ),
        (
            "recycler_intake (confirms)",
            recycler.token,
            [data.recycler_intake(c, data.at(d[6], i)) for i, c in enumerate(to_recycler)],
        ),
        (
            "final_processing (recovered metals)",
            recycler.token,
            [data.final_processing(c, data.at(d[7], i), mass[c]) for i, c in enumerate(to_recycler)],
        ),
    ]


def _check_in_process(session, n_batteries: int, n_events: int, mix) -> None:
    """What the database holds after the run is what was sent (a figure over refused work would be worthless)."""
    from sqlalchemy import func, select

    from portal.registry.models import Battery, BatteryEvent, BatteryTransfer

    batteries = session.scalar(select(func.count()).select_from(Battery))
    events = session.scalar(select(func.count()).select_from(BatteryEvent))
    states = dict(session.execute(select(Battery.state, func.count()).group_by(Battery.state)).all())
    pending = session.scalar(select(func.count()).where(BatteryTransfer.state == "pending"))
    expected = {
        "new": n_batteries - mix.fitted - mix.to_outlet - mix.to_recycler,
        "in_vehicle": mix.fitted,
        "at_outlet": mix.to_outlet,
        "recycled": mix.to_recycler,
    }
    assert batteries == n_batteries, (batteries, n_batteries)
    assert events == n_batteries + n_events, (events, n_batteries + n_events)
    assert {k: v for k, v in states.items() if v} == {k: v for k, v in expected.items() if v}, (states, expected)
    assert pending == 0, pending


def plain_sqlite_inserts(db_path: Path, n: int) -> float:
    """Seconds to insert n event-like rows with executemany, 1,000 per transaction, into a scratch table."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        f"create table {SCRATCH} (id integer primary key, battery_id integer, event text, occurred_at text, "
        "reporter text, counterparty_name text, evidence_document text, to_state text)"
    )
    values = [
        (i, "sold", "2026-11-24 10:00:00", "齐鲁动力电池有限公司", "海岱电动汽车有限公司", "销售合同", "new")
        for i in range(n)
    ]
    start = time.perf_counter()
    for part in range(0, n, BATCH):
        conn.execute("begin immediate")
        conn.executemany(
            f"insert into {SCRATCH} (battery_id, event, occurred_at, reporter, counterparty_name, "
            "evidence_document, to_state) values (?, ?, ?, ?, ?, ?, ?)",
            values[part : part + BATCH],
        )
        conn.execute("commit")
    seconds = time.perf_counter() - start
    conn.execute(f"drop table {SCRATCH}")
    conn.close()
    return seconds


# --- 2. PostgreSQL behind gunicorn, 8 clients ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """A gunicorn started for the run (and stopped by its own process id)."""

    def __init__(self, app: str, workers: int, env: dict, log: Path, chdir: Path = ROOT) -> None:
        self.port = free_port()
        self.log = log
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "300",
                "--chdir",
                str(chdir),
                app,
            ],
            cwd=chdir,
            env={**os.environ, **env},
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )

    def wait(self, path: str, workers: int) -> None:
        """Until the server answers, then once more per worker (imports and first queries done before timing)."""
        deadline = time.monotonic() + 90
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.process.returncode}); see {self.log}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("GET", path)
                if conn.getresponse().status < 500:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not answer GET {path} in 90 s; see {self.log}")
            time.sleep(0.3)
        run_threads([lambda: [Http(self.port).get(path) for _ in range(3)] for _ in range(workers * 2)])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Http:
    """One client connection (gunicorn's sync workers close it after each answer; http.client reopens it)."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.token = token
        self.latencies: list[float] = []

    def get(self, path: str) -> int:
        self.conn.request("GET", path)
        response = self.conn.getresponse()
        response.read()
        return response.status

    def send(self, path: str, body: bytes) -> tuple[int, bytes, float]:
        """POST body with a fresh idempotency key; (status, answer, seconds). A reset connection is retried."""
        headers = {"Content-Type": "application/json", "Idempotency-Key": secrets.token_hex(12)}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        start = time.perf_counter()
        for attempt in range(3):  # a connection reset is retried; the idempotency key makes that safe
            try:
                self.conn.request("POST", path, body, headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                if attempt == 2:
                    raise
        return response.status, data, time.perf_counter() - start

    def post(self, path: str, body: bytes, *, expect: int = 201) -> bytes:
        status, data, seconds = self.send(path, body)
        self.latencies.append(seconds)
        if status != expect:
            raise RuntimeError(f"POST {path} answered {status}: {_first_errors(_json_or_text(data))}")
        return data


def _json_or_text(data: bytes):
    try:
        return json.loads(data)
    except ValueError:
        return data[:500].decode("utf-8", "replace")


def run_threads(targets: list[Callable[[], object]]) -> float:
    """Start every target at once; seconds until the last one finished (the first error is raised)."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(targets) + 1)

    def run(fn):
        barrier.wait()
        try:
            fn()
        except BaseException as exc:  # reported below, in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(fn,)) for fn in targets]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    if errors:
        raise errors[0]
    return seconds


def encode(items: list[dict]) -> bytes:
    return json.dumps({"items": items}, ensure_ascii=False).encode()


@contextmanager
def scratch_postgres(base_url: str, database: str = PG_DATABASE) -> Iterator[str | None]:
    """Create the scratch database (dropping a leftover of an interrupted run first); drop it at the end.

    Yields its URL, or None (with a note) when PostgreSQL cannot be reached.
    """
    import psycopg

    admin_dsn = base_url.rstrip("/") + "/postgres"
    try:
        admin = psycopg.connect(admin_dsn, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as err:
        print(f"PostgreSQL not reachable at {admin_dsn} ({err}); skipping its figures.", file=sys.stderr)
        yield None
        return
    admin.execute(f"drop database if exists {database} with (force)")
    admin.execute(f"create database {database}")
    try:
        yield base_url.rstrip("/") + "/" + database
    finally:
        admin.execute(f"drop database if exists {database} with (force)")
        admin.close()


def postgres_figures(
    url: str, *, pairs: int, rounds: int, batch: int, singles: int, workers: int, app: str = "wsgi:app"
) -> list[Row]:
    """Concurrent batches and single calls against gunicorn on the scratch PostgreSQL database; yardsticks beside.

    ``app`` is what gunicorn serves (another WSGI module, to compare a variant of the portal).
    """
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-registry-pg-"))
    servers: list[Gunicorn] = []
    try:
        world = _postgres_world(url, folder, pairs)
        env = {"DATABASE_URL": url, "PORTAL_DATA_DIR": str(folder), "SECRET_KEY": secrets.token_urlsafe(32)}
        portal = Gunicorn(app, workers, env, folder / "gunicorn.log")
        servers.append(portal)
        portal.wait("/api/v1/openapi.json", workers)
        rows = _postgres_portal(portal.port, url, world, rounds=rounds, batch=batch, singles=singles, workers=workers)
        retries = sum("retrying" in line for line in (folder / "gunicorn.log").read_text(errors="replace").splitlines())
        rows.append(("  transactions retried after a serialization failure or deadlock", f"{retries}", ""))
        portal.stop()

        bare = Gunicorn("registry:bare_app()", workers, {}, folder / "bare.log", chdir=ROOT / "bench")
        servers.append(bare)
        bare.wait("/", workers)
        rows += _bare_flask(bare.port, batch=batch, workers=workers)
        bare.stop()
        clients, per_client = 2 * pairs, rounds * 2 * batch  # as many rows as events were reported
        seconds = _plain_postgres_batches(url, clients=clients, rows_per_client=per_client, batch=batch)
        rows.append(
            (
                f"yardstick: plain SQL insert of {clients * per_client:,} rows, executemany, {batch:,} per "
                f"transaction, {clients} connections (same PostgreSQL)",
                f"{clients * per_client / seconds:,.0f} rows/s",
                "",
            )
        )
        seconds = _plain_postgres_singles(url, clients=clients, rows_per_client=singles)
        rows.append(
            (
                f"yardstick: plain SQL insert, one row per transaction, {clients} connections",
                f"{clients * singles / seconds:,.0f} rows/s",
                "",
            )
        )
        shutil.rmtree(folder, ignore_errors=True)  # kept when something failed: the logs are there
        return rows
    finally:
        for server in servers:
            server.stop()


@dataclass
class Pair:
    car: Party
    operator: Party
    packs: list[dict]


def _postgres_world(url: str, folder: Path, pairs: int) -> list[Pair]:
    from flask_migrate import upgrade

    from portal import create_app
    from portal.core.uow import run_in_transaction

    app = create_app({"TESTING": True, "DATABASE_URL": url, "PORTAL_DATA_DIR": str(folder)})
    with app.app_context():
        upgrade()
        specs = []
        for i in range(pairs):
            specs.append((f"鲁风新能源汽车{i + 1}号股份有限公司", "vehicle_maker", 0))
            specs.append((f"烟台回收网点运营{i + 1}号有限公司", "outlet_operator", 1))
        parties = run_in_transaction(lambda s: make_members(s, specs))
        app.extensions["portal_db"].dispose()
    return [Pair(parties[2 * i], parties[2 * i + 1], []) for i in range(pairs)]


def _postgres_portal(
    port: int, url: str, world: list[Pair], *, rounds: int, batch: int, singles: int, workers: int
) -> list[Row]:
    import registry_data as data

    clients = 2 * len(world)
    rows: list[Row] = []
    per_car = (rounds + 1) * batch + 2 * singles
    for i, pair in enumerate(world):
        pair.packs = data.batteries(f"L{i}F", 1, per_car, seed=10 + i)

    # Registration: each car maker's system sends its packs in batches (4 clients at once).
    bodies = [[encode(list(b)) for b in data.chunks(pair.packs, batch)] for pair in world]
    seconds = run_threads(
        [
            lambda p=pair, bs=bs: [Http(port, p.car.token).post("/api/v1/batteries", b) for b in bs]
            for pair, bs in zip(world, bodies, strict=True)
        ]
    )
    total = len(world) * per_car
    rows.append(
        (
            f"register {total:,} batteries through gunicorn -w {workers}, {len(world)} clients, "
            f"batches of {batch:,} (PostgreSQL)",
            f"{seconds:.1f} s ({total / seconds:,.0f} batteries/s)",
            "",
        )
    )

    # Events: a car maker fits and retires chunk k while its outlet operator takes in and sends on chunk k-1.
    d = [days_ago(6 - p) for p in range(6)]

    def car_batches(pair: Pair, k: int) -> list[bytes]:
        codes = [b["code"] for b in pair.packs[k * batch : (k + 1) * batch]]
        outlet = pair.operator.outlets[0]
        first = k * batch
        return [
            encode(
                [
                    data.fitted(c, data.at(d[1], first + i), first + i + 1_000_000 * world.index(pair))
                    for i, c in enumerate(codes)
                ]
            ),
            encode(
                [
                    data.retired(c, data.at(d[2], first + i), pair.operator.credit_code, outlet)
                    for i, c in enumerate(codes)
                ]
            ),
        ]

    def operator_batches(pair: Pair, k: int) -> list[bytes]:
        codes = [b["code"] for b in pair.packs[k * batch : (k + 1) * batch]]
        first = k * batch
        return [
            encode([data.outlet_intake(c, data.at(d[3], first + i)) for i, c in enumerate(codes)]),
            encode(
                [
                    data.outlet_dispatch(c, data.at(d[4], first + i), data.SCRAP_BUYER[1], first + i)
                    for i, c in enumerate(codes)
                ]
            ),
        ]

    car_work = {id(p): [car_batches(p, k) for k in range(rounds + 1)] for p in world}
    operator_work = {id(p): [operator_batches(p, k) for k in range(rounds + 1)] for p in world}
    # Chunk 0 is fitted and retired before the clock starts, so both sides of each pair have work from the first second.
    for pair in world:
        client = Http(port, pair.car.token)
        for body in car_work[id(pair)][0]:
            client.post("/api/v1/events", body)
    http_clients: list[Http] = []

    def car_side(pair: Pair, ready: queue.Queue) -> None:
        client = Http(port, pair.car.token)
        http_clients.append(client)
        try:
            for k in range(1, rounds + 1):
                for body in car_work[id(pair)][k]:
                    client.post("/api/v1/events", body)
                ready.put(k)
        except BaseException:
            ready.put(None)  # let the operator's side stop too
            raise

    def operator_side(pair: Pair, ready: queue.Queue) -> None:
        client = Http(port, pair.operator.token)
        http_clients.append(client)
        for k in range(rounds):
            if k and ready.get(timeout=600) != k:
                raise RuntimeError("the car maker's side stopped")
            for body in operator_work[id(pair)][k]:
                client.post("/api/v1/events", body)

    targets = []
    queues = {id(p): queue.Queue() for p in world}
    for pair in world:
        targets.append(lambda p=pair: car_side(p, queues[id(p)]))
        targets.append(lambda p=pair: operator_side(p, queues[id(p)]))
    seconds = run_threads(targets)
    events = len(world) * rounds * 4 * batch
    latencies = [t for c in http_clients for t in c.latencies]
    rows.append(
        (
            f"report {events:,} events (half of them hand-overs between members) through gunicorn -w {workers}, "
            f"{clients} clients at once, batches of {batch:,} (PostgreSQL)",
            f"{seconds:.1f} s ({events / seconds:,.0f} events/s); a batch: median "
            f"{statistics.median(latencies):.1f} s, p95 {percentile(latencies, 95):.1f} s",
            "≥ 1,000 events/s",
        )
    )
    for pair in world:  # the last chunk is taken in too, untimed, so every transfer ends confirmed
        client = Http(port, pair.operator.token)
        for body in operator_work[id(pair)][rounds]:
            client.post("/api/v1/events", body)

    # One event per call: two connections per car maker, each fitting its own packs.
    start = (rounds + 1) * batch
    singles_work = []
    for i, pair in enumerate(world):
        for j in range(2):
            codes = [b["code"] for b in pair.packs[start + j * singles : start + (j + 1) * singles]]
            bodies = [
                (
                    c,
                    json.dumps(
                        {
                            "event": "fitted",
                            "occurred_at": data.at(d[1], n),
                            "vin": data.vin(5_000_000 + 10_000 * (2 * i + j) + n),
                        }
                    ).encode(),
                )
                for n, c in enumerate(codes)
            ]
            singles_work.append((pair.car.token, bodies))
    single_clients: list[Http] = []

    def single_calls(token: str, bodies: list[tuple[str, bytes]]) -> None:
        client = Http(port, token)
        single_clients.append(client)
        for code, body in bodies:
            client.post(f"/api/v1/batteries/{code}/events", body)

    seconds = run_threads([lambda t=t, b=b: single_calls(t, b) for t, b in singles_work])
    calls = len(singles_work) * singles
    latencies = [t * 1000 for c in single_clients for t in c.latencies]
    rows.append(
        (
            f"one event per call, POST /api/v1/batteries/<code>/events, {clients} clients, "
            f"{calls:,} calls (PostgreSQL)",
            f"{calls / seconds:,.0f} events/s; median {statistics.median(latencies):.0f} ms, "
            f"p95 {percentile(latencies, 95):.0f} ms",
            "",
        )
    )
    _check_postgres(url, world, rounds=rounds, batch=batch, singles=singles, per_car=per_car)
    return rows


def _check_postgres(url: str, world: list[Pair], *, rounds: int, batch: int, singles: int, per_car: int) -> None:
    """Every battery is where the events sent it (the figures are over accepted work only)."""
    import psycopg

    with psycopg.connect(url) as conn:
        states = dict(conn.execute("select state, count(*) from batteries group by state").fetchall())
        pending = conn.execute("select count(*) from battery_transfers where state = 'pending'").fetchone()[0]
    expected = {
        "retired": len(world) * (rounds + 1) * batch,
        "in_vehicle": len(world) * 2 * singles,
        "new": len(world) * (per_car - (rounds + 1) * batch - 2 * singles),
    }
    assert {k: v for k, v in states.items() if v} == {k: v for k, v in expected.items() if v}, (states, expected)
    assert pending == 0, pending


def bare_app():
    """A bare Flask app for the yardstick: a trivial POST, and one that parses a batch-sized JSON body."""
    from flask import Flask, jsonify, request

    app = Flask("bare")

    @app.get("/")
    def index():
        return "ok"

    @app.post("/echo")
    def echo():
        return jsonify(ok=True), 201

    @app.post("/batch")
    def batch():
        items = request.get_json()["items"]
        return jsonify(count=len(items)), 201

    return app


def _bare_flask(port: int, *, batch: int, workers: int) -> list[Row]:
    import registry_data as data

    clients = 8
    small = json.dumps({"event": "fitted", "occurred_at": "2026-11-24T10:00:00+08:00"}).encode()
    calls = 250
    seconds = run_threads([lambda: [Http(port).post("/echo", small) for _ in range(calls)] for _ in range(clients)])
    rows = [
        (
            f"yardstick: bare Flask app, trivial POST, same gunicorn -w {workers}, {clients} clients",
            f"{clients * calls / seconds:,.0f} requests/s",
            "",
        )
    ]
    codes = [b["code"] for b in data.batteries("L0F", 1, batch, seed=99)]
    body = encode([data.fitted(c, data.at(days_ago(3), i), i) for i, c in enumerate(codes)])
    batches = 20
    seconds = run_threads([lambda: [Http(port).post("/batch", body) for _ in range(batches)] for _ in range(clients)])
    rows.append(
        (
            f"yardstick: bare Flask app parsing a batch of {batch:,} events ({len(body) / 1024:.0f} KiB), "
            f"{clients} clients",
            f"{clients * batches * batch / seconds:,.0f} events/s",
            "",
        )
    )
    return rows


INSERT_SCRATCH = (
    f"insert into {SCRATCH} (battery_id, event, occurred_at, reporter, counterparty_name, evidence_document, "
    "to_state) values (%s, %s, %s, %s, %s, %s, %s)"
)


def _scratch_table(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            f"create table if not exists {SCRATCH} (id bigserial primary key, battery_id bigint, event text, "
            "occurred_at timestamptz, reporter text, counterparty_name text, evidence_document text, to_state text)"
        )


def _plain_postgres_batches(url: str, *, clients: int, rows_per_client: int, batch: int = BATCH) -> float:
    """Seconds for `clients` connections at once to insert their rows, executemany, `batch` per transaction."""
    import psycopg

    _scratch_table(url)
    when = days_ago(3)

    def batches(c: int) -> None:
        values = [
            (c * rows_per_client + i, "sold", when, "鲁风", "海岱电动", "销售合同", "new")
            for i in range(rows_per_client)
        ]
        with psycopg.connect(url) as conn:
            for part in range(0, rows_per_client, batch):
                with conn.transaction(), conn.cursor() as cur:
                    cur.executemany(INSERT_SCRATCH, values[part : part + batch])

    return run_threads([lambda c=c: batches(c) for c in range(clients)])


def _plain_postgres_singles(url: str, *, clients: int, rows_per_client: int) -> float:
    """Seconds for `clients` connections at once to insert their rows, one row per transaction."""
    import psycopg

    _scratch_table(url)
    when = days_ago(3)

    def one_by_one(c: int) -> None:
        with psycopg.connect(url) as conn:
            for i in range(rows_per_client):
                with conn.transaction():
                    conn.execute(
                        INSERT_SCRATCH, (c * rows_per_client + i, "fitted", when, "鲁风", "", "", "in_vehicle")
                    )

    return run_threads([lambda c=c: one_by_one(c) for c in range(clients)])


# --- main ------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="5,000 batteries / 5,000 events and a small PostgreSQL round"
    )
    parser.add_argument("--batteries", type=int, help="batteries to register in-process (default 100,000)")
    parser.add_argument("--events", type=int, help="events to report in-process (default 100,000)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432"))
    parser.add_argument("--no-sqlite", action="store_true", help="skip the in-process SQLite figures")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL and gunicorn figures")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the in-process phases; top functions to stderr"
    )
    parser.add_argument(
        "--in-process-on-postgres",
        action="store_true",
        help="run the in-process figures on the scratch PostgreSQL database instead of SQLite (to profile it)",
    )
    args = parser.parse_args()
    n_batteries = args.batteries or (5_000 if args.quick else 100_000)
    n_events = args.events or (5_000 if args.quick else 100_000)
    profile = cProfile.Profile() if args.profile else None

    rows: list[Row] = []
    if not args.no_sqlite and not args.in_process_on_postgres:
        folder = Path(tempfile.mkdtemp(prefix="portal-bench-registry-sqlite-"))
        rows += in_process_figures(f"sqlite:///{folder / 'bench.db'}", n_batteries, n_events, profile)
        shutil.rmtree(folder, ignore_errors=True)
    if args.in_process_on_postgres or not args.no_postgres:
        with scratch_postgres(args.pg) as url:
            if url and args.in_process_on_postgres:
                rows += in_process_figures(url, n_batteries, n_events, profile)
                _reset_postgres(args.pg)
            if url and not args.no_postgres:
                size = (
                    {"rounds": 1, "batch": 250, "singles": 25}
                    if args.quick
                    else {"rounds": 3, "batch": BATCH, "singles": 250}
                )
                rows += postgres_figures(url, pairs=4, workers=args.workers, **size)

    print(f"Machine: {machine()}")
    print()
    print("| measurement | result | target |")
    print("| --- | --- | --- |")
    for label, value, target in rows:
        print(f"| {label} | {value} | {target} |")
    if profile is not None:
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out).strip_dirs()
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        print(out.getvalue(), file=sys.stderr)


def _reset_postgres(base_url: str) -> None:
    """Empty the scratch database between the in-process and the gunicorn figures."""
    import psycopg

    with psycopg.connect(base_url.rstrip("/") + "/postgres", autocommit=True) as admin:
        admin.execute(f"drop database if exists {PG_DATABASE} with (force)")
        admin.execute(f"create database {PG_DATABASE}")


if __name__ == "__main__":
    main()
