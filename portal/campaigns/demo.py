"""The demo step of verification campaigns: one campaign with inspections and a rectification."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.core import clock
from portal.demo import DEMO_LICENCE_PDF, SeedContext, demo_png


def seed(session: Session, ctx: SeedContext) -> None:
    """A verification campaign over 济南 and 烟台: a few compliant outlets, one rectification answered."""
    from portal.auth.queries import user_by_email
    from portal.campaigns import queries, rectifications, services
    from portal.campaigns.checklist import applies
    from portal.campaigns.models import Campaign
    from portal.core.files import CheckedUpload

    if session.scalar(select(Campaign.id).where(Campaign.is_demo).limit(1)) is not None:
        return
    staff = user_by_email(session, "staff@demo.sdbra.cn")
    member = user_by_email(session, "contact01@demo.sdbra.cn")
    if staff is None or member is None or member.enterprise_id is None:
        return
    today = clock.today()
    data = services.CampaignInput(
        name=f"{today.year}年回收服务网点全面核查（演示）",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=60),
        cities=("370100", "370600"),
    )
    campaign = services.open_campaign(session, staff, data, is_demo=True)
    rows = [o for o, _i in session.execute(queries.campaign_outlets(campaign.id)) if o.is_demo]
    own = [o for o in rows if o.operator_enterprise_id == member.enterprise_id]
    others = [o for o in rows if o.operator_enterprise_id != member.enterprise_id]
    others = [o for o in others if o.city == "370100"][:2] + [o for o in others if o.city == "370600"][:2]
    photo = CheckedUpload(data=demo_png(), kind="png", original_name="现场照片（演示）.png")

    def inspect(outlet, days_ago: int, result: str = "compliant", **outcomes):
        marks = tuple(
            services.ItemMark(code=i["code"], outcome=outcomes.get(i["code"], "met"), note="")
            for i in campaign.checklist.items
            if applies(i, outlet.type)
        )
        deadline = today + dt.timedelta(days=30) if result == "rectification" else ""
        entry = services.InspectionInput(
            inspected_on=today - dt.timedelta(days=days_ago),
            result=result,
            deadline=deadline,
            summary="现场核查（演示数据）",
            items=marks,
        )
        return services.record_inspection(session, staff, campaign.id, outlet.id, entry, [photo], is_demo=True)

    for days_ago, outlet in zip((20, 16, 12, 8), others, strict=False):
        inspect(outlet, days_ago)
    if own:
        finding = inspect(own[0], 10, "rectification", fire_equipment="not_met")
        evidence = CheckedUpload(data=DEMO_LICENCE_PDF, kind="pdf", original_name="整改报告（演示）.pdf")
        rectifications.answer_rectification(
            session, member, finding.id, "已补充灭火器4具、消防沙2箱，并张贴作业流程。", [evidence]
        )
    ctx.created.append(f"campaign {campaign.name}")
