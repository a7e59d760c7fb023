"""Fixtures: app (per test, on a fresh database), client, session, clock, login helper, staff, member.

Every test runs on SQLite. Tests marked ``db`` run a second time on PostgreSQL when
PORTAL_TEST_DATABASE_URL is set (each xdist worker gets its own database, created on demand);
if that server cannot be reached the run fails, it never skips.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal.core import clock

settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

PG_ENV = "PORTAL_TEST_DATABASE_URL"
BASE_CONFIG = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    "SECRET_KEY": "test-secret",
    "MAIL_BACKEND": "log",
    "PORTAL_BASE_URL": "http://portal.test",
}


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        backends = ["sqlite"]
        # Browser tests check what a person sees: they run once, on SQLite; the database behaviour
        # under them is tested on both databases by the tests below them.
        browser = metafunc.definition.get_closest_marker("e2e")
        if metafunc.definition.get_closest_marker("db") and os.environ.get(PG_ENV) and not browser:
            backends.append("postgresql")
        metafunc.parametrize("backend", backends)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _migrate(url: str, data_dir: Path) -> None:
    from flask_migrate import upgrade

    from portal import create_app

    app = create_app({**BASE_CONFIG, "DATABASE_URL": url, "PORTAL_DATA_DIR": str(data_dir)})
    with app.app_context():
        upgrade()
    app.extensions["portal_db"].dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite database migrated once per worker; each test copies it."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.db"
    _migrate(f"sqlite:///{path}", folder)
    return path


@pytest.fixture(scope="session")
def pg_url(tmp_path_factory) -> str:
    """This worker's PostgreSQL database, migrated once; refuses to skip when unreachable."""
    base = os.environ.get(PG_ENV)
    if not base:
        raise RuntimeError(f"{PG_ENV} is not set")
    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{url.database}_{_worker()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # an unreachable server fails the test here
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    worker_url = url.set(database=name).render_as_string(hide_password=False)
    engine = create_engine(worker_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    _migrate(worker_url, tmp_path_factory.mktemp("pg-data"))
    return worker_url


_RESET_ENGINES: dict[str, object] = {}
USED_SEQUENCES = "SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences WHERE last_value IS NOT NULL"


def _empty_pg(url: str) -> None:
    """Empty this worker's database for the next test: only the tables that hold rows, then every used
    sequence back to 1. Truncating all 80-odd tables each time cost 0.17 s a test, and TRUNCATE of the
    few that hold rows still 0.2-0.3 s (new files for every table, its indexes and the tables that refer
    to it); a DELETE of a test's handful of rows takes 2 ms. The session runs as a replica, so that neither
    foreign keys nor the ledger's append-only triggers fire (the test database's user is a superuser)."""
    import portal.models  # noqa: F401
    from portal.db import Base

    engine = _RESET_ENGINES.get(url)
    if engine is None:
        engine = _RESET_ENGINES[url] = create_engine(url, pool_size=1)
    quoted = [f'"{t.name}"' for t in Base.metadata.sorted_tables]  # our own table names, not input
    probe = " UNION ALL ".join(f"SELECT '{q}' WHERE EXISTS (SELECT 1 FROM {q})" for q in quoted)  # noqa: S608
    with engine.begin() as conn:
        full = list(conn.scalars(text(probe)))
        if full:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.exec_driver_sql(";".join(f"DELETE FROM {q}" for q in full))  # noqa: S608
        conn.execute(text(f"SELECT setval(s::regclass, 1, false) FROM ({USED_SEQUENCES}) AS used(s)"))  # noqa: S608


@pytest.fixture
def database_url(request, backend, tmp_path) -> str:
    if backend == "postgresql":
        url = request.getfixturevalue("pg_url")
        _empty_pg(url)
        return url
    template = request.getfixturevalue("sqlite_template")
    path = tmp_path / "portal.db"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    return {**BASE_CONFIG, "DATABASE_URL": database_url, "PORTAL_DATA_DIR": str(data)}


@pytest.fixture
def app(app_config):
    from portal import create_app

    application = create_app(app_config)
    with application.app_context():
        yield application
    application.extensions["portal_db"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """A session for service tests; the test commits what it wants kept.

    It begins its transactions without taking SQLite's write lock first (unlike the application's
    writing units of work), so reading through it between two requests of the test client does not
    block those requests.
    """
    from portal.db import get_db

    s = get_db().session(write=False)
    yield s
    s.rollback()
    s.close()


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes():
    """Passwords hash with argon2id at its lowest cost in tests: the OWASP cost (19 MiB, 2 passes) takes
    30 ms a hash and as long a check, and the suite makes and checks thousands. The test of the cost
    itself asks for the real hasher (``production_hasher``)."""
    from argon2 import PasswordHasher

    from portal.auth import services

    real = services._hasher
    services._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, hash_len=32, salt_len=16)
    yield
    services._hasher = real


@pytest.fixture
def production_hasher(monkeypatch):
    """The portal's own password hasher, for a test of what is stored."""
    from portal.auth import services

    monkeypatch.setattr(services, "_hasher", services.PRODUCTION_HASHER)


@pytest.fixture(autouse=True)
def _release_clock():
    yield
    clock.set_now(None)


@pytest.fixture
def at():
    """Move the portal's clock: at("2026-12-01 09:00") (Shandong local time)."""

    def move(value: str | dt.datetime) -> dt.datetime:
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=clock.LOCAL_TZ)
        clock.set_now(value)
        return value

    return move


@pytest.fixture
def login(client):
    """Log the test client in; returns the response."""

    def do(email: str, password: str = "correct-horse-battery"):
        return client.post("/login", data={"email": email, "password": password})

    return do


@pytest.fixture
def outbox(app):
    """The e-mails queued so far (newest last)."""
    from sqlalchemy import select

    from portal.db import get_db
    from portal.notify.models import OutboxMail

    def read() -> list[OutboxMail]:
        with get_db().session(write=False) as s:
            return list(s.scalars(select(OutboxMail).order_by(OutboxMail.id)))

    return read


@pytest.fixture
def staff(session):
    """An association staff member (committed, can log in)."""
    from tests.factories import make_user

    user = make_user(session, "staff")
    session.commit()
    return user


@dataclass(frozen=True)
class MemberRef:
    """What a test needs of the `member` fixture's member (plain values: the session is closed)."""

    enterprise_id: int
    membership_id: int
    admin_id: int
    email: str
    name: str
    number: str


@pytest.fixture
def member_options() -> dict:
    """Keyword arguments of make_member for the `member` fixture; a module overrides it to change them.

    "at" is where the clock stands when the member is made (and stays until the test moves it).
    """
    return {}


@pytest.fixture
def member(session, at, member_options) -> MemberRef:
    """An active member enterprise with its admin, committed (the clock at 2026-05-10 10:00 unless told)."""
    from tests.factories import make_member

    options = dict(member_options)
    at(options.pop("at", "2026-05-10 10:00"))
    enterprise, admin = make_member(session, **options)
    membership = enterprise.membership
    ref = MemberRef(enterprise.id, membership.id, admin.id, admin.email, enterprise.name, membership.number)
    session.commit()
    session.close()
    return ref
