"""flask outlets import FILE [--skip-invalid] [--coords gcj02]; flask outlets normalise-districts"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from portal import search
from portal.core.actors import system
from portal.core.progress import PhaseBars
from portal.core.uow import run_in_transaction
from portal.errors import DomainError

PHASES = {
    "reading": "读取文件 / reading",
    "validating": "校验 / validating",
    "writing": "写入 / writing",
    "indexing": "更新索引 / indexing",
    "loading": "重建索引：读取 / reindex: loading",
}
outlets_cli = AppGroup("outlets", help="回收服务网点 / Recycling service outlets.")


@outlets_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Write the valid rows even when some rows are invalid.")
@click.option(
    "--coords",
    type=click.Choice(["wgs84", "gcj02", "bd09"]),
    default="wgs84",
    show_default=True,
    help="Coordinate system of the file's lon/lat columns.",
)
def import_command(path: Path, skip_invalid: bool, coords: str) -> None:
    """Import outlets from CSV (UTF-8 or GBK) or XLSX; rows are upserted by code."""
    from portal.outlets.importer import import_outlets

    data = path.read_bytes()
    with PhaseBars(PHASES) as bars:
        try:
            report = run_in_transaction(
                lambda s: import_outlets(
                    s,
                    data,
                    path.name,
                    actor=system("cli:outlets import"),
                    skip_invalid=skip_invalid,
                    coordinate_system=coords,
                    progress=bars,
                )
            )
        except DomainError as err:
            raise click.ClickException(err.message) from None
        if report.written:
            search.catch_up(progress=bars)
    for error in report.errors[:200]:
        click.echo(f"第{error.row}行 [{error.column}] {error.message}", err=True)
    if len(report.errors) > 200:
        click.echo(f"... 另有 {len(report.errors) - 200} 处错误", err=True)
    click.echo(
        f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
        f"rejected {report.rejected}" + ("" if report.written else " — nothing written (use --skip-invalid)")
    )
    if report.errors and not report.written:
        raise SystemExit(1)


@outlets_cli.command("normalise-districts")
def normalise_districts_command() -> None:
    """Write every outlet's district as its full name (开发区 -> 烟台经济技术开发区); statuses stay."""
    from portal.outlets.services import normalise_districts

    changed = run_in_transaction(lambda s: normalise_districts(s, system("cli:outlets normalise-districts")))
    click.echo(f"{changed} outlets renamed their district")
    if changed:
        search.catch_up()


commands = [outlets_cli]
