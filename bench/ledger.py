"""Deposit ledger benchmarks (not part of the test suite): `make bench-ledger` (also run by `make bench`).

Run on a fresh SQLite file and on a scratch PostgreSQL database (``bench_ledger``, created for the run
and dropped at the end), each against gunicorn serving the portal (same worker settings as
bench/registry.py) with 8 client threads (stdlib http.client), every POST with a bearer token and an
``Idempotency-Key``:

1. One posting per call: each client bills the deposits of its own pre-registered packs with
   POST /api/v1/deposits {"code": ...}. Then a mixed run: six clients bill their own packs while two
   clients (two tokens of one maker) race on the SAME codes: each code is billed once, the loser is
   refused (422). After the runs ``ledger verify`` must find nothing wrong and the journal must hold
   exactly one transaction per accepted call. Yardsticks: a bare Flask app answering a trivial POST
   under the same gunicorn settings and clients, and a plain SQL posting (lock, read the head, insert
   one transaction row and two line rows, commit) from 8 connections into scratch tables.
2. A batch of 10,000 packs in one POST /api/v1/deposits {"codes": [...]}, end to end through gunicorn.
   Yardstick: plain SQL insert of as many transaction rows and twice as many line rows (one
   transaction, executemany) into scratch tables of the same database.
3. ``flask --app wsgi ledger verify`` over 100,000 transactions (topped up, untimed, with
   ``billing.bill_deposits`` in batches of 10,000 on packs registered in bulk), timed as the command
   runs in a subprocess. Yardsticks: the start-up of the same command (``flask --app wsgi ledger
   --help``) and a plain SQL scan of the same lines (ledger_lines joined with ledger_transactions
   and ledger_accounts, in chain order).

    .venv/bin/python bench/ledger.py                 # the full run (about 16 minutes on 2 busy cores)
    .venv/bin/python bench/ledger.py --quick         # a small version (mostly start-up: migrations, gunicorn)
    .venv/bin/python bench/ledger.py --profile       # then cProfile the same work in-process, one client:
                                                     # single postings, the batch, verify (to stderr)
    .venv/bin/python bench/ledger.py --profile-only --quick --no-sqlite   # just that, small, PostgreSQL

Prints the machine and a Markdown table (measurement, result, target) that can be pasted into the README.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import re
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from registry import Gunicorn, Http, Row, make_members, run_threads, scratch_postgres  # noqa: E402
from run import machine, percentile  # noqa: E402

PG_DATABASE = "bench_ledger"
CLIENTS = 8
SCOPES = ("batteries:read", "batteries:write", "deposits:write", "ledger:read")
REGISTER_BATCH = 1000  # the registry's largest batch
BILL_BATCH = 10_000  # the ledger's largest batch
SCRATCH_TXN, SCRATCH_LINES = "bench_scratch_txn", "bench_scratch_lines"


@dataclass
class Sizes:
    singles: int  # postings per client, one per call
    batched: int  # postings per client, BATCHED_CALL packs per call
    mixed: int  # postings per client in the mixed run (the racing pair share one list of this length)
    batch: int  # packs in the one big batch
    verify: int  # transactions in the journal when verify is timed


FULL = Sizes(singles=250, batched=2_000, mixed=100, batch=10_000, verify=100_000)
QUICK = Sizes(singles=12, batched=100, mixed=8, batch=500, verify=2_000)
BATCHED_CALL = 50  # packs per call when member systems send their postings in small batches


@dataclass
class Maker:
    id: int
    tokens: list[str]
    codes: dict[str, list[str]] = field(default_factory=dict)  # purpose -> its packs' codes


# --- set-up (not timed) -----------------------------------------------------------------------------------


def make_app(url: str, folder: Path):
    from portal import create_app

    return create_app({"TESTING": True, "DATABASE_URL": url, "PORTAL_DATA_DIR": str(folder)})


def register(session, maker_id: int, prefix: str, first: int, count: int) -> list[str]:
    """Register `count` packs (LFP and NCM, 40-90 kWh) of the maker through the registry service; their codes."""
    import registry_data as data

    from portal.core.actors import system
    from portal.registry.services import BatteryInput, register_batteries

    packs = data.batteries(prefix, first, count, seed=first)
    for start in range(0, count, REGISTER_BATCH):
        items = [
            BatteryInput(code=p["code"], rated_capacity_kwh=p["rated_capacity_kwh"], mass_kg=p["mass_kg"])
            for p in packs[start : start + REGISTER_BATCH]
        ]
        register_batteries(session, system("bench"), items, maker_enterprise_id=maker_id)
    return [p["code"] for p in packs]


def build_world(url: str, folder: Path, sizes: Sizes) -> list[Maker]:
    """8 makers with two deposit tokens each, a rule in force today, and the packs each client will bill."""
    from flask_migrate import upgrade

    from portal.api.tokens import create_token
    from portal.core import clock
    from portal.core.actors import system
    from portal.core.uow import run_in_transaction
    from portal.ledger.rules import RuleInput, add_rule

    app = make_app(url, folder)
    with app.app_context():
        upgrade()

        def setup(session) -> list[Maker]:
            specs = [(f"齐鲁动力电池{i + 1}号有限公司", "battery_maker", 0) for i in range(CLIENTS)]
            parties = make_members(session, specs, SCOPES)
            add_rule(
                session,
                system("bench"),
                RuleInput(
                    effective_from=clock.today().isoformat(),
                    collector_share_percent="20",
                    forfeit_after_days="365",
                    yuan_per_kwh={"lfp": "20", "ncm": "30"},
                ),
            )
            makers = []
            for p in parties:
                _row, second = create_token(session, system("bench"), p.id, "押金对接2", SCOPES)
                makers.append(Maker(p.id, [p.token, second]))
            return makers

        makers = run_in_transaction(setup)
        for i, maker in enumerate(makers):
            wanted = {"singles": sizes.singles, "batched": sizes.batched, "mixed": sizes.mixed}
            if i == 0:
                wanted["batch"] = sizes.batch
            first = 1
            for purpose, n in wanted.items():
                maker.codes[purpose] = run_in_transaction(
                    lambda s, m=maker, f=first, n=n, i=i: register(s, m.id, f"M{i}K", f, n)
                )
                first += n
        app.extensions["portal_db"].dispose()
    return makers


# --- 1. one posting per call, 8 clients -------------------------------------------------------------------


class Client(Http):
    """One client connection that tells accepted (201) from refused (422) postings, with their latencies."""

    def __init__(self, port: int, token: str) -> None:
        super().__init__(port, token)
        self.accepted: list[float] = []
        self.refused: list[float] = []

    def bill(self, body: dict) -> int:
        status, answer, seconds = self.send("/api/v1/deposits", json.dumps(body).encode())
        if status == 201:
            self.accepted.append(seconds)
        elif status == 422:
            self.refused.append(seconds)
        else:
            raise RuntimeError(f"POST /api/v1/deposits answered {status}: {answer[:500]!r}")
        return status


def _ms(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"median {statistics.median(ms):.0f} ms, p95 {percentile(ms, 95):.0f} ms"


def singles_figures(port: int, makers: list[Maker], backend: str, workers: int) -> tuple[list[Row], int]:
    """Each client bills its own packs one call at a time; then the mixed run with a racing pair."""
    rows: list[Row] = []
    # Warm every worker's first POST (translations, the route, the token check) with refused calls: nothing posts.
    warm = [Client(port, m.tokens[0]) for m in makers]
    run_threads([lambda c=c: [c.bill({"code": "M9KPB01TRACE01E3F9999999"}) for _ in range(workers)] for c in warm])
    assert not any(c.accepted for c in warm)
    clients = [Client(port, m.tokens[0]) for m in makers]
    seconds = run_threads(
        [
            lambda c=c, m=m: [c.bill({"code": code}) for code in m.codes["singles"]]
            for c, m in zip(clients, makers, strict=True)
        ]
    )
    accepted = sum(len(c.accepted) for c in clients)
    refused = sum(len(c.refused) for c in clients)
    assert refused == 0 and accepted == CLIENTS * len(makers[0].codes["singles"]), (accepted, refused)
    rows.append(
        (
            f"one posting per call, POST /api/v1/deposits {{code}}, {CLIENTS} clients, {accepted:,} calls, "
            f"gunicorn -w {workers} ({backend})",
            f"{accepted / seconds:,.0f} postings/s; {_ms([t for c in clients for t in c.accepted])}",
            "≥ 300 postings/s" if backend == "PostgreSQL" else "",
        )
    )

    # Mixed: clients 0-5 bill their own packs; clients 6 and 7 (two tokens of maker 6) the same codes.
    own = [(Client(port, m.tokens[0]), m.codes["mixed"]) for m in makers[:6]]
    racing = makers[6]
    race = [
        (Client(port, racing.tokens[0]), racing.codes["mixed"]),
        (Client(port, racing.tokens[1]), racing.codes["mixed"]),
    ]
    work = own + race
    seconds = run_threads([lambda c=c, codes=codes: [c.bill({"code": x}) for x in codes] for c, codes in work])
    mixed_ok = sum(len(c.accepted) for c, _codes in work)
    mixed_refused = sum(len(c.refused) for c, _codes in work)
    race_ok = sum(len(c.accepted) for c, _codes in race)
    race_refused = sum(len(c.refused) for c, _codes in race)
    n = len(racing.codes["mixed"])
    assert race_ok == n and race_refused == n, (race_ok, race_refused, n)
    assert mixed_ok == 7 * n and mixed_refused == n, (mixed_ok, mixed_refused)
    calls = mixed_ok + mixed_refused
    rows.append(
        (
            f"  mixed: 6 clients bill their own packs while 2 race on the same {n:,} codes, {calls:,} calls",
            f"{calls / seconds:,.0f} calls/s ({mixed_ok / seconds:,.0f} postings/s); {mixed_ok:,} accepted, "
            f"{mixed_refused:,} refused (422); accepted {_ms([t for c, _x in work for t in c.accepted])}, "
            f"refused {_ms([t for c, _x in work for t in c.refused])}",
            "each code billed once",
        )
    )
    return rows, accepted + mixed_ok


def batched_figure(port: int, makers: list[Maker], backend: str) -> tuple[Row, int]:
    """Each client bills its own packs BATCHED_CALL at a time (each pack its own posting)."""
    clients = [Client(port, m.tokens[0]) for m in makers]

    def calls(client: Client, codes: list[str]) -> None:
        for start in range(0, len(codes), BATCHED_CALL):
            client.bill({"codes": codes[start : start + BATCHED_CALL]})

    seconds = run_threads([lambda c=c, m=m: calls(c, m.codes["batched"]) for c, m in zip(clients, makers, strict=True)])
    refused = sum(len(c.refused) for c in clients)
    posted = sum(len(m.codes["batched"]) for m in makers)
    assert refused == 0, refused
    row = (
        f"  the same clients, {BATCHED_CALL} packs per call (each its own posting), {posted:,} postings ({backend})",
        f"{posted / seconds:,.0f} postings/s; per call {_ms([t for c in clients for t in c.accepted])}",
        "≥ 300 postings/s" if backend == "PostgreSQL" else "",
    )
    return row, posted


def batch_figure(port: int, maker: Maker, backend: str) -> tuple[Row, int, float]:
    """One POST with every code of the maker's batch list, end to end through gunicorn."""
    client = Client(port, maker.tokens[0])
    codes = maker.codes["batch"]
    start = time.perf_counter()
    status = client.bill({"codes": codes})
    seconds = time.perf_counter() - start
    assert status == 201, status
    row = (
        f"a batch of {len(codes):,} packs in one POST /api/v1/deposits {{codes}}, through gunicorn ({backend})",
        f"{seconds:.1f} s ({len(codes) / seconds:,.0f} postings/s)",
        "< 10 s" if len(codes) >= 10_000 else "",
    )
    return row, len(codes), seconds


