"""The upload page's helpers: the template files, the downloadable error report, the audit entry."""

from __future__ import annotations

import csv
import io
import os
import re
import time

import pytest
from sqlalchemy import func, select

from portal.core.actors import system
from portal.core.audit import AuditEntry
from portal.outlets import importer
from portal.outlets.importer import import_outlets
from portal.outlets.models import Outlet
from tests.outlets.test_import import GOOD, HEADER_EN, csv_bytes

pytestmark = pytest.mark.db

IMPORTER = system("test:import")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BAD_CITY = "SD4,北京网点,某公司,,北京,朝阳区,北京市朝阳区某路1号,收集型,张三,,,,"
BAD_LON = "SD5,经度错误,某公司,,济南,历下区,济南市历下区某路6号,收集型,张三,,130.0,36.6,"


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Outlet))


def read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode())  # BOM, so Excel opens the Chinese right
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(body: bytes) -> list[list]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    return [[c.value for c in row] for row in sheet.iter_rows()]


def upload(client, body: bytes, name: str = "o.csv", **form):
    data = {"file": (io.BytesIO(body), name), "coordinate_system": "wgs84", **form}
    return client.post("/staff/outlets/import", data=data, content_type="multipart/form-data")


def report_link(page: str, fmt: str) -> str:
    found = re.search(rf'href="(/staff/outlets/import/errors/[0-9a-f]{{32}}\.{fmt})"', page)
    assert found, "no error report link"
    return found.group(1)


# --- the template files -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_template_imports_cleanly_as_one_outlet(session, fmt):
    body = importer.template_csv() if fmt == "csv" else importer.template_xlsx()
    report = import_outlets(session, body, f"template.{fmt}", actor=IMPORTER)
    assert (report.created, report.rejected, report.errors) == (1, 0, [])
    outlet = session.scalar(select(Outlet))
    assert (outlet.code, outlet.city, outlet.district, outlet.type) == ("SD-JN-0001", "370100", "历下区", "collection")
    assert (outlet.phone, outlet.storage_area_m2, outlet.capacity_t) == ("0531-88888888", 50, 5)


def test_the_template_carries_every_accepted_column_under_its_chinese_title():
    rows = read_csv(importer.template_csv())
    assert len(rows) == 2
    header = rows[0]
    assert all(not title.isascii() for title in header)
    mapped = importer.map_header(header)
    assert sorted(mapped.values()) == sorted(set(importer.HEADERS.values()))  # every field the importer reads
    assert [[v or "" for v in row] for row in read_xlsx(importer.template_xlsx())] == rows


