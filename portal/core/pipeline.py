"""Several writes in one round trip on PostgreSQL (psycopg's pipeline mode); as they are elsewhere.

For statements whose results nobody reads (Core inserts and updates given a list of rows, which
carry no RETURNING): they are sent at once and the database's answers are read once, at the end of
the block. A statement that fails is raised as SQLAlchemy's error, as it would be without the pipeline.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


@contextlib.contextmanager
def pipelined(session: Session) -> Iterator[None]:
    """Send the block's statements together (PostgreSQL); elsewhere just run the block."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        yield
        return
    driver = connection.connection.driver_connection
    import psycopg

    try:
        with driver.pipeline():
            yield
    except psycopg.Error as err:  # raised at the block's end, outside SQLAlchemy: wrap it as SQLAlchemy would
        raise DBAPIError.instance(None, None, err, psycopg.Error) from err