# --- checks, top-up and verify ------------------------------------------------------------------------------


def check_journal(url: str, folder: Path, posted: int, packs: int) -> tuple[int, int, int]:
    """verify's problems, the journal's transactions and the deposits (the figures count accepted work only)."""
    from sqlalchemy import func, select

    from portal.core.uow import run_in_transaction
    from portal.ledger.models import Deposit, LedgerTransaction
    from portal.ledger.verify import verify

    app = make_app(url, folder)
    with app.app_context():
        report = run_in_transaction(verify, write=False)
        txns = run_in_transaction(lambda s: s.scalar(select(func.count()).select_from(LedgerTransaction)), write=False)
        deposits = run_in_transaction(lambda s: s.scalar(select(func.count()).select_from(Deposit)), write=False)
        app.extensions["portal_db"].dispose()
    for problem in report.problems[:10]:
        print(f"verify: {problem}", file=sys.stderr)
    assert txns == posted == deposits == packs, (txns, posted, deposits, packs)
    return len(report.problems), txns, deposits


def top_up(url: str, folder: Path, maker_id: int, have: int, want: int) -> float:
    """Register packs in bulk and bill them in batches of 10,000 until the journal holds `want` transactions."""
    from portal.core.actors import system
    from portal.core.uow import run_in_transaction
    from portal.ledger import billing, journal

    start = time.perf_counter()
    app = make_app(url, folder)
    with app.app_context():
        first = 1
        while have < want:
            n = min(BILL_BATCH, want - have)
            codes = run_in_transaction(lambda s, f=first, n=n: register(s, maker_id, "T9K", f, n))
            run_in_transaction(
                lambda s, codes=codes: billing.bill_deposits(s, system("bench"), codes, payer_enterprise_id=maker_id),
                locks=journal.LOCKS,
            )
            have, first = have + n, first + n
        app.extensions["portal_db"].dispose()
    return time.perf_counter() - start


