"""Campaign rules without HTTP: scope, checklist, inspection rules, what a result does to the outlet."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from portal.campaigns import queries, services
from portal.campaigns.models import Campaign, CampaignOutlet, ChecklistVersion, Inspection
from portal.core.audit import AuditEntry
from portal.errors import Conflict, DomainError, Forbidden, NotFound
from portal.outlets import queries as outlet_queries
from portal.search import SearchOutboxEntry
from tests.campaigns.helpers import PNG, inspection_input
from tests.factories import checked_upload, make_campaign, make_member, make_outlet, make_user

pytestmark = pytest.mark.db


@pytest.fixture
def world(session):
    """Two operators' outlets in 烟台 and 济南, one of them closed."""
    staff = make_user(session, "staff", name="核查员甲")
    a, a_admin = make_member(session, name="甲网点运营有限公司")
    b, _ = make_member(session, name="乙网点运营有限公司")

    def outlet(enterprise, **kw):
        return make_outlet(session, staff, operator=enterprise.name, operator_credit_code=enterprise.credit_code, **kw)

    w = {
        "staff": staff,
        "a": a,
        "a_admin": a_admin,
        "b": b,
        "yt_a": outlet(a),
        "yt_b": outlet(b),
        "jn_a": outlet(a, city="济南"),
        "yt_a_closed": outlet(a, status="已关闭"),
        "jn_central": outlet(b, city="济南", type="集中贮存型", capacity="40"),
    }
    session.flush()
    return w


def scope_ids(session, campaign) -> set[int]:
    return set(session.scalars(select(CampaignOutlet.outlet_id).where(CampaignOutlet.campaign_id == campaign.id)))


def test_scope_is_resolved_by_city_and_or_operator_when_the_campaign_opens(session, world):
    w = world
    by_city = make_campaign(session, w["staff"], cities=("烟台",))
    by_operator = make_campaign(session, w["staff"], cities=(), operators=(w["a"].name,))
    both = make_campaign(session, w["staff"], cities=("370600",), operators=(w["a"].credit_code,))
    assert scope_ids(session, by_city) == {w["yt_a"].id, w["yt_b"].id}  # the closed outlet is left out
    assert scope_ids(session, by_operator) == {w["yt_a"].id, w["jn_a"].id}
    assert scope_ids(session, both) == {w["yt_a"].id}
    assert by_city.scope_cities == ["370600"] and by_operator.scope_operators == [w["a"].name]

    later = make_outlet(session, w["staff"], operator=w["a"].name, operator_credit_code=w["a"].credit_code)
    assert later.id not in scope_ids(session, by_city)  # an outlet added later is not silently included
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "campaign.open").order_by(AuditEntry.id))
    assert entry.actor_id == w["staff"].id and entry.after["outlets"] == 2


def test_checklist_version_one_is_written_once_and_kept_by_the_campaign(session, world):
    first = make_campaign(session, world["staff"])
    second = make_campaign(session, world["staff"])
    assert session.scalar(select(func.count()).select_from(ChecklistVersion)) == 1
    assert first.checklist.version == 1 and second.checklist_version_id == first.checklist_version_id
    items = {i["code"]: i for i in first.checklist.items}
    assert len(items) == 12 and items["thermal_monitoring"]["applies_to"] == "centralized"
    assert "废旧动力蓄电池回收服务网点" in items["sign"]["text"]
    assert {i["applies_to"] for i in items.values()} == {"all", "centralized"}
    # a newer version is used by campaigns opened after it, the old campaign keeps version 1
    session.add(ChecklistVersion(version=2, title="第2版", items=[*first.checklist.items[:3]]))
    session.flush()
    third = make_campaign(session, world["staff"])
    assert third.checklist.version == 2 and session.get(Campaign, first.id).checklist.version == 1


