"""The audit-log page as an administrator reads it, and as refused staff see it."""

from __future__ import annotations

import pytest

from portal.core import audit
from tests.factories import make_user

pytestmark = pytest.mark.db


@pytest.fixture
def admin_email(session):
    admin = make_user(session, "admin")
    audit.record(
        session,
        admin,
        "outlet.update",
        "outlet",
        7,
        {"name": "济南网点", "code": "A1"},
        {"name": "历下网点", "code": "A1"},
    )
    audit.record(session, admin, "member.approve", "member", 3, None, {"state": "active"})
    session.commit()
    return admin.email


def test_changes_are_side_by_side_with_chinese_as_chinese(client, login, admin_email):
    login(admin_email)
    html = client.get("/staff/audit").get_data(as_text=True)
    assert "济南网点" in html and "历下网点" in html
    assert "\\u" not in html
    assert "<dt>code</dt>" not in html  # unchanged fields are not listed


def test_filters_by_action_and_actor(client, login, admin_email):
    login(admin_email)
    html = client.get("/staff/audit?action=member.approve").get_data(as_text=True)
    assert "member.approve" in html and "济南网点" not in html
    html = client.get("/staff/audit?actor=nobody-matches-this").get_data(as_text=True)
    assert "济南网点" not in html


def test_staff_are_refused(client, login, staff, admin_email):
    login(staff.email)
    assert client.get("/staff/audit?action=member.approve").status_code == 403