def flask_command(url: str, folder: Path, *args: str) -> tuple[float, str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PORTAL_DATA_DIR": str(folder),
        "SECRET_KEY": secrets.token_urlsafe(32),
    }
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr[-3000:]}")
    return seconds, done.stdout + done.stderr


def verify_figures(url: str, folder: Path, backend: str, want: int) -> list[Row]:
    seconds, out = flask_command(url, folder, "ledger", "verify")
    match = re.search(r"(\d+) transactions, (\d+) lines checked in ([\d.]+) s: ok", out)
    if match is None:
        raise SystemExit(f"ledger verify said:\n{out[-2000:]}")
    txns, lines, inside = int(match[1]), int(match[2]), float(match[3])
    assert txns == want, (txns, want)
    startup, _out = flask_command(url, folder, "ledger", "--help")
    scan = plain_scan(url)
    return [
        (
            f"`flask --app wsgi ledger verify` over {txns:,} transactions ({lines:,} lines), end to end ({backend})",
            f"{seconds:.1f} s (of which the check itself {inside:.1f} s)",
            "< 10 s" if txns >= 100_000 else "",
        ),
        (
            "  yardsticks: start-up of `flask --app wsgi ledger --help`; plain SQL scan of the same lines",
            f"{startup:.1f} s; {scan:.2f} s",
            "",
        ),
    ]