def test_staff_download_the_templates_and_import_one_back(client, session, staff, login):
    login(staff.email)
    page = client.get("/staff/outlets/import").get_data(as_text=True)
    assert "/staff/outlets/import/template.csv" in page and "/staff/outlets/import/template.xlsx" in page
    response = client.get("/staff/outlets/import/template.xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX
    assert "outlets-import-template.xlsx" in response.headers["Content-Disposition"]
    response = client.get("/staff/outlets/import/template.csv")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    result = upload(client, response.data, "outlets-import-template.csv")
    assert result.status_code == 200 and "新增 1" in result.get_data(as_text=True)
    session.rollback()
    assert count(session) == 1


# --- the error report ---------------------------------------------------------------------------


def test_the_error_report_names_row_code_column_and_bad_value(session):
    report = import_outlets(session, csv_bytes(GOOD[0], BAD_CITY, BAD_LON), "o.csv", actor=IMPORTER)
    assert not report.written
    got = [(e.row, e.code, e.column, e.value) for e in report.errors]
    assert got == [(3, "SD4", "城市", "北京"), (4, "SD5", "经度", "130.0")]


def test_a_file_with_english_headers_is_reported_under_the_chinese_titles(session):
    bad = BAD_LON.replace(",经度错误,", ",lon wrong,")
    report = import_outlets(session, csv_bytes(bad, header=HEADER_EN), "o.csv", actor=IMPORTER)
    assert [(e.column, e.value) for e in report.errors] == [("经度", "130.0")]


def test_a_repeated_code_is_reported_with_its_code(session):
    report = import_outlets(session, csv_bytes(GOOD[0], GOOD[0]), "o.csv", actor=IMPORTER)
    assert [(e.row, e.code, e.column, e.value) for e in report.errors] == [(3, "SD1", "网点编号", "SD1")]
    assert "第2行重复" in report.errors[0].message


def test_the_uploader_downloads_the_error_report_as_csv_and_xlsx(client, session, staff, login):
    login(staff.email)
    response = upload(client, csv_bytes(GOOD[0], BAD_CITY, BAD_LON), "网点 12月.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "未写入任何数据" in page
    assert "<td>SD5</td><td>经度</td><td>130.0</td>" in page
    session.rollback()
    assert count(session) == 0
    answer = client.get(report_link(page, "csv"))
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert 'filename="12-errors.csv"' in answer.headers["Content-Disposition"]
    assert "no-store" in answer.headers["Cache-Control"]  # the report names outlets and values: not cached
    rows = read_csv(answer.data)
    assert rows[0] == ["行号", "网点编号", "列", "错误值", "原因"]
    assert rows[1][:4] == ["3", "SD4", "城市", "北京"] and "未知城市" in rows[1][4]
    assert rows[2][:4] == ["4", "SD5", "经度", "130.0"] and "不在山东省范围内" in rows[2][4]
    answer = client.get(report_link(page, "xlsx"))
    assert answer.status_code == 200 and answer.mimetype == XLSX
    assert read_xlsx(answer.data)[2][:4] == ["4", "SD5", "经度", "130.0"]


def test_skipped_rows_of_a_written_import_can_be_downloaded_too(client, session, staff, login):
    login(staff.email)
    response = upload(client, csv_bytes(GOOD[0], BAD_CITY), skip_invalid="y")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "新增 1" in page and "拒绝 1" in page
    assert read_csv(client.get(report_link(page, "csv")).data)[1][:2] == ["3", "SD4"]


def test_a_clean_import_offers_no_error_report(client, staff, login):
    login(staff.email)
    page = upload(client, csv_bytes(*GOOD)).get_data(as_text=True)
    assert "新增 2" in page and "/staff/outlets/import/errors/" not in page


def test_a_formula_in_a_bad_cell_stays_text_in_the_report(client, session, staff, login):
    login(staff.email)
    evil = BAD_CITY.replace(",北京,", ',"=HYPERLINK(""http://x.example"")",')
    page = upload(client, csv_bytes(evil)).get_data(as_text=True)
    row = read_csv(client.get(report_link(page, "csv")).data)[1]
    assert row[3] == '\'=HYPERLINK("http://x.example")'
    from openpyxl import load_workbook

    body = client.get(report_link(page, "xlsx")).data
    cell = load_workbook(io.BytesIO(body)).worksheets[0]["D2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x.example")'


def test_an_expired_report_is_gone(app, client, staff, login):
    login(staff.email)
    page = upload(client, csv_bytes(BAD_CITY)).get_data(as_text=True)
    link = report_link(page, "csv")
    token = link.rsplit("/", 1)[1].removesuffix(".csv")
    path = importer._reports_dir() / f"{token}.json"
    old = time.time() - importer.REPORT_MAX_AGE_S - 60
    os.utime(path, (old, old))
    assert client.get(link).status_code == 404
    upload(client, csv_bytes(BAD_CITY))  # the next report sweeps the stale one away
    assert not path.exists()


def test_a_long_report_lists_the_omitted_errors(app, session):
    report = import_outlets(session, csv_bytes(BAD_CITY, BAD_LON), "o.csv", actor=IMPORTER)
    with app.test_request_context():
        original, importer.REPORT_MAX_ERRORS = importer.REPORT_MAX_ERRORS, 1
        try:
            token = importer.save_error_report(7, report)
        finally:
            importer.REPORT_MAX_ERRORS = original
        rows = read_csv(importer.error_report_csv(importer.load_error_report(token, 7)))
    assert len(rows) == 3 and rows[1][1] == "SD4" and "另有 1 处错误未列出" in rows[2][4]


# --- refused ------------------------------------------------------------------------------------

DOWNLOADS = ["/staff/outlets/import/template.csv", "/staff/outlets/import/template.xlsx"]


@pytest.mark.parametrize("url", DOWNLOADS)
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["member_admin", "observer"])
def test_member_admins_and_observers_get_neither_templates_nor_reports(client, session, staff, login, role):
    from tests.factories import make_member, make_user

    login(staff.email)
    page = upload(client, csv_bytes(BAD_CITY)).get_data(as_text=True)
    links = [report_link(page, "csv"), report_link(page, "xlsx")]
    client.post("/logout")
    session.rollback()
    refused = make_member(session, role=role)[1] if role == "member_admin" else make_user(session, role)
    session.commit()
    login(refused.email)
    for url in [*DOWNLOADS, *links]:
        assert client.get(url).status_code == 403, url
    client.post("/logout")
    for url in links:
        assert client.get(url).status_code == 302, url


def test_another_staff_member_cannot_read_someone_elses_report(client, session, staff, login):
    from tests.factories import make_user

    login(staff.email)
    page = upload(client, csv_bytes(BAD_CITY)).get_data(as_text=True)
    link = report_link(page, "csv")
    client.post("/logout")
    session.rollback()
    other = make_user(session, "staff")
    session.commit()
    login(other.email)
    assert client.get(link).status_code == 404
    assert client.get("/staff/outlets/import/errors/../../secret.csv").status_code == 404
    assert client.get("/staff/outlets/import/errors/" + "0" * 32 + ".csv").status_code == 404


# --- the audit entry ----------------------------------------------------------------------------


def test_the_upload_page_records_who_imported_which_file_and_the_counts(client, session, staff, login):
    login(staff.email)
    upload(client, csv_bytes(GOOD[0], BAD_CITY), "december.csv", skip_invalid="y")
    session.rollback()
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "outlet.import"))
    assert entry.actor_id == staff.id
    assert entry.after == {"file": "december.csv", "created": 1, "updated": 0, "unchanged": 0, "rejected": 1}


def test_the_command_records_its_import_too(app, runner, session, tmp_path):
    path = tmp_path / "cli.csv"
    path.write_bytes(csv_bytes(*GOOD, BAD_CITY))
    result = runner.invoke(args=["outlets", "import", "--skip-invalid", str(path)])
    assert result.exit_code == 0, result.output
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "outlet.import"))
    assert entry.actor_label == "system:cli:outlets import"
    assert entry.after == {"file": "cli.csv", "created": 2, "updated": 0, "unchanged": 0, "rejected": 1}


def test_a_refused_upload_leaves_no_audit_entry(client, session, staff, login):
    login(staff.email)
    assert upload(client, csv_bytes(GOOD[0], BAD_CITY)).status_code == 422
    session.rollback()
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "outlet.import")) == 0
