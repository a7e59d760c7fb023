"""Periodic jobs: each feature registers its own; ``flask jobs run`` runs them.

Two runners may run at once: a job is claimed by a conditional UPDATE on its row (only one runner's
UPDATE matches), so each run of a job happens in exactly one process.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import String, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.core import clock
from portal.core.uow import run_in_transaction
from portal.db import Base

log = logging.getLogger(__name__)


class JobState(Base):
    """When a job last ran, when it is next due, and who holds it now."""

    __tablename__ = "job_states"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    next_run_at: Mapped[dt.datetime]
    last_started_at: Mapped[dt.datetime | None]
    last_finished_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(2000))
    locked_by: Mapped[str | None] = mapped_column(String(120))
    locked_until: Mapped[dt.datetime | None]


@dataclass(frozen=True)
class Job:
    name: str
    every: dt.timedelta
    fn: Callable[..., object]
    lease: dt.timedelta
    transaction: bool = True


REGISTRY: dict[str, Job] = {}


def register(
    name: str, *, every: dt.timedelta, lease: dt.timedelta = dt.timedelta(minutes=10), transaction: bool = True
):
    """Decorator: register fn(session, now) as a periodic job run every `every`, in one transaction.

    With ``transaction=False`` the job is called as fn(now) and opens its own short transactions
    (for work that waits on the outside world, such as sending e-mail).
    """

    def decorate(fn):
        REGISTRY[name] = Job(name, every, fn, lease, transaction)
        return fn

    return decorate


def _runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _ensure_rows(session: Session, now: dt.datetime) -> None:
    existing = set(session.scalars(select(JobState.name)))
    for name in REGISTRY:
        if name not in existing:
            session.add(JobState(name=name, next_run_at=now))
    session.flush()


def _claim(session: Session, job: Job, now: dt.datetime, runner: str) -> bool:
    result = session.execute(
        update(JobState)
        .where(JobState.name == job.name, JobState.next_run_at <= now)
        .where(or_(JobState.locked_until.is_(None), JobState.locked_until < now))
        .values(locked_by=runner, locked_until=now + job.lease, last_started_at=now)
    )
    return result.rowcount == 1


def run_due(now: dt.datetime | None = None, *, only: list[str] | None = None) -> dict[str, str]:
    """Run every job that is due now; returns {job name: 'ok' | 'error: ...'} for the jobs run here."""
    now = now or clock.now()
    runner = _runner_id()
    try:
        run_in_transaction(lambda s: _ensure_rows(s, now))
    except Exception:  # another runner inserted the same rows at the same moment
        log.info("job rows created concurrently")
    outcome: dict[str, str] = {}
    for job in list(REGISTRY.values()):
        if only and job.name not in only:
            continue
        if not run_in_transaction(lambda s, job=job: _claim(s, job, now, runner)):
            continue
        error = None
        try:
            if job.transaction:
                run_in_transaction(lambda s, job=job: job.fn(s, now))
            else:
                job.fn(now)
            outcome[job.name] = "ok"
        except Exception as exc:  # a failing job must not stop the others
            log.exception("job %s failed", job.name)
            error = f"{type(exc).__name__}: {exc}"[:2000]
            outcome[job.name] = f"error: {error}"

        def release(session: Session, job=job, error=error) -> None:
            session.execute(
                update(JobState)
                .where(JobState.name == job.name, JobState.locked_by == runner)
                .values(
                    locked_by=None,
                    locked_until=None,
                    last_finished_at=clock.now(),
                    last_error=error,
                    next_run_at=now + job.every,
                )
            )

        run_in_transaction(release)
    return outcome
