"""Bulk import: formats, encodings, every bad row reported, nothing half-written, idempotent."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from portal.core.actors import system
from portal.outlets.importer import import_outlets
from portal.outlets.models import Outlet, OutletStatusChange

pytestmark = pytest.mark.db

IMPORTER = system("test:import")

HEADER_ZH = "网点编号,网点名称,运营企业,统一社会信用代码,城市,区县,详细地址,网点类型,联系人,联系电话,经度,纬度,状态"
HEADER_EN = "code,name,operator,operator_credit_code,city,district,address,type,contact,phone,lon,lat,status"
GOOD = [
    "SD1,烟台长江路网点,鲁风汽车销售服务有限公司,91370303MAKEJDBW7N,烟台,开发区,烟台市开发区长江路188号,收集型,张三,0535-6666666,121.25,37.55,合规",
    "SD2,青岛黄岛集中贮存中心,海湾动力,,370200,黄岛区,青岛市黄岛区江山中路1066号,centralized,李四,13800138000,120.18,35.96,",
]


def csv_bytes(*lines: str, header: str = HEADER_ZH, encoding: str = "utf-8") -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode(encoding)


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Outlet))


def test_a_clean_file_is_imported_and_reimporting_changes_nothing(session):
    report = import_outlets(session, csv_bytes(*GOOD), "outlets.csv", actor=IMPORTER)
    session.commit()
    assert (report.created, report.updated, report.unchanged, report.rejected) == (2, 0, 0, 0)
    first = session.scalar(select(Outlet).where(Outlet.code == "SD1"))
    assert first.city == "370600" and first.type == "collection" and first.status == "compliant"
    assert first.operator_credit_code == "91370303MAKEJDBW7N"
    again = import_outlets(session, csv_bytes(*GOOD), "outlets.csv", actor=IMPORTER)
    session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert session.scalar(select(func.count()).select_from(OutletStatusChange)) == 2


def test_a_changed_row_updates_by_code(session):
    import_outlets(session, csv_bytes(*GOOD), "outlets.csv", actor=IMPORTER)
    changed = GOOD[1].replace("李四", "王五")
    report = import_outlets(session, csv_bytes(GOOD[0], changed), "outlets.csv", actor=IMPORTER)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert session.scalar(select(Outlet.contact_name).where(Outlet.code == "SD2")) == "王五"


def test_english_headers_gbk_encoding_and_xlsx(session):
    gbk = csv_bytes(*GOOD, header=HEADER_EN, encoding="gbk")
    report = import_outlets(session, gbk, "outlets.csv", actor=IMPORTER)
    assert report.created == 2 and report.written
    assert session.scalar(select(Outlet.name).where(Outlet.code == "SD1")) == "烟台长江路网点"

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER_ZH.split(","))
    sheet.append(
        [
            "SD3",
            "潍坊网点",
            "齐鲁客车",
            "",
            "潍坊",
            "奎文区",
            "潍坊市奎文区胜利东街1号",
            "收集型",
            "赵六",
            13800138001,
            119.16,
            36.71,
            "待核查",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = import_outlets(session, buffer.getvalue(), "outlets.xlsx", actor=IMPORTER)
    assert report.created == 1, report.errors
    assert session.scalar(select(Outlet.phone).where(Outlet.code == "SD3")) == "13800138001"


def test_every_bad_row_is_reported_and_nothing_is_written(session):
    bad = [
        GOOD[0],
        "SD4,北京网点,某公司,,北京,朝阳区,北京市朝阳区某路1号,收集型,张三,0535-6666666,,,",
        "SD5,电话错误,某公司,,济南,历下区,济南市历下区某路1号,收集型,张三,12345,,,",
        "SD6,代码错误,某公司,91370303MAKEJDBW7X,济南,历下区,济南市历下区某路1号,收集型,张三,,,,",
        "SD1,重复编号,某公司,,济南,历下区,济南市历下区某路2号,收集型,张三,,,,",
        "SD7,坐标在外省,某公司,,济南,历下区,济南市历下区某路3号,收集型,张三,,116.40,39.90,",
        "SD8,类型错误,某公司,,济南,历下区,济南市历下区某路4号,大型,张三,,,,",
        "SD9,状态错误,某公司,,济南,历下区,济南市历下区某路5号,收集型,张三,,,,营业中",
    ]
    report = import_outlets(session, csv_bytes(*bad), "outlets.csv", actor=IMPORTER)
    assert not report.written
    assert count(session) == 0
    by_row = {(e.row, e.column): e.message for e in report.errors}
    assert "未知城市" in by_row[(3, "城市")]
    assert "联系电话" in by_row[(4, "联系电话")]
    assert "校验" in by_row[(5, "统一社会信用代码")]
    assert "与第2行重复" in by_row[(6, "网点编号")]
    assert "不在山东省范围内" in by_row[(7, "纬度")]
    assert "收集型" in by_row[(8, "网点类型")]
    assert "状态" in by_row[(9, "状态")]
    assert report.rejected == 7


def test_a_wrong_longitude_is_reported_under_its_own_column(session):
    rows = [
        "SD10,经度错误,某公司,,济南,历下区,济南市历下区某路6号,收集型,张三,,130.0,36.6,",
        "SD11,只填经度,某公司,,济南,历下区,济南市历下区某路7号,收集型,张三,,117.0,,",
        "SD12,只填纬度,某公司,,济南,历下区,济南市历下区某路8号,收集型,张三,,,36.6,",
        "SD13,都在外省,某公司,,济南,历下区,济南市历下区某路9号,收集型,张三,,130.0,20.0,",
    ]
    report = import_outlets(session, csv_bytes(*rows), "outlets.csv", actor=IMPORTER)
    by_row = {(e.row, e.column): e.message for e in report.errors}
    assert "不在山东省范围内" in by_row[(2, "经度")] and (2, "纬度") not in by_row
    assert "同时填写" in by_row[(3, "纬度")] and (3, "经度") not in by_row  # under the one left empty
    assert "同时填写" in by_row[(4, "经度")] and (4, "纬度") not in by_row
    assert (5, "经度") in by_row and (5, "纬度") in by_row
    assert count(session) == 0


def test_skip_invalid_writes_the_valid_rows(session):
    bad = "SD4,北京网点,某公司,,北京,朝阳区,北京市朝阳区某路1号,收集型,张三,,,,"
    report = import_outlets(session, csv_bytes(GOOD[0], bad, GOOD[1]), "x.csv", actor=IMPORTER, skip_invalid=True)
    assert report.written and (report.created, report.rejected) == (2, 1)
    assert count(session) == 2


def test_gcj02_coordinates_are_converted_to_wgs84(session):
    line = "SD1,烟台网点,某公司,,烟台,开发区,烟台市开发区长江路188号,收集型,张三,,121.255,37.552,"
    import_outlets(session, csv_bytes(line), "x.csv", actor=IMPORTER, coordinate_system="gcj02")
    outlet = session.scalar(select(Outlet))
    # GCJ-02 is offset by a few hundred metres from WGS-84 in Shandong
    assert 0.001 < abs(outlet.lon - 121.255) < 0.01 and 0.0005 < abs(outlet.lat - 37.552) < 0.01


def test_unreadable_files_are_refused_as_a_whole(session):
    from portal.outlets.importer import FileError

    with pytest.raises(FileError, match="缺少必需的列"):
        import_outlets(session, b"code,name\nSD1,x\n", "x.csv", actor=IMPORTER)
    with pytest.raises(FileError, match="XLSX"):
        import_outlets(session, b"PK\x03\x04broken", "x.xlsx", actor=IMPORTER)
    with pytest.raises(FileError, match="CSV 或 XLSX"):
        import_outlets(session, b"%PDF-1.4", "x.pdf", actor=IMPORTER)


def test_changing_the_address_of_a_verified_outlet_sends_it_back_to_pending(session):
    import_outlets(session, csv_bytes(GOOD[0]), "x.csv", actor=IMPORTER)
    moved = GOOD[0].replace("长江路188号", "长江路200号").removesuffix("合规")
    report = import_outlets(session, csv_bytes(moved), "x.csv", actor=IMPORTER)
    assert report.updated == 1
    assert session.scalar(select(Outlet.status).where(Outlet.code == "SD1")) == "pending"


def test_cli_import_reports_and_applies_index(app, runner, tmp_path):
    from portal import search

    path = tmp_path / "outlets.csv"
    path.write_bytes(csv_bytes(*GOOD))
    result = runner.invoke(args=["outlets", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "created 2" in result.output
    assert search.engine().count("outlet") == 2  # the command applied its own changes to the index
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes("SD9,x,某公司,,北京,,北京市某路1号,收集型,,,,,"))
    result = runner.invoke(args=["outlets", "import", str(bad)])
    assert result.exit_code == 1
    assert "第2行 [城市]" in result.output and "nothing written" in result.output


def test_staff_upload_page(app, client, session, login):
    from tests.factories import make_user

    staff = make_user(session, "staff")
    member = make_user(session, "observer")
    session.commit()
    login(member.email)
    assert client.get("/staff/outlets/import").status_code == 403
    client.post("/logout")
    login(staff.email)
    response = client.post(
        "/staff/outlets/import",
        data={
            "file": (io.BytesIO(csv_bytes(GOOD[0], "SD4,x,某公司,,北京,,北京市某路1号,收集型,,,,,")), "o.csv"),
            "coordinate_system": "wgs84",
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "未写入任何数据" in page and "未知城市" in page
    assert count(session) == 0
    session.rollback()  # the test's writing session must not hold SQLite's write lock during the next request
    response = client.post(
        "/staff/outlets/import",
        data={"file": (io.BytesIO(csv_bytes(*GOOD)), "o.csv"), "coordinate_system": "wgs84"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "新增 2" in response.get_data(as_text=True)
    session.rollback()
    assert count(session) == 2


def test_an_import_goes_through_the_outlet_services_and_leaves_one_audit_entry(session):
    from portal.core.audit import AuditEntry
    from portal.outlets import queries

    report = import_outlets(session, csv_bytes(*GOOD), "outlets.csv", actor=IMPORTER)
    moved = GOOD[0].replace("长江路188号", "长江路200号").removesuffix("合规")
    import_outlets(session, csv_bytes(moved, GOOD[1]), "moved.csv", actor=IMPORTER)
    assert report.created == 2
    first = session.scalar(select(Outlet).where(Outlet.code == "SD1"))
    steps = [(h.from_status, h.to_status, h.reason, h.actor_label) for h in queries.history(session, first.id)]
    label = "system:test:import"
    assert steps == [(None, "compliant", "批量导入", label), ("compliant", "pending", "批量导入", label)]
    entries = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "outlet.import")))
    assert [(e.after["file"], e.after["created"], e.after["updated"], e.after["unchanged"]) for e in entries] == [
        ("outlets.csv", 2, 0, 0),
        ("moved.csv", 0, 1, 1),
    ]
    assert all(e.actor_label == label for e in entries)
    # one entry per import, not one per row
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 2


def test_a_refused_import_writes_no_audit_entry(session):
    from portal.core.audit import AuditEntry

    bad = "SD4,北京网点,某公司,,北京,朝阳区,北京市朝阳区某路1号,收集型,张三,,,,"
    report = import_outlets(session, csv_bytes(GOOD[0], bad), "x.csv", actor=IMPORTER)
    assert not report.written
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_only_staff_or_a_system_actor_may_import(session):
    from portal.errors import Forbidden
    from tests.factories import make_member

    _enterprise, admin = make_member(session, role="member_admin")
    with pytest.raises(Forbidden):
        import_outlets(session, csv_bytes(*GOOD), "x.csv", actor=admin)
    with pytest.raises(TypeError):
        import_outlets(session, csv_bytes(*GOOD), "x.csv", actor="cli")
    assert count(session) == 0


def test_the_upload_limit_is_the_declared_config_key(app, client, session, login):
    from tests.factories import make_user

    staff = make_user(session, "staff")
    session.commit()
    login(staff.email)
    declared = app.config["UPLOAD_MAX_OUTLET_IMPORT"]
    assert declared == 20 * 1024 * 1024
    app.config["UPLOAD_MAX_OUTLET_IMPORT"] = 64
    response = client.post(
        "/staff/outlets/import",
        data={"file": (io.BytesIO(csv_bytes(*GOOD)), "o.csv"), "coordinate_system": "wgs84"},
        content_type="multipart/form-data",
    )
    app.config["UPLOAD_MAX_OUTLET_IMPORT"] = declared
    assert response.status_code == 422 and "文件过大" in response.get_data(as_text=True)
    session.rollback()
    assert count(session) == 0


def test_a_district_not_in_its_city_is_a_row_error_under_its_column(session):
    wrong_city = GOOD[1].replace(",黄岛区,", ",历下区,")
    unknown = GOOD[0].replace(",开发区,", ",长岛县,")
    report = import_outlets(session, csv_bytes(wrong_city, unknown), "outlets.csv", actor=IMPORTER)
    assert not report.written and count(session) == 0
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "区县", "历下区属于济南市，不属于青岛市。"),
        (3, "区县", "烟台市没有名为“长岛县”的区县。"),
    ]


def test_districts_are_stored_by_their_name_in_their_city(session):
    rows = [GOOD[0].replace(",开发区,", ",370672,"), GOOD[1].replace(",黄岛区,", ", 黄岛 ,")]
    report = import_outlets(session, csv_bytes(*rows), "outlets.csv", actor=IMPORTER)
    assert report.created == 2, report.errors
    stored = dict(session.execute(select(Outlet.code, Outlet.district)).all())
    assert stored == {"SD1": "烟台经济技术开发区", "SD2": "黄岛区"}