SCAN = (
    "select t.id, t.key, t.kind, t.posted_on, t.created_at, t.battery_id, t.enterprise_id, t.reverses_id, "
    "t.reference, t.memo, t.actor_label, t.prev_hash, t.hash, l.side, l.amount_fen, a.code "
    "from ledger_lines l join ledger_transactions t on t.id = l.transaction_id "
    "join ledger_accounts a on a.id = l.account_id order by t.id, l.id"
)


def connect(url: str):
    """A plain driver connection (sqlite3 or psycopg), in autocommit mode: the caller says BEGIN."""
    if url.startswith("sqlite"):
        return sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, timeout=30)
    import psycopg

    return psycopg.connect(url, autocommit=True)


def plain_scan(url: str) -> float:
    conn = connect(url)
    start = time.perf_counter()
    rows = conn.execute(SCAN).fetchall()
    seconds = time.perf_counter() - start
    conn.close()
    assert rows
    return seconds


# --- plain SQL yardsticks -------------------------------------------------------------------------------------


def scratch_tables(url: str) -> None:
    conn = connect(url)
    big = "integer" if url.startswith("sqlite") else "bigint"
    conn.execute(f"drop table if exists {SCRATCH_LINES}")
    conn.execute(f"drop table if exists {SCRATCH_TXN}")
    conn.execute(
        f"create table {SCRATCH_TXN} (id {big} primary key, key varchar(200) unique, kind varchar(20), "
        "posted_on date, created_at timestamp, battery_id bigint, enterprise_id bigint, memo text, "
        "actor_label varchar(254), prev_hash varchar(64), hash varchar(64) unique)"
    )
    serial = "integer primary key" if url.startswith("sqlite") else "bigserial primary key"
    conn.execute(
        f"create table {SCRATCH_LINES} (id {serial}, transaction_id bigint references {SCRATCH_TXN}(id), "
        "account_id bigint, side varchar(1), amount_fen bigint)"
    )
    conn.close()


