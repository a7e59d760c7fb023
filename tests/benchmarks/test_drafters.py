"""Drafting organisations (起草单位) of standards: ordered, linked to members by exact name, shown and edited."""

from __future__ import annotations

import pytest

from portal.library import services
from portal.library.models import Standard
from tests.factories import make_member, make_standard, make_user, standard_input

pytestmark = pytest.mark.db


def test_drafters_keep_their_order_and_link_only_exact_member_names(app, session):
    staff = make_user(session, "staff")
    member, _admin = make_member(session, name="烟台绿动再生资源有限公司")
    make_member(session, name="已拒绝的回收有限公司", status="rejected")
    standard = make_standard(
        session,
        staff,
        drafting_bodies="中国汽车技术研究中心有限公司\n烟台绿动再生资源有限公司、烟台绿动再生资源\n已拒绝的回收有限公司",
    )
    rows = [(d.position, d.name, d.enterprise_id) for d in standard.drafters]
    assert rows == [
        (0, "中国汽车技术研究中心有限公司", None),
        (1, "烟台绿动再生资源有限公司", member.id),
        (2, "烟台绿动再生资源", None),
        (3, "已拒绝的回收有限公司", None),
    ]
    data = standard_input(
        number=standard.number, drafting_bodies="烟台绿动再生资源有限公司；中国汽车技术研究中心有限公司"
    )
    services.update_standard(session, staff, standard.id, data)
    session.commit()
    session.expire_all()
    assert [d.name for d in session.get(Standard, standard.id).drafters] == [
        "烟台绿动再生资源有限公司",
        "中国汽车技术研究中心有限公司",
    ]


def test_the_standard_page_links_the_member_drafter_to_its_profile(app, client, session, login):
    staff = make_user(session, "staff")
    member, _admin = make_member(session, name="烟台绿动再生资源有限公司")
    standard = make_standard(session, staff, drafting_bodies="中国汽车技术研究中心有限公司\n烟台绿动再生资源有限公司")
    session.commit()
    page = client.get(f"/standards/{standard.id}").get_data(as_text=True)
    assert f'<a href="/members/{member.id}">烟台绿动再生资源有限公司</a>' in page
    assert "<li>中国汽车技术研究中心有限公司</li>" in page
    login(staff.email)
    edit = client.get(f"/staff/standards/{standard.id}/edit").get_data(as_text=True)
    assert "中国汽车技术研究中心有限公司\n烟台绿动再生资源有限公司" in edit
