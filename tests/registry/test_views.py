"""The registry in the browser: members report and confirm moves, upload files, export; others are refused."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.registry.models import Battery, BatteryEvent, BatteryTransfer
from tests.factories import battery_code, make_member, make_user
from tests.registry.conftest import in_car

pytestmark = pytest.mark.db


def _count(session, model) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def test_a_car_maker_reports_a_retirement_and_the_outlet_operator_confirms_it(world, api, client, login):
    code = in_car(world, api)
    login(world.car.email)
    page = client.get(f"/registry/batteries/{code}").get_data(as_text=True)
    assert "报送下一事件" in page and "退役" in page
    sent = client.post(
        f"/registry/batteries/{code}/events",
        data={
            "event": "retired",
            "occurred_at": "2026-11-02 09:00",
            "counterparty_credit_code": world.outlet_operator.credit_code,
            "outlet_code": world.outlet_code,
        },
    )
    assert sent.status_code == 303
    page = client.get(f"/registry/batteries/{code}").get_data(as_text=True)
    assert "移交途中" in page and "等待 烟台回收网点运营有限公司 确认接收" in page
    client.get("/logout")

    login(world.outlet_operator.email)
    waiting = client.get("/registry/account").get_data(as_text=True)
    assert code in waiting and "待确认接收" in waiting
    assert code in client.get("/account").get_data(as_text=True)
    decide = client.get(f"/registry/batteries/{code}").get_data(as_text=True)
    assert "确认接收" in decide and "拒收" in decide
    confirmed = client.post(
        f"/registry/batteries/{code}/receipt", data={"event": "outlet_intake", "occurred_at": "2026-11-02 09:30"}
    )
    assert confirmed.status_code == 303
    page = client.get(f"/registry/batteries/{code}").get_data(as_text=True)
    assert "回收网点贮存" in page and "已于" in page


def test_a_bad_report_shows_the_reason_on_the_form_and_changes_nothing(world, api, client, login, session):
    code = in_car(world, api)
    before = _count(session, BatteryEvent)
    login(world.car.email)
    answer = client.post(
        f"/registry/batteries/{code}/events", data={"event": "retired", "occurred_at": "2026-11-02 09:00"}
    )
    assert answer.status_code == 422
    assert "请填写接收方的统一社会信用代码" in answer.get_data(as_text=True)
    assert _count(session, BatteryEvent) == before


def test_another_member_cannot_see_or_move_the_battery(world, api, client, login, session):
    code = in_car(world, api)
    login(world.stranger.email)
    assert client.get(f"/registry/batteries/{code}").status_code == 404
    assert (
        client.post(
            f"/registry/batteries/{code}/events",
            data={
                "event": "retired",
                "occurred_at": "2026-11-02 09:00",
                "counterparty_credit_code": world.stranger.credit_code,
            },
        ).status_code
        == 404
    )
    assert client.post(f"/registry/batteries/{code}/refuse", data={"reason": "不要"}).status_code == 404
    assert _count(session, BatteryTransfer) == 1  # only the sale


def test_the_public_sees_nothing_about_individual_batteries(world, api, client):
    code = in_car(world, api)
    assert client.get(f"/registry/batteries/{code}").status_code == 302
    assert client.get("/registry/account").status_code == 302
    assert client.get("/registry/staff").status_code == 302
    assert client.post(f"/registry/batteries/{code}/refuse", data={"reason": "x"}).status_code == 302
    checker = client.get("/tools/battery-code", query_string={"codes": code}).get_data(as_text=True)
    assert "2024-03-15" in checker and "鲁风" not in checker


def test_staff_and_observers_see_every_battery_only_staff_move_it(world, api, client, login, session):
    code = in_car(world, api)
    observer = make_user(session, "observer")
    session.commit()
    login(observer.email)
    listing = client.get("/registry/staff").get_data(as_text=True)
    assert code in listing
    page = client.get(f"/registry/batteries/{code}").get_data(as_text=True)
    assert "溯源链" in page and "报送下一事件" not in page
    assert (
        client.post(
            f"/registry/batteries/{code}/events",
            data={
                "event": "retired",
                "occurred_at": "2026-11-02 09:00",
                "counterparty_credit_code": world.recycler.credit_code,
            },
        ).status_code
        == 422
    )
    assert _count(session, BatteryTransfer) == 1


def test_the_receiver_refuses_with_a_reason_and_the_sender_is_told(world, api, client, login, session):
    code = battery_code()
    api("POST", "/batteries", world.maker.token, json={"code": code, "rated_capacity_kwh": 60, "mass_kg": 420})
    api(
        "POST",
        f"/batteries/{code}/events",
        world.maker.token,
        json={"event": "sold", "occurred_at": "2026-11-02 08:00", "counterparty_credit_code": world.car.credit_code},
    )
    login(world.car.email)
    empty = client.post(f"/registry/batteries/{code}/refuse", data={"reason": ""})
    assert empty.status_code == 422 and "请说明拒收的原因" in empty.get_data(as_text=True)
    assert client.post(f"/registry/batteries/{code}/refuse", data={"reason": "外壳破损"}).status_code == 303
    client.get("/logout")
    login(world.maker.email)
    assert "被拒收" in client.get("/notifications").get_data(as_text=True)
    assert "外壳破损" in client.get(f"/registry/batteries/{code}").get_data(as_text=True)


def test_register_one_battery_with_the_form(world, client, login, session):
    login(world.maker.email)
    bad = client.post("/registry/register", data={"code": "S7DPB01", "rated_capacity_kwh": "60", "mass_kg": "x"})
    assert bad.status_code == 422
    assert "应为24位" in bad.get_data(as_text=True) and "应为数字" in bad.get_data(as_text=True)
    code = battery_code()
    spaced = " ".join(code[i : i + 4] for i in range(0, 24, 4)).lower()
    done = client.post("/registry/register", data={"code": spaced, "rated_capacity_kwh": "60.5", "mass_kg": "410"})
    assert done.status_code == 303 and done.headers["Location"].endswith(code)
    assert _count(session, Battery) == 1


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("gb18030")


def test_an_upload_with_one_bad_row_writes_nothing_and_names_row_column_and_reason(world, client, login, session):
    login(world.maker.email)
    rows = [f"{battery_code()},60,400" for _ in range(1500)]
    rows[1200] = "S7DPB01XX,60,400"
    answer = client.post(
        "/registry/upload",
        data={"kind": "batteries", "file": (io.BytesIO(_csv("电池编码,额定能量,质量", *rows)), "b.csv")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "<td>1202</td>" in page and "电池编码/code" in page
    assert _count(session, Battery) == 0


def test_an_upload_of_batteries_then_events_and_the_export_carries_every_field(world, client, login, session):
    login(world.maker.email)
    codes = [battery_code() for _ in range(3)]
    ok = client.post(
        "/registry/upload",
        data={
            "kind": "batteries",
            "file": (io.BytesIO(_csv("code,rated_capacity_kwh,mass_kg", *[f"{c},60,400" for c in codes])), "b.csv"),
        },
        content_type="multipart/form-data",
    )
    assert ok.status_code == 201 and "已写入 3 行" in ok.get_data(as_text=True)
    lines = [f"{c},销售,2026-11-02 09:00,{world.car.credit_code}" for c in codes]
    events = client.post(
        "/registry/upload",
        data={
            "kind": "events",
            "file": (io.BytesIO(_csv("电池编码,事件,发生时间,对方统一社会信用代码", *lines)), "e.csv"),
        },
        content_type="multipart/form-data",
    )
    assert events.status_code == 201, events.get_data(as_text=True)[-2000:]
    assert _count(session, BatteryTransfer) == 3

    exported = client.get("/registry/export.xlsx")
    sheet = load_workbook(io.BytesIO(exported.data)).active
    header = [c.value for c in sheet[1]]
    assert "对方统一社会信用代码" in header and "超期（工作日）" in header and "回收锂(kg)" in header
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert len(rows) == 6  # three productions and three sales
    sale = next(r for r in rows if r[header.index("事件代码")] == "sold")
    assert sale[header.index("对方统一社会信用代码")] == world.car.credit_code
    assert sale[header.index("移交状态")] == "pending"
    csv_text = client.get("/registry/export.csv").data.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("事件ID,电池编码")
    client.get("/logout")
    login(world.stranger.email)
    other = load_workbook(io.BytesIO(client.get("/registry/export.xlsx").data)).active
    assert other.max_row == 1  # only the header: none of it concerns this member


def test_an_applicant_cannot_use_the_registry(session, client, login):
    _enterprise, user = make_member(session, status="applicant")
    session.commit()
    login(user.email)
    answer = client.post("/registry/register", data={"code": battery_code(), "rated_capacity_kwh": "1", "mass_kg": "1"})
    assert answer.status_code == 422 and "已入会" in answer.get_data(as_text=True)
    assert _count(session, Battery) == 0


def test_the_lifecycle_rules_page_is_public_and_shows_the_deadlines(client):
    page = client.get("/registry/lifecycle").get_data(as_text=True)
    assert "网点入库" in page and "30 个工作日" in page and "outlet_intake" in page
