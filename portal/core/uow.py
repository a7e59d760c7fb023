"""The unit of work: the one place where a request, a command or a job commits or rolls back.

Services take a session, change objects and flush; they never commit. Three ways in:

* a web request gets a lazily opened unit of work (``session()``); the application commits it when the
  view answers with a status below 400 and rolls it back otherwise (so a form re-rendered with
  errors, answered 422, changes nothing). A view may call ``commit()`` itself when something must be
  kept although the answer is an error (a failed login is counted, then 401/429 is answered).
* ``unit_of_work()`` is a context manager for commands and tests.
* ``run_in_transaction(fn)`` runs ``fn(session)`` and retries it on PostgreSQL serialization
  failures and deadlocks (and on SQLite lock time-outs), a bounded number of times.

A writing unit of work on SQLite starts with ``BEGIN IMMEDIATE`` (see ``portal.db``); on PostgreSQL
it runs at REPEATABLE READ (set up in ``portal.db``), so a lost update becomes a retried 40001.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from flask import current_app, g, has_request_context, request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from portal.db import get_db

log = logging.getLogger(__name__)
T = TypeVar("T")

# serialization_failure, deadlock_detected, and unique_violation: a concurrent transaction inserted the
# same key first; run again, the checks of the service see its row and answer with a proper error.
RETRYABLE_SQLSTATES = {"40001", "40P01", "23505"}
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


class UnitOfWork:
    """One session and one transaction at a time; commit or rollback are decided by the caller."""

    def __init__(self, write: bool, locks: tuple[str, ...] = ()) -> None:
        self.write = write or bool(locks)
        self.session: Session = get_db().session(write=self.write, locks=locks)
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, fn: Callable[[], None]) -> None:
        """Run fn once the current transaction has committed (not on rollback)."""
        self._after_commit.append(fn)

    def commit(self) -> None:
        self.session.commit()
        callbacks, self._after_commit = self._after_commit, []
        for fn in callbacks:
            try:
                fn()
            except Exception:  # a side effect must not undo what is committed
                log.exception("after-commit callback failed")

    def rollback(self) -> None:
        self.session.rollback()
        self._after_commit = []

    def close(self) -> None:
        self.session.close()


def is_retryable(exc: BaseException) -> bool:
    """True for errors a transaction may simply be run again after."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(orig)


def backoff(attempt: int) -> None:
    """Wait a random, growing while before running a transaction again.

    Random, so that writers that collided do not collide again in step.
    """
    time.sleep(random.uniform(0.005, 0.02 * 2**attempt))


@contextmanager
def unit_of_work(*, write: bool = True, locks: tuple[str, ...] = ()) -> Iterator[Session]:
    """Commit on success, roll back on any exception; for commands, jobs and tests."""
    uow = UnitOfWork(write, locks)
    try:
        yield uow.session
        uow.commit()
    except BaseException:
        uow.rollback()
        raise
    finally:
        uow.close()


def run_in_transaction(
    fn: Callable[[Session], T], *, write: bool = True, attempts: int | None = None, locks: tuple[str, ...] = ()
) -> T:
    """Run fn(session) in a unit of work, retrying serialization failures and deadlocks."""
    attempts = attempts or current_app.config["DB_RETRY_ATTEMPTS"]
    for attempt in range(1, attempts + 1):
        try:
            with unit_of_work(write=write, locks=locks) as session:
                return fn(session)
        except DBAPIError as exc:
            if attempt == attempts or not is_retryable(exc):
                raise
            log.info("retrying transaction after %s (attempt %d)", type(exc.orig).__name__, attempt)
            backoff(attempt)
    raise AssertionError("unreachable")


# --- the request's unit of work -------------------------------------------------------------


def writes(view: Callable) -> Callable:
    """Mark a view answering GET as writing, so its unit of work takes the write lock."""
    view._portal_writes = True  # type: ignore[attr-defined]
    return view


def serialised(*tables: str) -> Callable[[Callable], Callable]:
    """Mark a view whose services serialise their writes on these tables' lock (see ``portal.db``).

    For writers that all append to one chain (the ledger): the view runs at READ COMMITTED, so once
    its service holds the lock it reads what every earlier writer committed, and writers wait for
    each other in turn instead of colliding and being run again.
    """

    def mark(view: Callable) -> Callable:
        view._portal_locks = tables  # type: ignore[attr-defined]
        return view

    return mark


def _request_view() -> Callable | None:
    return current_app.view_functions.get(request.endpoint or "")


def _request_writes() -> bool:
    if request.method not in READ_METHODS:
        return True
    return bool(getattr(_request_view(), "_portal_writes", False))


def current_uow() -> UnitOfWork:
    """The unit of work of the current request (opened on first use), or of the current command."""
    uow = g.get("_portal_uow")
    if uow is None:
        if has_request_context():
            locks = getattr(_request_view(), "_portal_locks", ()) if request.method not in READ_METHODS else ()
            uow = g._portal_uow = UnitOfWork(_request_writes(), locks)
        else:
            uow = g._portal_uow = UnitOfWork(True)
    return uow


def session() -> Session:
    """The session of the current request or command."""
    return current_uow().session


def commit() -> None:
    """Commit the request's work now (used when an error answer must still keep something)."""
    current_uow().commit()


def finish_request(success: bool) -> None:
    """Commit or roll back the request's unit of work; called once per dispatch."""
    uow = g.pop("_portal_uow", None)
    if uow is None:
        return
    try:
        if success:
            uow.commit()
        else:
            uow.rollback()
    finally:
        uow.close()


def discard_request() -> None:
    """Roll back and drop the request's unit of work (after an exception or before a retry)."""
    # A rollback expires the logged-in user loaded in this session: let Flask-Login load it again
    # (in a fresh unit of work) if an error page still needs it.
    g.pop("_login_user", None)
    uow = g.pop("_portal_uow", None)
    if uow is not None:
        try:
            uow.rollback()
        finally:
            uow.close()


def with_session(fn: Callable[..., T]) -> Callable[..., T]:
    """Decorate a click command so it runs in a retried unit of work and gets ``session=``."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return run_in_transaction(lambda s: fn(*args, session=s, **kwargs))

    return wrapper
