"""Declarative base, engine set-up and the session factory.

Sessions are never committed here: the unit of work in ``portal.core.uow`` is the one commit point.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite keeps no zone; PostgreSQL keeps ``timestamptz``. Either way the application sees aware UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Base of every model; constraint names are the same on SQLite and PostgreSQL."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict] = {dt.datetime: UTCDateTime()}


WRITE_OPTION = "portal_write"
# Tables whose writers a unit of work's services serialise with a lock of their own (the ledger's journal):
# on PostgreSQL it runs at READ COMMITTED, so each statement after the lock sees every earlier writer's
# commit, and writers queue on the lock instead of failing with 40001 and being run again.
LOCK_OPTION = "portal_lock_tables"


def make_engine(url: str, *, busy_timeout_ms: int = 15000) -> Engine:
    """Create the engine with the settings each backend needs."""
    if url.startswith("sqlite"):
        # Connections are pooled (a new one costs its PRAGMAs, about 2 ms a request); a pooled connection
        # is rolled back when returned, so it holds no snapshot and no lock between requests.
        engine = create_engine(
            url,
            connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
            pool_size=5,
            max_overflow=10,
        )
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    if engine.dialect.name == "postgresql":
        _configure_postgresql(engine)
    return engine


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Writing units of work run at REPEATABLE READ: of two transactions that read a row and write
        # it back, the second fails with a serialization failure (40001) and is run again on fresh
        # data, instead of silently losing an update as at READ COMMITTED. Readers keep the default.
        options = conn.get_execution_options()
        if options.get(WRITE_OPTION) and not options.get(LOCK_OPTION):
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when a transaction begins (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A writing unit of work takes the write lock at its start: a transaction that reads and
        # then writes would otherwise fail with "database is locked" whatever the busy timeout.
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


class Database:
    """The engine and the two session factories (reading and writing) of one application."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.metadata = Base.metadata
        self._read = sessionmaker(expire_on_commit=False)
        self._write = sessionmaker(expire_on_commit=False)
        self._locking: dict[tuple[str, ...], sessionmaker] = {}

    def init_app(self, app) -> None:
        self.engine = make_engine(app.config["DATABASE_URL"], busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"])
        from portal.core import dataversion

        dataversion.watch(self.engine)
        self._read.configure(bind=self.engine)
        self._write.configure(bind=self.engine.execution_options(**{WRITE_OPTION: True}))
        app.extensions["portal_db"] = self

    @property
    def dialect(self) -> str:
        assert self.engine is not None
        return self.engine.dialect.name

    def session(self, *, write: bool, locks: tuple[str, ...] = ()):
        """A reading or writing session; ``locks`` names tables whose lock the writing one's services take."""
        if not locks:
            return (self._write if write else self._read)()
        factory = self._locking.get(locks)
        if factory is None:
            assert self.engine is not None
            options = {WRITE_OPTION: True, LOCK_OPTION: locks}
            factory = self._locking[locks] = sessionmaker(
                expire_on_commit=False, bind=self.engine.execution_options(**options)
            )
        return factory()

    def dispose(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


def get_db() -> Database:
    """The Database of the current application."""
    from flask import current_app

    return current_app.extensions["portal_db"]
