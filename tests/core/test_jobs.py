"""Periodic jobs: claimed once across runners, failures recorded, intervals respected."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import select

from portal import jobs
from portal.jobs import JobState

pytestmark = pytest.mark.db


@pytest.fixture
def registry(monkeypatch):
    """An empty job registry for the test; returns a log of (job name, now) runs."""
    monkeypatch.setattr(jobs, "REGISTRY", {})
    runs: list[tuple[str, dt.datetime]] = []
    lock = threading.Lock()

    def add(name: str, every=dt.timedelta(hours=1), *, fail: bool = False, pause: float = 0.0):
        @jobs.register(name, every=every)
        def job(session, now):
            time.sleep(pause)
            with lock:
                runs.append((name, now))
            if fail:
                raise RuntimeError(f"{name} broke")

    registry_add = add
    registry_add.runs = runs
    return registry_add


def state(session, name: str) -> JobState:
    row = session.scalar(select(JobState).where(JobState.name == name).execution_options(populate_existing=True))
    session.rollback()
    return row


def test_two_runners_at_once_run_each_due_job_exactly_once(app, registry, at):
    now = at("2026-06-01 09:00")
    for name in ("a", "b", "c", "d"):
        registry(name, pause=0.05)
    start = threading.Barrier(2)
    results: list[dict] = []
    errors: list[BaseException] = []

    def runner():
        try:
            with app.app_context():
                start.wait()
                results.append(jobs.run_due(now))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert errors == []
    assert sorted(name for name, _ in registry.runs) == ["a", "b", "c", "d"]
    assert sorted(name for result in results for name in result) == ["a", "b", "c", "d"]


def test_a_failing_job_does_not_stop_the_others_and_its_error_is_kept(app, session, registry, at):
    now = at("2026-06-01 09:00")
    registry("first")
    registry("broken", fail=True)
    registry("last")

    outcome = jobs.run_due(now)

    assert [name for name, _ in registry.runs] == ["first", "broken", "last"]
    assert outcome == {"first": "ok", "broken": "error: RuntimeError: broken broke", "last": "ok"}
    broken = state(session, "broken")
    assert broken.last_error == "RuntimeError: broken broke"
    assert broken.locked_by is None
    assert broken.next_run_at == now + dt.timedelta(hours=1)
    assert state(session, "first").last_error is None


def test_a_failed_job_changes_nothing_and_a_later_success_clears_the_error(app, session, registry, at):
    from portal.notify.models import OutboxMail

    calls = []

    @jobs.register("writer", every=dt.timedelta(minutes=5))
    def writer(s, now):
        calls.append(now)
        s.add(OutboxMail(to_address="a@example.cn", subject=f"run {len(calls)}", body=""))
        s.flush()
        if len(calls) == 1:
            raise RuntimeError("half done")

    at("2026-06-01 09:00")
    jobs.run_due()
    at("2026-06-01 09:05")
    jobs.run_due()

    subjects = session.scalars(select(OutboxMail.subject)).all()
    session.rollback()
    assert subjects == ["run 2"]
    assert state(session, "writer").last_error is None


def test_next_run_time_is_respected(app, session, registry, at):
    registry("hourly", every=dt.timedelta(hours=1))

    ran = []
    for moment in ("09:00", "09:30", "09:59", "10:00", "10:00:30", "11:15"):
        at(f"2026-06-01 {moment}")
        if jobs.run_due():
            ran.append(moment)

    assert ran == ["09:00", "10:00", "11:15"]
    assert state(session, "hourly").next_run_at == at("2026-06-01 12:15")


def test_a_held_lease_keeps_other_runners_out_until_it_expires(app, session, registry, at):
    registry("slow")
    now = at("2026-06-01 09:00")
    jobs.run_due(now)  # creates the row and runs once
    row = session.get(JobState, "slow")
    row.next_run_at = now
    row.locked_by = "elsewhere:1"
    row.locked_until = now + dt.timedelta(minutes=10)
    session.commit()

    assert jobs.run_due(now + dt.timedelta(minutes=5)) == {}
    assert jobs.run_due(now + dt.timedelta(minutes=11)) == {"slow": "ok"}


def test_only_runs_the_named_jobs(app, registry, at):
    at("2026-06-01 09:00")
    registry("a")
    registry("b")

    assert jobs.run_due(only=["b"]) == {"b": "ok"}
    assert [name for name, _ in registry.runs] == ["b"]


def test_cli_runs_due_jobs_once(app, runner, registry, at):
    at("2026-06-01 09:00")
    registry("report")
    registry("cleanup", fail=True)

    result = runner.invoke(args=["jobs", "run", "--once"])
    again = runner.invoke(args=["jobs", "run", "--once"])

    assert result.exit_code == 0, result.output
    assert "report: ok" in result.output
    assert "cleanup: error: RuntimeError: cleanup broke" in result.output
    assert again.exit_code == 0
    assert again.output == ""
    assert [name for name, _ in registry.runs] == ["report", "cleanup"]


def test_cli_lists_the_registered_jobs(runner):
    result = runner.invoke(args=["jobs", "list"])

    assert result.exit_code == 0
    assert "mail.deliver\tevery 0:00:05" in result.output
