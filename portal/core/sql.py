"""Small SQL helpers that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, model, values: dict) -> None:
    """INSERT ... ON CONFLICT DO NOTHING, so concurrent creators of the same row do not fail."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(model).values(**values).on_conflict_do_nothing())


def insert_ignore_many(session: Session, model, rows: list[dict]) -> None:
    """insert_ignore for many rows in one statement per chunk."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for start in range(0, len(rows), 500):
        session.execute(insert(model).values(rows[start : start + 500]).on_conflict_do_nothing())


def get_or_not_found(session: Session, model, object_id, message: str):
    """The row of model with this primary key; NotFound(message) when there is none."""
    from portal.errors import NotFound

    found = session.get(model, object_id)
    if found is None:
        raise NotFound(message)
    return found


def contains_pattern(text: str) -> str:
    """A LIKE pattern for "contains text", its % _ and \\ taken literally (use with escape="\\")."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
