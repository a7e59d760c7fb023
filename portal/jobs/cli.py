"""flask jobs run [--once]"""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from portal import jobs

jobs_cli = AppGroup("jobs", help="定期任务 / Periodic jobs.")


@jobs_cli.command("run")
@click.option("--once", is_flag=True, help="Run what is due and exit (for cron and tests).")
@click.option("--only", multiple=True, help="Run only the named job(s).")
def run_command(once: bool, only: tuple[str, ...]) -> None:
    """Run registered periodic jobs; safe to run in several copies at once."""
    from flask import current_app

    poll = current_app.config["JOBS_POLL_SECONDS"]
    while True:
        for name, result in jobs.run_due(only=list(only) or None).items():
            click.echo(f"{name}: {result}")
        if once:
            return
        time.sleep(poll)


@jobs_cli.command("list")
def list_command() -> None:
    """List registered jobs and their interval."""
    for job in jobs.REGISTRY.values():
        click.echo(f"{job.name}\tevery {job.every}")
