"""flask search reindex | follow | status | verify"""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from portal import search
from portal.core.progress import PhaseBars

PHASES = {"loading": "读取记录 / loading records", "writing": "写入索引 / writing the index"}
search_cli = AppGroup("search", help="全文检索索引 / Search index.")


@search_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild this machine's index from the database."""
    with PhaseBars(PHASES) as bars:
        count = search.reindex(bars)
    click.echo(f"indexed {count} documents")


@search_cli.command("follow")
@click.option("--interval", default=0.5, show_default=True, help="Seconds between polls.")
def follow_command(interval: float) -> None:
    """Keep this machine's index in step with the database (run beside the web server)."""
    from portal.db import get_db

    with get_db().session(write=False) as session:
        report = search.status(session)
    if any(k["indexed"] != k["database"] for k in report["kinds"].values()) and report["pending_changes"] == 0:
        click.echo("the index does not match the database: rebuilding it first")
        search.reindex()
    click.echo("search indexer following the outbox")
    while True:
        try:
            search.catch_up()
        except Exception as exc:  # keep following; the next pass retries
            click.echo(f"catch-up failed: {exc}", err=True)
        time.sleep(interval)


@search_cli.command("status")
def status_command() -> None:
    """Indexed counts against the database."""
    from portal.db import get_db

    with get_db().session(write=False) as session:
        click.echo(search.status(session))


@search_cli.command("verify")
@click.option("--repair", "fix", is_flag=True, help="Re-apply exactly the records that differ.")
def verify_command(fix: bool) -> None:
    """Compare the index with the database record by record; exit 1 when they differ."""
    from portal.db import get_db

    with get_db().session(write=False) as session:
        found = search.verify(session)
        for difference in found:
            click.echo(str(difference))
        if not found:
            click.echo("the index matches the database")
            return
        click.echo(f"{len(found)} difference(s)")
        if not fix:
            raise SystemExit(1)
        click.echo(f"re-applied {search.repair(session, found)} record(s)")
        left = search.verify(session)
    for difference in left:
        click.echo(f"still differs: {difference}")
    if left:
        raise SystemExit(1)
    click.echo("the index matches the database")


commands = [search_cli]
