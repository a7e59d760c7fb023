"""flask calendar load [--year 2027 ...] | flask calendar show --year 2026"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.core.actors import system
from portal.core.uow import run_in_transaction
from portal.errors import DomainError

calendar_cli = AppGroup("calendar", help="工作日历 / The working-day calendar.")


@calendar_cli.command("load")
@click.option(
    "--year", "years", type=int, multiple=True, help="A year to load (repeatable); all package years if none."
)
def load_command(years: tuple[int, ...]) -> None:
    """Copy chinese-calendar's holidays and make-up working days into the database (staff rows stay)."""
    from portal.workdays.services import load_from_package

    actor = system("cli:calendar load")
    try:
        written = run_in_transaction(lambda s: load_from_package(s, years or None, actor=actor))
    except DomainError as err:
        raise click.ClickException(err.message) from None
    click.echo(f"loaded {written} days" + ("" if written else " (already up to date)"))


@calendar_cli.command("show")
@click.option("--year", type=int, required=True)
def show_command(year: int) -> None:
    """Print a year's holidays, make-up working days and staff corrections."""
    from portal.workdays.queries import year_overview
    from portal.workdays.services import DAY_KINDS, DAY_SOURCES, parse_year

    try:
        parse_year(year)
    except DomainError as err:
        raise click.ClickException(err.message) from None
    overview = run_in_transaction(lambda s: year_overview(s, year), write=False)
    for d in overview.days:
        kind = DAY_KINDS.label("workday" if d.is_workday else "restday", "zh")
        source = DAY_SOURCES.label(d.source, "zh") + ("" if d.stored else "（未载入）")
        click.echo(f"{d.day.isoformat()}  {kind}  {d.name}  [{source}]")
    coverage = "chinese-calendar covers this year" if overview.package_covers else "not covered by chinese-calendar"
    click.echo(f"{year}: {overview.working_days} working days, {len(overview.days)} special days ({coverage})")


commands = [calendar_cli]