def drop_scratch(url: str) -> None:
    conn = connect(url)
    conn.execute(f"drop table if exists {SCRATCH_LINES}")
    conn.execute(f"drop table if exists {SCRATCH_TXN}")
    conn.close()


def _param(url: str) -> str:
    return "?" if url.startswith("sqlite") else "%s"


def _txn_values(i: int, prefix: str) -> tuple:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return (i, f"{prefix}:{i}", "bill", now.date(), now, i, 1, "bench", "system:bench", f"{i - 1:064x}", f"{i:064x}")


def plain_batch_insert(url: str, n: int) -> float:
    """Seconds to insert n transaction rows and 2n line rows in one transaction (executemany)."""
    scratch_tables(url)
    p = _param(url)
    txns = [_txn_values(i, "batch") for i in range(1, n + 1)]
    lines = [(i, side, "D" if side == 1 else "C", 6000) for i in range(1, n + 1) for side in (1, 2)]
    conn = connect(url)
    start = time.perf_counter()
    cur = conn.cursor()
    cur.execute("begin")
    cur.executemany(f"insert into {SCRATCH_TXN} values ({', '.join([p] * 11)})", txns)
    cur.executemany(
        f"insert into {SCRATCH_LINES} (transaction_id, account_id, side, amount_fen) values ({p}, {p}, {p}, {p})",
        lines,
    )
    cur.execute("commit")
    seconds = time.perf_counter() - start
    conn.close()
    drop_scratch(url)
    return seconds


def plain_postings(url: str, clients: int, per_client: int) -> float:
    """Seconds for `clients` connections to append `per_client` postings each, one per transaction, in turn.

    A posting as the journal makes one, minus the application: take the lock, read the head of the chain,
    insert one transaction row and two line rows, commit.
    """
    scratch_tables(url)
    p = _param(url)
    sqlite = url.startswith("sqlite")

    def poster(c: int) -> None:
        conn = connect(url)
        if sqlite:
            conn.execute("pragma busy_timeout = 30000")
        for k in range(per_client):
            conn.execute("begin immediate" if sqlite else "begin")
            if not sqlite:
                conn.execute(f"lock table {SCRATCH_TXN} in exclusive mode")
            head = conn.execute(f"select coalesce(max(id), 0) from {SCRATCH_TXN}").fetchone()[0]
            conn.execute(
                f"insert into {SCRATCH_TXN} values ({', '.join([p] * 11)})", _txn_values(head + 1, f"p{c}-{k}")
            )
            for side in ("D", "C"):
                conn.execute(
                    f"insert into {SCRATCH_LINES} (transaction_id, account_id, side, amount_fen) "
                    f"values ({p}, {p}, {p}, {p})",
                    (head + 1, c, side, 6000),
                )
            conn.execute("commit")
        conn.close()

    seconds = run_threads([lambda c=c: poster(c) for c in range(clients)])
    drop_scratch(url)
    return seconds


# --- one backend ------------------------------------------------------------------------------------------------