BAD_CAMPAIGNS = [
    ({"ends_on": "2025-12-31"}, "ends_on", "结束日期不能早于开始日期"),
    ({"starts_on": "2026-13-01"}, "starts_on", "没有这一天"),
    ({"starts_on": "2026年六月"}, "starts_on", "日期格式"),
    ({"starts_on": ""}, "starts_on", "请填写开始日期"),
    ({"name": " "}, "name", "名称"),
    ({"cities": ()}, "cities", "请至少选择"),
    ({"cities": ("莱芜",)}, "cities", "未知城市"),
    ({"operators": ("不存在的公司",)}, "operators", "未找到运营企业"),
    ({"cities": ("菏泽",)}, "cities", "没有可核查的网点"),
]


def test_bad_campaign_input_is_refused_in_chinese_and_writes_nothing(session, world):
    for overrides, field, text in BAD_CAMPAIGNS:
        with pytest.raises(DomainError) as err:
            make_campaign(session, world["staff"], **overrides)
        assert text in err.value.fields[field], overrides
    assert session.scalar(select(func.count()).select_from(Campaign)) == 0


def test_only_staff_open_campaigns_and_record_inspections(session, world):
    with pytest.raises(Forbidden):
        make_campaign(session, world["a_admin"])
    campaign = make_campaign(session, world["staff"])
    with pytest.raises(Forbidden):
        services.record_inspection(session, world["a_admin"], campaign.id, world["yt_a"].id, inspection_input())
    assert session.scalar(select(func.count()).select_from(Inspection)) == 0


def test_thermal_imaging_is_not_applicable_at_a_collection_outlet_whatever_is_sent(session, world):
    campaign = make_campaign(session, world["staff"])
    data = inspection_input("collection", thermal_monitoring="not_met")  # sent, but it does not apply
    inspection = services.record_inspection(session, world["staff"], campaign.id, world["yt_a"].id, data)
    outcomes = {i.code: i.outcome for i in inspection.items}
    assert outcomes["thermal_monitoring"] == "na" and outcomes["sign"] == "met" and len(outcomes) == 12
    assert inspection.result == "compliant"


def test_centralized_outlets_must_mark_thermal_imaging_and_na_is_refused_where_an_item_applies(session, world):
    campaign = make_campaign(session, world["staff"], cities=("济南",))
    outlet = world["jn_central"]
    with pytest.raises(DomainError) as err:
        services.record_inspection(session, world["staff"], campaign.id, outlet.id, inspection_input("collection"))
    assert "符合" in err.value.fields["item-thermal_monitoring"]
    with pytest.raises(DomainError) as err:
        services.record_inspection(
            session, world["staff"], campaign.id, outlet.id, inspection_input("centralized", ventilation="na")
        )
    assert "不能标为“不适用”" in err.value.fields["item-ventilation"]
    assert session.scalar(select(func.count()).select_from(Inspection)) == 0


def test_an_item_not_met_is_incompatible_with_compliant(session, world):
    campaign = make_campaign(session, world["staff"])
    data = inspection_input(result="compliant", fire_equipment="not_met")
    with pytest.raises(DomainError) as err:
        services.record_inspection(session, world["staff"], campaign.id, world["yt_a"].id, data)
    assert "不能为“合规”" in err.value.fields["result"]
    assert world["yt_a"].status == "pending"


BAD_DATES = [
    ("2026-06-01", "", "deadline", "必须填写整改期限"),
    ("2026-06-01", "2026-05-01", "deadline", "整改期限应晚于核查日期"),
    ("2026-06-01", "明天", "deadline", "日期格式"),
    ("2026-06-11", "2026-07-01", "inspected_on", "不能晚于今天"),
    ("2025-12-31", "2026-07-01", "inspected_on", "核查期间内"),
]


def test_dates_of_an_inspection_are_checked(session, world):
    campaign = make_campaign(session, world["staff"])
    for on, deadline, field, text in BAD_DATES:
        data = inspection_input(result="rectification", on=on, deadline=deadline, sign="not_met")
        with pytest.raises(DomainError) as err:
            services.record_inspection(session, world["staff"], campaign.id, world["yt_a"].id, data)
        assert text in err.value.fields[field], (on, deadline)
    assert session.scalar(select(func.count()).select_from(Inspection)) == 0


