"""What the public pages read in fewer queries: a member's outlets, its membership, the filter lists."""

from __future__ import annotations

import pytest

from portal.members import queries as member_queries
from portal.outlets import queries as outlet_queries
from portal.outlets.models import Outlet
from tests.factories import commit_and_index, make_member, make_outlet, make_standard, make_user

pytestmark = pytest.mark.db


def test_a_profile_lists_the_outlets_the_public_list_shows_in_its_order(session):
    enterprise, _admin = make_member(session, name="鲁风汽车销售服务有限公司")
    staff = make_user(session, "staff")
    operated = {"operator": enterprise.name, "operator_credit_code": enterprise.credit_code}
    for name, city, status in [
        ("乙网点", "烟台", "合规"),
        ("甲网点", "烟台", "待核查"),
        ("丙网点", "济南", "整改中"),
        ("丁网点", "济南", "已关闭"),
        ("戊网点", "青岛", "合规"),
    ]:
        make_outlet(session, staff, name=name, city=city, status=status, **operated)
    make_outlet(session, staff, name="别家网点")
    session.commit()
    columns = (Outlet.id, Outlet.code, Outlet.name, Outlet.status, Outlet.city, Outlet.address)
    shown = outlet_queries.public_of_operator(session, enterprise.id, *columns)
    expected = outlet_queries.public_of_operator(session, enterprise.id)
    assert len(shown) == 4  # the closed one is left out
    assert [(o.id, o.code, o.name, o.status, o.city, o.address) for o in shown] == [
        (o.id, o.code, o.name, o.status, o.city, o.address) for o in expected
    ]


def test_a_public_member_still_reads_what_it_does_not_load_at_once(session):
    enterprise, _admin = make_member(session, activities=("recycling", "testing"))
    session.commit()
    session.expunge_all()
    found = member_queries.public_member(session, enterprise.id)
    assert found is not None and found.membership is not None
    assert sorted(found.activities) == ["recycling", "testing"]  # loaded when read
    assert found.membership.payments == list(found.membership.payments)  # no error: loaded when read


def test_the_outlet_filter_lists_operators_after_a_change(client, session):
    staff = make_user(session, "staff")
    make_outlet(session, staff, operator="甲运营有限公司")
    commit_and_index(session)
    assert "甲运营有限公司（1）" in client.get("/outlets").get_data(as_text=True)
    make_outlet(session, staff, operator="乙运营有限公司")
    make_outlet(session, staff, operator="甲运营有限公司")
    commit_and_index(session)
    html = client.get("/outlets").get_data(as_text=True)
    assert "甲运营有限公司（2）" in html and "乙运营有限公司（1）" in html


def test_the_standard_years_follow_a_change(client, session):
    assert '<option value="1999"' not in client.get("/standards").get_data(as_text=True)
    make_standard(session, number="GB/T 19001-1999", published_on="1999-06-01", effective_on="1999-12-01")
    commit_and_index(session)
    assert '<option value="1999"' in client.get("/standards").get_data(as_text=True)
