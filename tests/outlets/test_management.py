"""Who may change outlets, and what a change does to the public status and its history."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.errors import Forbidden
from portal.outlets import queries, services
from portal.outlets.models import Outlet, OutletStatusChange
from tests.factories import make_member, make_outlet, make_user, outlet_input

pytestmark = pytest.mark.db

FORM = {
    "code": "M00001",
    "name": "本企业网点",
    "type": "collection",
    "city": "370100",
    "district": "历下区",
    "address": "济南市历下区经十路1号",
    "phone": "0531-88888888",
    "coordinate_system": "wgs84",
}


def test_member_admin_adds_own_outlet_as_pending_and_cannot_touch_others(app, client, session, login):
    enterprise, admin = make_member(session, role="member_admin")
    other, _ = make_member(session)
    staff = make_user(session, "staff")
    theirs = make_outlet(session, staff, operator=other.name, operator_credit_code=other.credit_code)
    session.commit()
    login(admin.email)
    response = client.post("/outlets/new", data={**FORM, "status": "compliant"})
    assert response.status_code == 302
    mine = session.scalar(select(Outlet).where(Outlet.code == "M00001"))
    assert mine.operator_enterprise_id == enterprise.id and mine.operator_name == enterprise.name
    assert mine.status == "pending"  # a member cannot declare its own outlet compliant
    session.rollback()
    assert client.get(f"/outlets/{theirs.code}/edit").status_code == 403
    response = client.post(f"/outlets/{theirs.code}/edit", data={**FORM, "code": theirs.code, "name": "改名"})
    assert response.status_code == 403
    assert client.post(f"/outlets/{theirs.code}/status", data={"status": "closed"}).status_code == 403
    session.expire_all()
    assert session.get(Outlet, theirs.id).name != "改名"
    with pytest.raises(Forbidden):
        services.update_outlet(session, admin, theirs.id, outlet_input(code=theirs.code))


@pytest.mark.parametrize("role", ["member_editor", "observer", "reviewer"])
def test_other_roles_cannot_add_outlets(app, client, session, login, role):
    if role == "member_editor":
        _, user = make_member(session, role="member_editor")
    else:
        user = make_user(session, role)
    session.commit()
    login(user.email)
    assert client.get("/outlets/new").status_code == 403
    assert client.post("/outlets/new", data=FORM).status_code == 403
    session.rollback()
    assert session.scalar(select(Outlet.id)) is None


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/outlets/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/staff/outlets/import").status_code == 302


def test_moving_a_verified_outlet_sends_it_back_to_pending_with_history(app, session):
    enterprise, admin = make_member(session, role="member_admin")
    staff = make_user(session, "staff")
    outlet = make_outlet(session, staff, operator=enterprise.name, operator_credit_code=enterprise.credit_code)
    services.set_status(session, staff, outlet.id, "合规", "现场核查通过", verified_on=outlet.created_at.date())
    assert outlet.status == "compliant"
    services.update_outlet(
        session,
        admin,
        outlet.id,
        outlet_input(
            code=outlet.code,
            name="改名不需要重新核查",
            address=outlet.address,
            district=outlet.district,
            lat=str(outlet.lat),
            lon=str(outlet.lon),
        ),
    )
    assert outlet.status == "compliant"
    services.update_outlet(session, admin, outlet.id, outlet_input(code=outlet.code, address="烟台市芝罘区南大街1号"))
    assert outlet.status == "pending"
    steps = [(h.from_status, h.to_status) for h in queries.history(session, outlet.id)]
    assert steps == [(None, "pending"), ("pending", "compliant"), ("compliant", "pending")]


def test_staff_see_status_history_and_the_public_does_not(app, client, session, login):
    staff = make_user(session, "staff")
    outlet = make_outlet(session, staff)
    services.set_status(session, staff, outlet.id, "整改中", "消防器材不足")
    session.commit()
    assert "消防器材不足" not in client.get(f"/outlets/{outlet.code}").get_data(as_text=True)
    login(staff.email)
    page = client.get(f"/outlets/{outlet.code}").get_data(as_text=True)
    assert "状态变更记录" in page and "消防器材不足" in page
    assert session.scalar(select(OutletStatusChange.reason).order_by(OutletStatusChange.id.desc())) == "消防器材不足"


def test_type_limits_are_checked(session):
    staff = make_user(session, "staff")
    from portal.errors import DomainError

    with pytest.raises(DomainError) as err:
        make_outlet(session, staff, type="收集型", storage_area="8", capacity="6")
    assert "10平方米" in err.value.fields["storage_area"] or "10平方米" in err.value.fields.get("capacity", "")
    with pytest.raises(DomainError) as err:
        make_outlet(session, staff, type="集中贮存型", capacity="20")
    assert "30吨" in err.value.fields["capacity"]


def test_export_has_chinese_headers_and_a_bom(app, client, session):
    staff = make_user(session, "staff")
    make_outlet(session, staff, name="导出测试网点")
    session.commit()
    from portal import search

    search.catch_up()
    body = client.get("/outlets/export.csv").data
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("网点编号,网点名称,运营企业")
    assert "导出测试网点" in text and "烟台市" in text and "收集型" in text
    xlsx = client.get("/outlets/export.xlsx", query_string={"q": "导出"})
    from io import BytesIO

    from openpyxl import load_workbook

    rows = list(load_workbook(BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert rows[0][0] == "网点编号" and rows[1][1] == "导出测试网点"


def test_car_makers_served_are_chosen_among_member_vehicle_makers(app, client, session, login):
    maker, _maker_user = make_member(session, name="鲁风新能源汽车有限公司", activities=("vehicle_maker",))
    recycler, _ = make_member(session, name="某再生利用企业", activities=("recycling",))
    enterprise, admin = make_member(session, role="member_admin")
    _other, other_admin = make_member(session, role="member_admin")
    staff = make_user(session, "staff")
    outlet = make_outlet(session, staff, operator=enterprise.name, operator_credit_code=enterprise.credit_code)
    session.commit()
    login(other_admin.email)
    assert client.post(f"/outlets/{outlet.code}/makers", data={"makers": [maker.id]}).status_code == 403
    client.post("/logout")
    login(admin.email)
    response = client.post(f"/outlets/{outlet.code}/makers", data={"makers": [recycler.id]})
    assert response.status_code == 303  # not a vehicle maker: refused, nothing saved
    session.expire_all()
    assert session.get(Outlet, outlet.id).makers == []
    assert client.post(f"/outlets/{outlet.code}/makers", data={"makers": [maker.id]}).status_code == 302
    page = client.get(f"/outlets/{outlet.code}").get_data(as_text=True)
    assert "鲁风新能源汽车有限公司" in page
    assert client.get(f"/api/v1/outlets/{outlet.code}").get_json()["car_maker_ids"] == [maker.id]


def test_an_old_short_district_name_is_written_out_without_sending_the_outlet_back(session):
    staff = make_user(session, "staff")
    outlet = make_outlet(session, staff, status="合规")
    outlet.district = "开发区"  # as imports stored it before districts were data
    session.flush()
    edit = outlet_input(code=outlet.code, district="开发区", phone="0535-7777777")  # the old short name again
    services.update_outlet(session, staff, outlet.id, edit)
    assert (outlet.district, outlet.status, outlet.phone) == ("烟台经济技术开发区", "compliant", "0535-7777777")
    services.update_outlet(session, staff, outlet.id, outlet_input(code=outlet.code, district="福山区"))
    assert outlet.status == "pending"  # a real move still asks for a new check


def test_normalise_districts_renames_aliases_only_and_staff_only(session):
    from portal.core.actors import system

    staff = make_user(session, "staff")
    short, full = make_outlet(session, staff, status="合规"), make_outlet(session, staff, district="芝罘区")
    short.district = "开发区"
    session.flush()
    with pytest.raises(Forbidden):
        services.normalise_districts(session, make_member(session)[1])
    assert services.normalise_districts(session, system("test")) == 1
    assert (short.district, short.status, full.district) == ("烟台经济技术开发区", "compliant", "芝罘区")
    assert services.normalise_districts(session, system("test")) == 0


def test_the_normalise_districts_command(runner, session):
    outlet = make_outlet(session, make_user(session, "staff"))
    outlet.district = "烟台开发区"
    session.commit()
    result = runner.invoke(args=["outlets", "normalise-districts"])
    assert result.exit_code == 0 and "1 outlets renamed their district" in result.output
    session.expire_all()
    assert session.get(Outlet, outlet.id).district == "烟台经济技术开发区"
