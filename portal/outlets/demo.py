"""The demo step of outlets: the 520 demo recycling service outlets."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import PROJECT_ROOT
from portal.core import clock
from portal.demo import SeedContext


def seed(session: Session, ctx: SeedContext) -> None:
    """About 520 demo outlets over the 16 cities, imported through the import service."""
    import random

    from portal.core.actors import system
    from portal.outlets.importer import import_outlets
    from portal.outlets.models import Outlet

    if session.scalar(select(Outlet.id).limit(1)) is not None:
        return
    data = (PROJECT_ROOT / "content" / "demo" / "outlets.csv").read_bytes()
    report = import_outlets(session, data, "outlets.csv", actor=system("seed-demo"), is_demo=True)
    if not report.written:
        raise RuntimeError(f"demo outlets did not import: {report.errors[:3]}")
    # Outlets run by a member car maker belong to its recycling network.
    from portal.outlets.models import OutletMaker
    from portal.outlets.queries import vehicle_makers

    makers = {name: enterprise_id for enterprise_id, name in vehicle_makers(session)}
    for outlet in session.scalars(select(Outlet).where(Outlet.operator_name.in_(list(makers)))):
        outlet.makers = [OutletMaker(enterprise_id=makers[outlet.operator_name])]
    rng = random.Random(520)
    today = clock.today()
    for outlet in session.scalars(select(Outlet).where(Outlet.status.in_(("compliant", "rectifying", "closed")))):
        outlet.last_verified_on = today - dt.timedelta(days=rng.randint(5, 300))
        outlet.last_verified_by = "协会秘书处（演示）"
    session.flush()
    ctx.created.append(f"{report.created} outlets")
