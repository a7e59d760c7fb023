"""The demo step of accounts: the association's demo staff, observer and reviewer logins."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, SeedContext


def seed(session: Session, ctx: SeedContext) -> None:
    from portal.auth import services as auth
    from portal.auth.queries import user_by_email

    for email, role, name in DEMO_ACCOUNTS:
        if user_by_email(session, email) is None:
            auth.create_user(
                session, email=email, password=DEMO_PASSWORD, role=role, name=name, verified=True, is_demo=True
            )
            ctx.created.append(f"user {email}")
        ctx.logins.append((role, email, DEMO_PASSWORD))
