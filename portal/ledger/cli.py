"""flask ledger verify | forfeit | close-month 2026-11"""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from portal.core.actors import system
from portal.core.uow import run_in_transaction
from portal.errors import DomainError
from portal.ledger import journal

ledger_cli = AppGroup("ledger", help="押金账本 / The deposit ledger.")


@ledger_cli.command("verify")
def verify_command() -> None:
    """Recompute the hash chain and check every invariant; exit 1 naming what is wrong."""
    from portal.ledger.verify import run

    report = run_in_transaction(run, write=False)
    for problem in report.problems:
        click.echo(f"FAIL {problem}", err=True)
    click.echo(
        f"{report.transactions} transactions, {report.lines} lines checked in {report.seconds:.2f} s: "
        + ("ok" if report.ok else f"{len(report.problems)} problem(s)")
    )
    if not report.ok:
        sys.exit(1)


@ledger_cli.command("forfeit")
def forfeit_command() -> None:
    """Forfeit to the recycling fund the deposits whose period has run out (safe to run again)."""
    from portal.ledger.refunds import forfeit_due

    count = run_in_transaction(lambda s: forfeit_due(s, system("cli:ledger forfeit")), locks=journal.LOCKS)
    click.echo(f"forfeited {count} deposit(s)")


@ledger_cli.command("close-month")
@click.argument("month")
def close_month_command(month: str) -> None:
    """Close a month that has ended (YYYY-MM): nothing more is posted with a date inside it."""
    from portal.ledger.corrections import close_month

    try:
        run_in_transaction(lambda s: close_month(s, system("cli:ledger close-month"), month), locks=journal.LOCKS)
    except DomainError as err:
        raise click.ClickException(err.message) from None
    click.echo(f"closed {month}")


commands = [ledger_cli]