def backend_figures(url: str, backend: str, sizes: Sizes, workers: int) -> list[Row]:
    folder = Path(tempfile.mkdtemp(prefix=f"portal-bench-ledger-{backend.lower()}-"))
    rows: list[Row] = []
    makers = build_world(url, folder, sizes)
    env = {"DATABASE_URL": url, "PORTAL_DATA_DIR": str(folder), "SECRET_KEY": secrets.token_urlsafe(32)}
    portal = Gunicorn("wsgi:app", workers, env, folder / "gunicorn.log")
    try:
        portal.wait("/api/v1/openapi.json", workers)
        singles, posted = singles_figures(portal.port, makers, backend, workers)
        batched_row, batched_posts = batched_figure(portal.port, makers, backend)
        singles.insert(1, batched_row)
        posted += batched_posts
        rows += singles
        batch_row, batched, _seconds = batch_figure(portal.port, makers[0], backend)
        rows.append(batch_row)
    finally:
        portal.stop()
    log = (folder / "gunicorn.log").read_text(errors="replace")
    retries = sum("retrying" in line for line in log.splitlines())
    packs = sum(len(m.codes["singles"]) + len(m.codes["batched"]) + len(m.codes["mixed"]) for m in makers)
    packs -= len(makers[6].codes["mixed"])
    breaks, txns, _deposits = check_journal(url, folder, posted + batched, packs + batched)
    rows.insert(
        len(singles),
        (
            "  after the HTTP runs: invariant breaks (ledger verify); transactions = accepted postings; "
            "transactions retried",
            f"invariant breaks: {breaks}; {txns:,} transactions = {posted + batched:,} accepted; {retries} retried",
            "0 breaks",
        ),
    )
    n = len(makers[0].codes["batch"])
    rows.append(
        (
            f"  yardstick: plain SQL insert of {n:,} transaction rows and {2 * n:,} line rows, one transaction "
            f"(same {backend})",
            f"{plain_batch_insert(url, n):.2f} s",
            "",
        )
    )
    per_client = len(makers[0].codes["singles"])
    seconds = plain_postings(url, CLIENTS, per_client)
    rows.append(
        (
            f"  yardstick: plain SQL posting (lock, read the head, 1 transaction row + 2 line rows, commit), "
            f"{CLIENTS} connections (same {backend})",
            f"{CLIENTS * per_client / seconds:,.0f} postings/s",
            "",
        )
    )
    built = top_up(url, folder, makers[7].id, txns, sizes.verify)
    print(f"{backend}: topped the journal up to {sizes.verify:,} transactions in {built:.0f} s", file=sys.stderr)
    rows += verify_figures(url, folder, backend, sizes.verify)
    shutil.rmtree(folder, ignore_errors=True)  # kept when something failed: the logs are there
    return rows


def bare_figure(workers: int, calls: int) -> Row:
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-ledger-bare-"))
    bare = Gunicorn("registry:bare_app()", workers, {}, folder / "bare.log", chdir=ROOT / "bench")
    try:
        bare.wait("/", workers)
        body = json.dumps({"code": "M0KPB01TRACE01E3F0000001"}).encode()
        seconds = run_threads(
            [lambda: [Http(bare.port).post("/echo", body) for _ in range(calls)] for _ in range(CLIENTS)]
        )
    finally:
        bare.stop()
    shutil.rmtree(folder, ignore_errors=True)
    return (
        f"yardstick: bare Flask app, trivial POST, same gunicorn -w {workers}, {CLIENTS} clients",
        f"{CLIENTS * calls / seconds:,.0f} requests/s",
        "",
    )


# --- --profile: the same work in-process ------------------------------------------------------------------------


