"""Review findings: each test fails while the problem it names is present.

Written from the side of the person who should be refused (or the input that should be refused).
"""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal import search
from portal.consultations import services as consultations
from portal.core.files import CheckedUpload
from portal.notices import services as notices
from portal.outlets import services as outlets
from portal.outlets.models import Outlet
from portal.training import services as training
from tests.factories import make_application, make_member, make_user
from tests.library.helpers import commit_and_index, make_standard
from tests.outlets.helpers import outlet_input

HUGE = "99999999999999999999999"  # beyond a 64-bit integer column
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
FORMULA = '=HYPERLINK("http://evil.example/","点击查看")'


# --- 1. an id beyond 64 bits in any <int:...> route answers 500 (anonymous) -------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"/standards/{HUGE}",
        f"/api/v1/standards/{HUGE}",
        f"/notices/{HUGE}",
        f"/notices/attachments/{HUGE}",
        f"/members/{HUGE}",
        f"/training/materials/{HUGE}",
        f"/training/files/{HUGE}",
        f"/training/events/{HUGE}",
    ],
)
def test_an_id_too_large_for_the_database_is_not_found_not_a_server_error(client, path):
    assert client.get(path).status_code == 404


def test_a_comment_on_a_clause_id_too_large_is_refused_not_a_server_error(client, session, login, at):
    at("2026-11-20 09:00")
    staff = make_user(session, "staff")
    _enterprise, member = make_member(session)
    data = consultations.ConsultationInput(title="废旧动力电池贮存规范", deadline="2026-11-30", clauses="5 技术要求")
    consultation = consultations.open_round(session, staff, data)
    session.commit()
    login(member.email)
    response = client.post(f"/consultations/{consultation.id}/comments", data={"clause": HUGE, "text": "建议修改本条"})
    assert response.status_code == 422


# --- 2. an applicant (not an admitted member) publishes outlets on the public list ------------------


def test_an_applicant_cannot_put_outlets_on_the_public_list(client, session, login):
    _application, applicant = make_application(session)
    session.commit()
    login(applicant.email)
    form = {**outlet_input().__dict__, "code": "APPL0001", "name": "尚未入会企业的网点", "type": "collection"}
    response = client.post("/outlets/new", data=form)
    assert response.status_code == 403
    assert session.scalar(select(func.count()).select_from(Outlet).where(Outlet.code == "APPL0001")) == 0


# --- 3. spreadsheet formula injection in exports ------------------------------------------------------


def test_the_public_outlet_export_carries_no_formula_a_member_typed(client, session):
    _enterprise, admin = make_member(session)
    outlets.create_outlet(session, admin, outlet_input(name=FORMULA))
    session.commit()

    sheet = load_workbook(io.BytesIO(client.get("/outlets/export.xlsx").data)).active
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []

    rows = list(csv.reader(io.StringIO(client.get("/outlets/export.csv").data.decode("utf-8-sig"))))
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows[1:] for cell in row if cell == FORMULA)


def test_the_comment_summary_for_staff_carries_no_formula_a_member_typed(client, session, login, at):
    at("2026-11-20 09:00")
    staff = make_user(session, "staff")
    _enterprise, member = make_member(session)
    data = consultations.ConsultationInput(title="废旧动力电池贮存规范", deadline="2026-11-30", clauses="5 技术要求")
    consultation = consultations.open_round(session, staff, data)
    consultations.add_comment(session, member, consultation.id, consultation.clauses[0].id, FORMULA)
    session.commit()
    login(staff.email)
    body = client.get(f"/staff/consultations/{consultation.id}/summary.xlsx").data
    sheet = load_workbook(io.BytesIO(body)).active
    assert [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"] == []


# --- 4. a draft standard's number is findable through the standard it replaces -------------------------


def test_the_number_of_a_draft_standard_finds_nothing_in_the_public_search(client, session):
    staff = make_user(session, "staff")
    make_standard(session, staff, number="GB/T 91001-2020")
    make_standard(session, staff, publish=False, number="GB/T 91001-2027", replaces="GB/T 91001-2020")
    commit_and_index(session)
    found = client.get("/api/v1/search", query_string={"q": "GB/T 91001-2027"}).get_json()
    assert found["total"] == 0, found["items"]


# --- 5. a scheduled notice's attachment is served to staff with a public cache rule ---------------------


def test_a_scheduled_notices_attachment_is_not_marked_publicly_cacheable(client, session, login, at):
    at("2026-11-20 09:00")
    staff = make_user(session, "staff")
    data = notices.NoticeInput(kind="notice", title="关于下月开展网点核查的通知", published_on="2026-12-01")
    notice = notices.publish(session, staff, data, [CheckedUpload(PDF, "pdf", "核查安排.pdf")])
    session.commit()
    attachment_id = notice.attachments[0].id
    assert client.get(f"/notices/attachments/{attachment_id}").status_code == 404  # not public yet
    login(staff.email)
    response = client.get(f"/notices/attachments/{attachment_id}")
    assert response.status_code == 200
    assert "public" not in response.headers["Cache-Control"]


# --- 6. any text search on an index without documents answers 500 ---------------------------------------


@pytest.mark.parametrize("path", ["/search?q=电池回收", "/api/v1/search?q=电池回收", "/api/v1/outlets?q=长江路"])
def test_searching_an_empty_index_does_not_crash(client, path):
    search.reindex()  # a fresh installation: nothing to index yet
    assert client.get(path).status_code == 200


# --- 7. staff forms: a Unicode digit passes isdigit() and then int() raises ----------------------------


def test_attendance_with_a_superscript_digit_is_refused_not_a_server_error(client, session, login, at):
    at("2026-11-20 09:00")
    staff = make_user(session, "staff")
    data = training.EventInput(
        title="回收网点安全培训", starts_at="2026-12-10 09:00", ends_at="2026-12-10 17:00", place="济南", capacity=2
    )
    event = training.create_event(session, staff, data)
    session.commit()
    login(staff.email)
    assert client.post(f"/staff/training/events/{event.id}", data={"attended": "²"}).status_code < 500


def test_assigning_a_reviewer_with_a_superscript_digit_is_refused_not_a_server_error(client, session, login):
    staff = make_user(session, "staff")
    application, _applicant = make_application(session)
    session.commit()
    login(staff.email)
    response = client.post(f"/staff/applications/{application.id}/assign", data={"reviewer_id": "²"})
    assert response.status_code < 500
