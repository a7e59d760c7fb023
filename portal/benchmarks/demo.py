"""The demo step of the benchmarks: a confirmed 2026 selection whose three benchmark enterprises are the
demo members with the highest totals computed from the other features' demo data."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.demo import SeedContext

DEMO_CRITERIA = (
    ("whitelist", "15"),
    ("outlets", "20"),
    ("standards", "10"),
    ("projects", "15"),
    ("registry", "15"),
    ("ledger", "5"),
    ("safety", "10"),
    ("innovation", "10"),
)
# What the secretariat's reviewers gave every demo candidate by hand (the same for all: the ranking comes from data).
MANUAL_SCORE = ("80", "秘书处现场核查（演示）")


def seed(session: Session, ctx: SeedContext) -> None:
    """Open 2026's selection, nominate every demo member in good standing, score, confirm the top three."""
    from portal.auth.queries import user_by_email
    from portal.benchmarks import queries, services
    from portal.benchmarks.models import BenchmarkSelection
    from portal.members.queries import directory
    from portal.members.standing import in_good_standing

    if session.scalar(select(BenchmarkSelection.id).where(BenchmarkSelection.year == 2026)) is not None:
        return
    staff = user_by_email(session, "staff@demo.sdbra.cn")
    if staff is None:
        return
    data = services.SelectionInput(
        year="2026",
        title="2026年度山东省动力电池回收利用标杆企业评选",
        opens_on="2026-05-01",
        closes_on="2026-06-30",
        criteria=DEMO_CRITERIA,
    )
    selection = services.open_selection(session, staff, data, demo=True)
    members = [e for e in session.scalars(directory()) if e.is_demo and in_good_standing(session, e.id)]
    ranked = []
    for enterprise in members:
        candidate = services.nominate(session, staff, selection.id, enterprise.id, demo=True)
        for code in ("safety", "innovation"):
            services.score(session, staff, candidate.id, code, *MANUAL_SCORE)
        ranked.append((-queries.sheet(session, selection, candidate).total_milli, enterprise.id))
    if len(ranked) < 3:
        return
    chosen = [enterprise_id for _total, enterprise_id in sorted(ranked)[:3]]
    services.confirm(session, staff, selection.id, chosen)
    selection.confirmed_at = dt.datetime(2026, 7, 15, 2, 0, tzinfo=dt.UTC)
    ctx.created.append(f"2026 benchmark selection: {len(members)} candidates, 3 benchmark enterprises")