def profile_in_process(url: str, sizes: Sizes) -> dict[str, tuple[float, int, int, cProfile.Profile]]:
    """Single postings, a batch and verify in-process (Flask's test client, the service), each under cProfile.

    Returns phase -> (seconds, SQL statements, items, profile). One client only, so nothing waits for the lock.
    """
    from registry import Statements

    from portal.core.uow import run_in_transaction
    from portal.ledger.verify import verify

    folder = Path(tempfile.mkdtemp(prefix="portal-bench-ledger-profile-"))
    makers = build_world(url, folder, sizes)
    found: dict[str, tuple[float, int, int, cProfile.Profile]] = {}

    def measure(label: str, items: int, work, statements) -> None:
        profile = cProfile.Profile()
        before = statements.count
        profile.enable()
        start = time.perf_counter()
        work()
        seconds = time.perf_counter() - start
        profile.disable()
        found[label] = (seconds, statements.count - before, items, profile)

    app = make_app(url, folder)
    with app.app_context():
        client = app.test_client()
        statements = Statements(app.extensions["portal_db"].engine)

        def post(token: str, body: dict) -> None:
            headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": secrets.token_hex(12)}
            response = client.post("/api/v1/deposits", json=body, headers=headers)
            assert response.status_code == 201, response.get_json()

        post(makers[1].tokens[0], {"code": makers[1].codes["mixed"][0]})  # warm: first request, translations
        singles = [(m.tokens[0], c) for m in makers for c in m.codes["singles"]]
        measure("singles", len(singles), lambda: [post(t, {"code": c}) for t, c in singles], statements)
        batch = makers[0].codes["batch"]
        measure("batch", len(batch), lambda: post(makers[0].tokens[0], {"codes": batch}), statements)
        app.extensions["portal_db"].dispose()
    top_up(url, folder, makers[7].id, len(singles) + len(batch) + 1, sizes.verify)
    app = make_app(url, folder)
    with app.app_context():
        statements = Statements(app.extensions["portal_db"].engine)
        report = None

        def check() -> None:
            nonlocal report
            report = run_in_transaction(verify, write=False)

        measure("verify", sizes.verify, check, statements)
        assert report is not None and report.ok and report.transactions == sizes.verify, report
        app.extensions["portal_db"].dispose()
    shutil.rmtree(folder, ignore_errors=True)
    return found


def print_profiles(backend: str, found: dict[str, tuple[float, int, int, cProfile.Profile]]) -> None:
    for label, (seconds, sent, items, profile) in found.items():
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out).strip_dirs()
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
        print(
            f"--- profile, in-process, {backend}, {label}: {items:,} items in {seconds:.2f} s under cProfile "
            f"({seconds / items * 1000:.2f} ms an item; {sent:,} SQL statements, {sent / items:.2f} an item) ---",
            file=sys.stderr,
        )
        print(out.getvalue(), file=sys.stderr)


# --- main ------------------------------------------------------------------------------------------------------


def measure_all(args, sizes: Sizes) -> list[Row]:
    rows: list[Row] = []
    if not args.no_postgres:
        with scratch_postgres(args.pg, PG_DATABASE) as url:
            if url:
                rows += backend_figures(url, "PostgreSQL", sizes, args.workers)
    if not args.no_sqlite:
        folder = Path(tempfile.mkdtemp(prefix="portal-bench-ledger-sqlite-"))
        rows += backend_figures(f"sqlite:///{folder / 'bench.db'}", "SQLite", sizes, args.workers)
        shutil.rmtree(folder, ignore_errors=True)
    rows.append(bare_figure(args.workers, sizes.singles))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small version (a smoke test)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432"))
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite figures")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL figures")
    parser.add_argument(
        "--profile", action="store_true", help="then cProfile the same work in-process; top functions to stderr"
    )
    parser.add_argument("--profile-only", action="store_true", help="only the in-process profile")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL

    if not args.profile_only:
        rows = measure_all(args, sizes)
        print(f"Machine: {machine()}")
        print()
        print("| measurement | result | target |")
        print("| --- | --- | --- |")
        for label, value, target in rows:
            print(f"| {label} | {value} | {target} |")
    if args.profile or args.profile_only:
        if not args.no_postgres:
            with scratch_postgres(args.pg, PG_DATABASE) as url:
                if url:
                    print_profiles("PostgreSQL", profile_in_process(url, sizes))
        if not args.no_sqlite:
            folder = Path(tempfile.mkdtemp(prefix="portal-bench-ledger-sqlite-"))
            print_profiles("SQLite", profile_in_process(f"sqlite:///{folder / 'bench.db'}", sizes))
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
