"""The migrations create exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

import portal.models  # noqa: F401
from portal.core.actors import system
from portal.db import Base, get_db

pytestmark = pytest.mark.db


def test_models_and_migrations_agree(app):
    engine = get_db().engine
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_every_table_exists(app):
    tables = set(inspect(get_db().engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables


def test_audit_log_refuses_update_and_delete(app, session):
    from portal.core import audit

    audit.record(session, system("test"), "test.action", "thing", 1, {"a": 1}, {"a": 2})
    session.commit()
    for statement in ("UPDATE audit_entries SET action = 'x'", "DELETE FROM audit_entries"):
        with pytest.raises(Exception, match="append-only"):
            session.execute(text(statement))
        session.rollback()
    assert session.scalar(text("SELECT count(*) FROM audit_entries")) == 1
