"""The member area's navigation and the member's own outlets list, tried from each side."""

from __future__ import annotations

import re

import pytest

from tests.factories import PASSWORD, make_member, make_outlet, make_user
from tests.members.helpers import text_of

pytestmark = pytest.mark.db

ADMIN_ONLY = {
    "/account/users": "同事账户",
    "/account/outlets": "本企业网点",
    "/account/whitelist": "白名单申请",
    "/account/tokens": "接口令牌",
}
EVERY_MEMBER = {
    "/account": "概览",
    "/account/profile": "企业资料",
    "/account/inspections": "核查结果",
    "/registry/account": "电池溯源台账",
    "/account/projects": "示范项目",
    "/notifications": "通知",
    "/account/password": "修改密码",
}


WITH_NAV = (
    "/account",
    "/account/profile",
    "/account/users",
    "/account/whitelist",
    "/account/outlets",
    "/account/inspections",
)


def nav_links(response) -> dict[str, str]:
    html = response.get_data(as_text=True)
    nav = re.search(r'<nav class="subnav account-nav".*?</nav>', html, re.S)
    assert nav, "no account nav"
    return {href: label.strip() for href, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav.group(0))}


def test_a_member_admin_reaches_every_account_page_from_the_nav(client, session, login):
    _, admin = make_member(session)
    session.commit()
    login(admin.email, PASSWORD)
    links = nav_links(client.get("/account"))
    for path, label in {**ADMIN_ONLY, **EVERY_MEMBER}.items():
        assert links.get(path) == label, path
        page = client.get(path)
        assert page.status_code == 200, path
    for path in WITH_NAV:  # the pages of the member area carry the nav themselves
        assert "/account/outlets" in nav_links(client.get(path)), path


def test_an_editor_sees_no_admin_links_and_is_refused_them(client, session, login):
    enterprise, _ = make_member(session)
    editor = make_user(session, "member_editor", enterprise=enterprise)
    session.commit()
    login(editor.email, PASSWORD)
    links = nav_links(client.get("/account"))
    for path in ADMIN_ONLY:
        assert path not in links
        assert client.get(path).status_code == 403, path
    for path in EVERY_MEMBER:
        assert path in links


def test_anonymous_and_staff_get_no_account_nav(client, session, login):
    assert client.get("/account/outlets").status_code in (302, 401)
    staff = make_user(session, "staff")
    session.commit()
    login(staff.email, PASSWORD)
    assert client.get("/account/outlets").status_code == 403
    assert "account-nav" not in client.get("/notifications").get_data(as_text=True)


@pytest.fixture
def own_outlets(session):
    _, admin = make_member(session)
    made = [make_outlet(session, admin, name=f"本企业网点{i:02d}", code=f"MINE-{i:03d}") for i in range(25)]
    made[0].address = "济南市历下区泉城路1号"
    made[1].status = "compliant"
    _, other_admin = make_member(session)
    make_outlet(session, other_admin, name="别家网点", code="OTHER-001", address="济南市历下区泉城路2号")
    session.commit()
    return admin, made


def test_own_outlets_are_searched_filtered_and_paged(client, login, own_outlets):
    admin, _ = own_outlets
    login(admin.email, PASSWORD)
    first = text_of(client.get("/account/outlets"))
    assert "MINE-000" in first and "MINE-019" in first and "MINE-020" not in first
    assert "共 25 条" in first and "别家网点" not in first
    assert "MINE-024" in text_of(client.get("/account/outlets?page=2"))
    by_address = text_of(client.get("/account/outlets?q=泉城路"))
    assert "MINE-000" in by_address and "MINE-002" not in by_address and "OTHER-001" not in by_address
    assert "MINE-005" in text_of(client.get("/account/outlets?q=mine-005"))
    compliant = text_of(client.get("/account/outlets?status=compliant"))
    assert "MINE-001" in compliant and "MINE-000" not in compliant
    assert "没有符合条件的网点" in text_of(client.get("/account/outlets?q=100%25"))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=nope", "没有这个网点状态"),
        ("page=0", "page 必须是正整数"),
        ("q=" + "长" * 101, "搜索词不能超过 100 个字"),
    ],
)
def test_bad_list_arguments_get_a_chinese_error(client, login, own_outlets, query, message):
    login(own_outlets[0].email, PASSWORD)
    response = client.get(f"/account/outlets?{query}")
    assert response.status_code == 422
    assert message in text_of(response)


def test_a_verified_outlet_says_it_goes_back_to_pending_before_and_after(client, session, login, own_outlets):
    admin, made = own_outlets
    login(admin.email, PASSWORD)
    form = client.get("/outlets/MINE-001/edit")
    assert "回到“待核查”" in text_of(form)
    assert "回到“待核查”" not in text_of(client.get("/outlets/MINE-002/edit"))
    assert "SD-JN-0001" in text_of(form)  # the code's format hint
    data = {
        "code": "MINE-001",
        "name": "本企业网点01",
        "type": "收集型",
        "city": "370600",
        "address": "烟台市芝罘区南大街100号",
        "phone": "0535-6666666",
        "lat": "37.55",
        "lon": "121.25",
    }
    saved = client.post("/outlets/MINE-001/edit", data=data, follow_redirects=True)
    assert "网点已回到“待核查”" in text_of(saved)
    session.expire_all()
    session.refresh(made[1])
    assert made[1].status == "pending"
