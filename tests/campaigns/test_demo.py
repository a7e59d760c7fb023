"""flask seed-demo adds one campaign with a few inspections, once."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.campaigns.models import Campaign, CampaignOutlet, Inspection, InspectionPhoto, RectificationAnswer
from portal.outlets.models import Outlet


def counts(session) -> tuple[int, ...]:
    session.rollback()
    models = (Campaign, CampaignOutlet, Inspection, InspectionPhoto, RectificationAnswer)
    return tuple(session.scalar(select(func.count()).select_from(m)) for m in models)


def test_seed_demo_adds_a_campaign_once(runner, session, client, login):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    first = counts(session)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert counts(session) == first

    campaign = session.scalar(select(Campaign))
    assert campaign.is_demo and set(campaign.scope_cities) == {"370100", "370600"}
    inspections = session.scalars(select(Inspection)).all()
    assert [i.result for i in inspections].count("compliant") == 4
    pending = [i for i in inspections if i.result == "rectification"]
    assert len(pending) == 1 and pending[0].rectification_state == "answered"
    outlet = session.get(Outlet, pending[0].outlet_id)
    assert outlet.status == "rectifying"

    assert login("contact01@demo.sdbra.cn", "demo-password-2026").status_code == 302
    page = client.get(f"/account/inspections/{pending[0].id}").get_data(as_text=True)
    assert "整改报告（演示）.pdf" in page and "等待协会审核" in page
