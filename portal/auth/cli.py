"""flask users create --email E --role staff|admin|observer|reviewer"""

from __future__ import annotations

import os

import click
from flask.cli import AppGroup

from portal.core import roles
from portal.core.uow import run_in_transaction
from portal.errors import DomainError

CLI_ROLES = [roles.STAFF_ROLE, roles.ADMIN, roles.OBSERVER, roles.REVIEWER, roles.FINANCIER]  # internal accounts
users_cli = AppGroup("users", help="账户管理 / Accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(CLI_ROLES), required=True)
@click.option("--name", default="")
def create_command(email: str, role: str, name: str) -> None:
    """Create an association account; the password comes from PORTAL_PASSWORD or a prompt."""
    from portal.auth import services

    password = os.environ.get("PORTAL_PASSWORD") or click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = run_in_transaction(
            lambda s: services.create_user(s, email=email, password=password, role=role, name=name, verified=True)
        )
    except DomainError as err:
        details = [m for m in err.fields.values() if m != err.message]
        raise click.ClickException(" ".join([err.message, *details])) from None
    click.echo(f"created {role} {user.email} (id {user.id})")


commands = [users_cli]