def test_unknown_or_out_of_scope_outlets_and_second_inspections_are_refused(session, world):
    campaign = make_campaign(session, world["staff"])
    for outlet_id in (world["jn_a"].id, 999_999):
        with pytest.raises(NotFound, match="不在本次核查范围内"):
            services.record_inspection(session, world["staff"], campaign.id, outlet_id, inspection_input())
    with pytest.raises(NotFound, match="核查活动不存在"):
        services.record_inspection(session, world["staff"], 999_999, world["yt_a"].id, inspection_input())
    services.record_inspection(session, world["staff"], campaign.id, world["yt_a"].id, inspection_input())
    with pytest.raises(Conflict, match="已有核查记录"):
        services.record_inspection(session, world["staff"], campaign.id, world["yt_a"].id, inspection_input())


@pytest.mark.parametrize(
    ("result", "status", "extra"),
    [
        ("compliant", "compliant", {}),
        ("需整改", "rectifying", {"deadline": "2026-07-31", "discharge": "not_met"}),
        ("closed", "closed", {"records": "not_met"}),
    ],
)
def test_the_result_sets_status_verified_date_history_and_search_index(session, world, result, status, extra):
    campaign = make_campaign(session, world["staff"])
    outlet = world["yt_a"]
    session.execute(SearchOutboxEntry.__table__.delete())
    data = inspection_input(result=result, on="2026-06-01", **extra)
    inspection = services.record_inspection(
        session, world["staff"], campaign.id, outlet.id, data, [checked_upload(PNG, "门头.png")]
    )
    assert outlet.status == status
    assert outlet.last_verified_on == dt.date(2026, 6, 1) and outlet.last_verified_by == "核查员甲"
    last = outlet_queries.history(session, outlet.id)[-1]
    assert (last.from_status, last.to_status) == ("pending", status) and campaign.name in last.reason
    assert session.scalar(select(SearchOutboxEntry.object_id).where(SearchOutboxEntry.kind == "outlet")) == outlet.id
    actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == world["staff"].id)))
    assert {"campaign.open", "inspection.record", "outlet.status"} <= actions
    assert len(inspection.photos) == 1 and inspection.photos[0].mime == "image/png"
    assert inspection.rectification_state == ("open" if status == "rectifying" else None)


def test_progress_counts_per_city(session, world):
    w = world
    campaign = make_campaign(session, w["staff"], cities=("烟台", "济南"))
    record = services.record_inspection
    record(session, w["staff"], campaign.id, w["yt_a"].id, inspection_input())
    record(
        session,
        w["staff"],
        campaign.id,
        w["yt_b"].id,
        inspection_input(result="rectification", deadline="2026-07-01", sign="not_met"),
    )
    record(session, w["staff"], campaign.id, w["jn_a"].id, inspection_input(result="closed"))
    rows = {p.city: p for p in queries.progress(session, campaign.id)}
    yantai, jinan = rows["370600"], rows["370100"]
    assert (yantai.in_scope, yantai.verified, yantai.remaining, yantai.failing, yantai.rectifying) == (2, 2, 0, 1, 1)
    assert (jinan.in_scope, jinan.verified, jinan.remaining, jinan.failing, jinan.rectifying) == (2, 1, 1, 1, 0)
    total = queries.total(list(rows.values()))
    assert (total.in_scope, total.verified, total.remaining, total.failing) == (4, 3, 1, 2)
    todo = session.execute(queries.campaign_outlets(campaign.id, state="todo")).all()
    assert [outlet.id for outlet, inspection in todo] == [w["jn_central"].id]
    assert [c.id for c, *_ in queries.campaigns(session)] == [campaign.id]
    assert queries.campaigns(session)[0][1:] == (4, 3, 2)
