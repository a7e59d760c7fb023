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
from portal.consultations.models import Comment
from portal.core.audit import AuditEntry
from portal.members.models import ReviewAssignment
from portal.notify.models import Notification
from portal.outlets import services as outlets
from portal.outlets.models import Outlet
from portal.training import services as training
from portal.training.models import TrainingRegistration
from tests.factories import (
    PDF,
    checked_upload,
    commit_and_index,
    make_application,
    make_consultation,
    make_event,
    make_member,
    make_notice,
    make_standard,
    make_user,
    outlet_input,
)
from tests.members.helpers import flashes, text_of

pytestmark = pytest.mark.db  # an id beyond 64 bits fails differently on each database: run on both

HUGE = "99999999999999999999999"  # beyond a 64-bit integer column
FORMULA = '=HYPERLINK("http://evil.example/","点击查看")'


def rows_of(session, model, *where) -> int:
    """Rows committed so far (the test's session starts a fresh transaction)."""
    session.rollback()
    return session.scalar(select(func.count()).select_from(model).where(*where))


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
    _enterprise, member = make_member(session)
    consultation = make_consultation(session, deadline="2026-11-30")
    session.commit()
    login(member.email)
    response = client.post(f"/consultations/{consultation.id}/comments", data={"clause": HUGE, "text": "建议修改本条"})
    assert response.status_code == 422
    assert "请选择要提意见的章条" in text_of(response)
    assert rows_of(session, Comment) == 0


# --- 2. an applicant (not an admitted member) publishes outlets on the public list ------------------


def test_an_applicant_cannot_put_outlets_on_the_public_list(client, session, login):
    _application, applicant = make_application(session)
    session.commit()
    login(applicant.email)
    form = {**outlet_input().__dict__, "code": "APPL0001", "name": "尚未入会企业的网点", "type": "collection"}
    response = client.post("/outlets/new", data=form)
    assert response.status_code == 403
    assert rows_of(session, Outlet) == 0


# --- 3. spreadsheet formula injection in exports ------------------------------------------------------


def test_the_public_outlet_export_carries_no_formula_a_member_typed(client, session):
    _enterprise, admin = make_member(session)
    outlets.create_outlet(session, admin, outlet_input(name=FORMULA))  # pending, and on the public list
    session.commit()

    sheet = load_workbook(io.BytesIO(client.get("/outlets/export.xlsx").data)).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert [c.data_type for c in cells if c.value == FORMULA] == ["s"]  # the row is there, as text

    rows = list(csv.reader(io.StringIO(client.get("/outlets/export.csv").data.decode("utf-8-sig"))))
    names = [cell for row in rows[1:] for cell in row if FORMULA in cell]
    assert names == ["'" + FORMULA]  # exported once, neutralised by a leading apostrophe
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows[1:] for cell in row)


def test_the_comment_summary_for_staff_carries_no_formula_a_member_typed(client, session, login, at):
    at("2026-11-20 09:00")
    staff = make_user(session, "staff")
    _enterprise, member = make_member(session)
    consultation = make_consultation(session, staff, deadline="2026-11-30")
    consultations.add_comment(session, member, consultation.id, consultation.clauses[0].id, FORMULA)
    session.commit()
    login(staff.email)
    body = client.get(f"/staff/consultations/{consultation.id}/summary.xlsx").data
    cells = [c for row in load_workbook(io.BytesIO(body)).active.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert [c.data_type for c in cells if c.value == FORMULA] == ["s"]  # the comment is there, as text


# --- 4. a draft standard's number is findable through the standard it replaces -------------------------


def test_the_number_of_a_draft_standard_finds_nothing_in_the_public_search(client, session):
    staff = make_user(session, "staff")
    make_standard(session, staff, number="GB/T 91001-2020")
    make_standard(session, staff, publish=False, number="GB/T 91001-2027", replaces="GB/T 91001-2020")
    commit_and_index(session)
    found = client.get("/api/v1/search", query_string={"q": "GB/T 91001-2027"}).get_json()
    assert found["total"] == 0, found["items"]
    published = client.get("/api/v1/search", query_string={"q": "GB/T 91001-2020"}).get_json()
    assert published["total"] >= 1  # the search itself works: the published standard is found


# --- 5. a scheduled notice's attachment is served to staff with a public cache rule ---------------------


def test_a_scheduled_notices_attachment_is_not_marked_publicly_cacheable(client, session, login, at):
    at("2026-11-20 09:00")
    staff = make_user(session, "staff")
    attachments = [checked_upload(PDF, "核查安排.pdf")]
    notice = make_notice(
        session, staff, title="关于下月开展网点核查的通知", published_on="2026-12-01", attachments=attachments
    )
    session.commit()
    attachment_id = notice.attachments[0].id
    assert client.get(f"/notices/attachments/{attachment_id}").status_code == 404  # not public yet
    login(staff.email)
    response = client.get(f"/notices/attachments/{attachment_id}")
    assert response.status_code == 200 and response.data == PDF
    assert "public" not in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]


# --- 6. any text search on an index without documents answers 500 ---------------------------------------


@pytest.mark.parametrize("path", ["/search?q=电池回收", "/api/v1/search?q=电池回收", "/api/v1/outlets?q=长江路"])
def test_searching_an_empty_index_does_not_crash(client, path):
    search.reindex()  # a fresh installation: nothing to index yet
    response = client.get(path)
    assert response.status_code == 200
    if response.is_json:
        assert response.get_json()["total"] == 0


# --- 7. staff forms: a Unicode digit passes isdigit() and then int() raises ----------------------------


def test_attendance_with_a_superscript_digit_is_refused_not_a_server_error(client, session, login, at):
    at("2026-11-20 09:00")
    staff = make_user(session, "staff")
    event = make_event(session, staff)
    _enterprise, member = make_member(session)
    registration = training.register(session, member, event.id)
    session.commit()
    login(staff.email)
    response = client.post(f"/staff/training/events/{event.id}", data={"attended": "²"})
    # refused like any id that is not a registration of this event, and nobody is marked absent
    assert response.status_code == 422
    assert "出勤名单中有不属于本次培训正式报名的人员" in text_of(response)
    session.rollback()
    assert session.get(TrainingRegistration, registration.id).attendance_recorded_at is None
    assert rows_of(session, AuditEntry, AuditEntry.action == "training.attendance") == 0


def test_assigning_a_reviewer_with_a_superscript_digit_is_refused_not_a_server_error(client, session, login):
    staff = make_user(session, "staff")
    reviewer = make_user(session, "reviewer")
    application, _applicant = make_application(session)
    session.commit()
    login(staff.email)
    response = client.post(f"/staff/applications/{application.id}/assign", data={"reviewer_id": "²"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/staff/applications/{application.id}")
    assert any("请选择一位评审专家" in message for message in flashes(client))
    assert rows_of(session, ReviewAssignment) == 0
    assert rows_of(session, Notification, Notification.user_id == reviewer.id) == 0
    assert rows_of(session, AuditEntry, AuditEntry.action == "application.assign") == 0
