"""Database triggers that refuse UPDATE and DELETE on the journal's tables (SQLite and PostgreSQL).

Installed by the migration; ``ledger verify`` checks they are still there. They stop the
application and anyone at a SQL prompt alike; someone who drops them first is still caught by
the hash chain.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

APPEND_ONLY = (
    "ledger_transactions",
    "ledger_lines",
    "ledger_closed_months",
    "deposit_allocations",
    "deposit_rules",
    "deposit_rates",
)
MESSAGE = "the deposit ledger is append-only"


def names() -> set[str]:
    return {f"{table}_no_{op}" for table in APPEND_ONLY for op in ("update", "delete")}


def create_statements(dialect: str) -> list[str]:
    """The DDL that installs the triggers on this dialect."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_{op} BEFORE {op.upper()} ON {table} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            for table in APPEND_ONLY
            for op in ("update", "delete")
        ]
    statements = [
        "CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{MESSAGE} (% on %)', TG_OP, TG_TABLE_NAME; END $$"
    ]
    statements += [
        f"CREATE TRIGGER {table}_no_{op} BEFORE {op.upper()} ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()"
        for table in APPEND_ONLY
        for op in ("update", "delete")
    ]
    return statements


def drop_statements(dialect: str) -> list[str]:
    drops = [
        f"DROP TRIGGER IF EXISTS {table}_no_{op}" + ("" if dialect == "sqlite" else f" ON {table}")
        for table in APPEND_ONLY
        for op in ("update", "delete")
    ]
    if dialect != "sqlite":
        drops.append("DROP FUNCTION IF EXISTS ledger_refuse_change()")
    return drops


def installed(session: Session) -> set[str]:
    """The names of the append-only triggers present in the database."""
    if session.get_bind().dialect.name == "sqlite":
        found = session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    else:
        found = session.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'"))
    return set(found) & names()
