"""The staff import page in the browser: download a template, upload a bad file, download its error report."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_account_pages import sign_in
from tests.factories import make_user
from tests.outlets.test_import import GOOD, csv_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.db]
SHOTS = Path("test-artifacts")


def test_staff_get_the_template_and_the_error_report_of_a_refused_file(page, session, browser_log, tmp_path):
    staff = make_user(session, "staff")
    session.commit()
    sign_in(page, staff.email)
    page.goto("/staff/outlets/import")
    with page.expect_download() as template:
        page.get_by_role("link", name="XLSX 模板").click()
    assert template.value.suggested_filename == "outlets-import-template.xlsx"
    bad = tmp_path / "outlets.csv"
    bad.write_bytes(csv_bytes(GOOD[0], "SD5,经度错误,某公司,,济南,历下区,济南市历下区某路6号,收集型,张三,,130.0,36.6,"))
    page.locator("input[type=file]").set_input_files(str(bad))
    browser_log.expect("422")
    page.get_by_role("button", name="导入", exact=True).click()
    row = page.locator("tbody tr").first
    expect(row).to_contain_text("SD5")
    expect(row).to_contain_text("130.0")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "outlet-import-errors.png"), full_page=True)
    with page.expect_download() as report:
        page.get_by_role("link", name="CSV", exact=True).click()
    rows = list(csv.reader(io.StringIO(Path(report.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[1][:4] == ["3", "SD5", "经度", "130.0"]
