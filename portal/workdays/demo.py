"""The demo step of the working-day calendar: every year chinese-calendar covers."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.demo import SeedContext


def seed(session: Session, ctx: SeedContext) -> None:
    """Load the package's holidays and make-up working days (real data, not demo rows)."""
    from portal.core.actors import system
    from portal.workdays.services import load_from_package

    written = load_from_package(session, actor=system("seed-demo"))
    if written:
        ctx.created.append(f"{written} calendar days")
