"""flask tokens create|list|revoke: API tokens from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.core import uow
from portal.core.actors import system
from portal.errors import DomainError


@click.group("tokens")
def tokens_cli() -> None:
    """API tokens of member enterprises."""


@tokens_cli.command("create")
@click.option("--enterprise", "credit_code", required=True, help="The member's unified social credit code.")
@click.option("--name", required=True)
@click.option("--scope", "scopes", multiple=True, required=True, help="batteries:read, batteries:write, ...")
@with_appcontext
def create(credit_code: str, name: str, scopes: tuple[str, ...]) -> None:
    """Create a token and print it (it is shown only this once)."""
    from portal.api import tokens
    from portal.core.creditcode import normalise
    from portal.members.queries import member_by_credit_code

    def work(session):
        enterprise = member_by_credit_code(session, normalise(credit_code))
        if enterprise is None:
            raise click.ClickException(f"no admitted member with credit code {credit_code}")
        return tokens.create_token(session, system("cli:tokens create"), enterprise.id, name, scopes)[1]

    try:
        secret = uow.run_in_transaction(work)
    except DomainError as err:
        details = "; ".join(f"{k}: {v}" for k, v in err.fields.items())
        raise click.ClickException(f"{err.message} {details}".strip()) from err
    click.echo(secret)


@tokens_cli.command("list")
@with_appcontext
def list_() -> None:
    """Every token: id, enterprise, name, scopes, state."""
    from portal.api import tokens

    with uow.unit_of_work(write=False) as session:
        for t in tokens.all_tokens(session):
            state = "active" if t.active else f"revoked {t.revoked_at:%Y-%m-%d}"
            click.echo(f"{t.id}\t{t.enterprise_id}\t{t.name}\t{' '.join(t.scopes)}\t{t.prefix}…\t{state}")


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def revoke(token_id: int) -> None:
    """Revoke a token."""
    from portal.api import tokens

    try:
        uow.run_in_transaction(lambda s: tokens.revoke_token(s, system("cli:tokens revoke"), token_id))
    except DomainError as err:
        raise click.ClickException(err.message) from err
    click.echo(f"revoked {token_id}")


commands = [tokens_cli]
