"""Each automatic criterion's source, on data made through the other features' own services."""

from __future__ import annotations

import pytest

from portal.benchmarks import sources
from portal.ledger import billing
from tests.factories import make_member, make_project, make_standard, make_user
from tests.ledger import helpers

pytestmark = pytest.mark.db


@pytest.fixture
def cast(app, session):
    return helpers.build_cast(session)


def test_whitelist_reads_the_members_record(cast, session):
    listed = sources.SOURCES["whitelist"].read(session, cast.recycler)
    assert (listed.score, listed.value) == (100, "已列入（第3批，再生利用）")
    assert listed.link == f"/members/{cast.recycler}"
    assert sources.SOURCES["whitelist"].read(session, cast.stranger).score == 0


def test_outlets_give_the_compliant_share_of_running_outlets(cast, session):
    reading = sources.SOURCES["outlets"].read(session, cast.operator)
    assert reading.value.startswith("1/2 个网点核查合规")
    assert reading.score == 50
    assert sources.SOURCES["outlets"].read(session, cast.stranger).score == 0


def test_standards_count_those_drafted_with_a_member_named_exactly(cast, session):
    staff = make_user(session, "staff")
    make_standard(session, staff, drafting_bodies="中国汽车技术研究中心有限公司\n黄河再生资源有限公司")
    make_standard(session, staff, number="GB/T 33598.2-2025", drafting_bodies="黄河再生资源有限公司、某研究院")
    make_standard(session, staff, number="GB/T 33598.3-2025", drafting_bodies="黄河再生资源", publish=True)
    make_standard(session, staff, number="GB/T 33598.4-2025", drafting_bodies="黄河再生资源有限公司", publish=False)
    reading = sources.SOURCES["standards"].read(session, cast.recycler)
    assert reading.value == "2 项"  # not the near name, not the unpublished draft
    assert reading.score == 50
    assert sources.SOURCES["standards"].read(session, cast.operator).score == 0


def test_projects_count_accepted_and_operating_ones(app, session):
    enterprise, admin = make_member(session)
    make_project(session, admin, state="operating")
    make_project(session, admin, state="approved")
    reading = sources.SOURCES["projects"].read(session, enterprise.id)
    assert reading.value == "已验收 0 个，运行中 1 个"
    assert reading.score == 20
    assert reading.link.startswith("/projects/")


def test_registry_and_ledger_read_reported_packs_and_deposits(cast, session):
    codes = helpers.register_packs(session, cast, ("60", "50"))
    billing.bill_deposits(session, helpers.user(session, cast.maker_email), codes)
    helpers.retire(session, cast, codes[0], "outlet")
    helpers.take_in(session, cast, codes[0], "outlet")
    session.commit()
    flows = sources.SOURCES["registry"].read(session, cast.operator)
    assert flows.value.startswith("入库 1 包，梯次利用 0 包，再生处置 0 包")
    assert flows.score == 0
    assert sources.SOURCES["registry"].read(session, cast.stranger).value == "无入库记录"
    deposits = sources.SOURCES["ledger"].read(session, cast.maker)
    assert (deposits.value, deposits.score) == (
        "缴存押金 2 包，已退还 1 包",
        100,
    )  # the intake at the 合规 outlet refunded one
    assert sources.SOURCES["ledger"].read(session, cast.operator).score == 0
