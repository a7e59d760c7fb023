"""The public member directory /members and public profiles."""

from __future__ import annotations

import re

import pytest

from portal.members.models import Enterprise
from tests.factories import make_application, make_enterprise, make_member
from tests.members.helpers import text_of

pytestmark = pytest.mark.db

YANTAI_RECYCLER = "烟台蓝海动力电池回收有限公司"
JINAN_INSTITUTE = "济南新能源汽车研究院"
QINGDAO_CASCADE = "青岛储能梯次利用科技有限公司"
YANTAI_MAKER = "烟台动力电池制造有限公司"
APPLICANT = "烟台申请中电池回收有限公司"
REJECTED = "烟台未通过回收有限公司"


@pytest.fixture
def directory(session, at):
    at("2026-05-10 10:00")
    make_member(session, name=YANTAI_RECYCLER, city="370600", activities=("recycling",), tier="council")
    make_member(session, name=JINAN_INSTITUTE, city="370100", activities=("research", "testing"), tier="member")
    make_member(session, name=QINGDAO_CASCADE, city="370200", activities=("cascade_use", "recycling"), tier="member")
    make_member(
        session, name=YANTAI_MAKER, city="370600", activities=("battery_maker",), tier="vice_president", state="lapsed"
    )
    application, _ = make_application(session)
    application.enterprise.name = APPLICANT
    make_enterprise(session, name=REJECTED, status="rejected", city="370600")
    ids = {e.name: e.id for e in session.query(Enterprise)}
    session.commit()
    session.close()
    return ids


ALL_MEMBERS = {YANTAI_RECYCLER, JINAN_INSTITUTE, QINGDAO_CASCADE, YANTAI_MAKER}
EVERYONE = ALL_MEMBERS | {APPLICANT, REJECTED}


def listed(client, query: str = "") -> tuple[set[str], int, str]:
    response = client.get(f"/members{query}")
    assert response.status_code == 200
    text = text_of(response)
    total = int(re.search(r"共 (\d+) 家会员单位", text).group(1))
    return {name for name in EVERYONE if name in text}, total, text


def test_only_approved_members_are_listed(client, directory):
    names, total, _ = listed(client)
    assert names == ALL_MEMBERS
    assert total == 4


FILTERS = [
    ("?city=370600", {YANTAI_RECYCLER, YANTAI_MAKER}),
    ("?city=烟台", {YANTAI_RECYCLER, YANTAI_MAKER}),
    ("?city=烟台市", {YANTAI_RECYCLER, YANTAI_MAKER}),
    ("?city=Jinan", {JINAN_INSTITUTE}),
    ("?activity=recycling", {YANTAI_RECYCLER, QINGDAO_CASCADE}),
    ("?activity=再生利用", {YANTAI_RECYCLER, QINGDAO_CASCADE}),
    ("?activity=高校", {JINAN_INSTITUTE}),
    ("?tier=council", {YANTAI_RECYCLER}),
    ("?tier=理事单位", {YANTAI_RECYCLER}),
    ("?tier=会员单位&city=青岛", {QINGDAO_CASCADE}),
    ("?activity=梯次利用&city=烟台", set()),
    ("?q=动力电池", {YANTAI_RECYCLER, YANTAI_MAKER}),
    ("?q=研究院", {JINAN_INSTITUTE}),
    ("?q=回收", {YANTAI_RECYCLER}),  # the applicant and the rejected one are not found either
    ("?q=100%", set()),
    ("?q=_", set()),
]


def test_filters_take_codes_or_chinese_labels(client, directory, subtests):
    for query, expected in FILTERS:
        with subtests.test(msg=query):
            names, total, _ = listed(client, query)
            assert names == expected
            assert total == len(expected)


def test_search_by_credit_code(client, session, directory):
    code = session.get(Enterprise, directory[QINGDAO_CASCADE]).credit_code
    session.close()
    names, _, _ = listed(client, f"?q={code.lower()}")
    assert names == {QINGDAO_CASCADE}


def test_unknown_filter_value_is_named(client, directory):
    names, total, text = listed(client, "?city=北京")
    assert "无法识别的取值：北京" in text
    assert names == ALL_MEMBERS  # the unknown filter is not applied
    assert total == 4


def test_public_profiles_only_for_members(client, directory):
    profile = client.get(f"/members/{directory[YANTAI_RECYCLER]}")
    assert profile.status_code == 200
    text = text_of(profile)
    assert YANTAI_RECYCLER in text
    assert "理事单位" in text
    assert "烟台市" in text
    assert "会员状态：有效" in text
    assert "会员状态：已失效" in text_of(client.get(f"/members/{directory[YANTAI_MAKER]}"))
    assert client.get(f"/members/{directory[APPLICANT]}").status_code == 404
    assert client.get(f"/members/{directory[REJECTED]}").status_code == 404
    assert client.get("/members/999999").status_code == 404
