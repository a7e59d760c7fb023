"""The audit-log page as an administrator reads it, and as refused staff see it."""

from __future__ import annotations

import csv
import io

import pytest

from portal.core import audit
from tests.factories import make_outlet, make_user

pytestmark = pytest.mark.db


@pytest.fixture
def admin_email(session, at):
    admin = make_user(session, "admin", name="王管理")
    outlet = make_outlet(session, name="历下网点")
    at("2026-11-04 07:30")  # Shanghai time: 23:30 UTC on the 3rd, but the 4th in Shandong
    audit.record(
        session,
        admin,
        "outlet.update",
        "outlet",
        outlet.id,
        {"name": "济南网点", "code": "A1"},
        {"name": "历下网点", "code": "A1"},
    )
    at("2026-11-20 09:00")
    audit.record(session, admin, "member.approve", "member", 3, None, {"state": "active"})
    audit.record(session, admin, "membership.suspend", "membership", 5, {"state": "active"}, {"state": "suspended"})
    fees = ({"annual_fee_fen": 300000}, {"annual_fee_fen": 500000})
    audit.record(session, admin, "tier_fee.set", "tier_fee", "member", *fees)
    audit.record(session, admin, "outlet.import", "outlet", "import", None, {"file": "网点.xlsx", "created": 3})
    audit.record(
        session,
        admin,
        "user.role",
        "user",
        999,
        {"role": "staff", "is_active": True},
        {"role": "admin", "is_active": False},
    )
    session.commit()
    return admin.email


def _page(client, query=""):
    """The status and the page's table body (the filter form lists every action, so it is left out)."""
    response = client.get(f"/staff/audit{query}")
    html = response.get_data(as_text=True)
    body = html.partition("<tbody>")[2].partition("</tbody>")[0] or html
    return response.status_code, body


def test_changes_are_side_by_side_in_words_with_chinese_as_chinese(client, login, admin_email, session):
    login(admin_email)
    status, html = _page(client, "?action=outlet.update")
    assert status == 200
    assert "济南网点" in html and "历下网点" in html and "\\u" not in html
    assert "修改网点" in html and "服务网点" in html  # the action and the object in words
    assert "<dt>名称</dt>" in html and "<dt>编号</dt>" not in html  # field labels; unchanged fields left out
    _, html = _page(client)
    assert "修改账户角色" in html and "<dt>启用</dt>" in html and '>是</span> → <span class="after">否<' in html


def test_the_object_is_named_and_linked_when_it_still_exists(client, login, admin_email, session):
    from portal.outlets.models import Outlet

    code = session.query(Outlet).one().code
    login(admin_email)
    _, html = _page(client, "?object_type=outlet")
    assert f'href="/outlets/{code}">历下网点</a>' in html
    _, html = _page(client, "?object_type=user")
    assert "账户 #999</td>" in html  # an account gone or unlinkable: its number, no link


def test_an_unknown_action_is_shown_by_its_code(client, login, admin_email):
    login(admin_email)
    _, html = _page(client)
    assert "member.approve" in html  # not in the catalogue: never hidden, only less readable


def test_filters_by_action_actor_object_and_local_dates(client, login, admin_email):
    login(admin_email)
    _, html = _page(client, "?action=user.role")
    assert "修改账户角色" in html and "济南网点" not in html
    _, html = _page(client, "?actor=nobody-matches-this")
    assert "济南网点" not in html and "暂无记录" in html
    _, html = _page(client, "?actor=admin&date_from=2026-11-04&date_to=2026-11-04")
    assert "济南网点" in html and "修改账户角色" not in html and "新增网点" not in html
    _, html = _page(client, "?date_from=2026-11-05&date_to=2026-11-30")
    assert "济南网点" not in html and "修改账户角色" in html
    _, html = _page(client, "?date_to=2026-11-03")
    assert "暂无记录" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?date_from=2026-13-01", "日期"),
        ("?date_from=2026-11-05&date_to=2026-11-01", "结束日期不能早于开始日期"),
        ("?action=drop.table", "没有这种操作"),
        ("?object_type=secrets", "没有这种对象"),
        ("?actor=" + "x" * 101, "最多100个字符"),
    ],
)
def test_bad_filters_are_named_in_chinese_and_nothing_breaks(client, login, admin_email, query, message):
    login(admin_email)
    response = client.get(f"/staff/audit{query}")
    status, page = response.status_code, response.get_data(as_text=True)
    assert status == 400 and message in page and "筛选条件有误" in page
    assert client.get(f"/staff/audit.csv{query}").status_code == 400


def test_the_csv_export_follows_the_filters_one_line_per_changed_field(client, login, admin_email):
    login(admin_email)
    response = client.get("/staff/audit.csv?action=user.role")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"].startswith("no-store") or "no-store" in response.headers["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["时间", "操作人", "操作", "对象"]
    assert [r[5:] for r in rows[1:]] == [["角色", "协会工作人员", "系统管理员"], ["启用", "是", "否"]]
    assert rows[1][0] == "2026-11-20 09:00" and rows[1][2] == "修改账户角色"
    everything = list(csv.reader(io.StringIO(client.get("/staff/audit.csv").get_data(as_text=True))))
    assert any(r[5:] == ["名称", "济南网点", "历下网点"] for r in everything)


@pytest.mark.parametrize("path", ["/staff/audit?action=user.role", "/staff/audit.csv"])
def test_staff_are_refused(client, login, staff, admin_email, path):
    login(staff.email)
    assert client.get(path).status_code == 403


def test_the_public_is_sent_to_login(client, admin_email):
    response = client.get("/staff/audit.csv")
    assert response.status_code in (302, 401) and "济南网点" not in response.get_data(as_text=True)


def test_codes_are_shown_in_words_and_fen_as_yuan(client, login, admin_email):
    login(admin_email)
    _, html = _page(client, "?action=membership.suspend")
    assert "有效" in html and "已暂停" in html and "suspended" not in html
    _, html = _page(client, "?action=tier_fee.set")
    assert "3,000.00 元" in html and "5,000.00 元" in html and "<dt>年费</dt>" in html and "500000" not in html
    assert "会员单位" in html  # the tier's code named as the object
    _, html = _page(client, "?action=outlet.import")
    assert "批量导入" in html and "#import" not in html and "<dt>文件</dt>" in html


def test_append_writes_the_entry_record_would_without_a_flush(session, at):
    """The Core path of hot API calls records the same entry as the ORM path: actor, label, time, values."""
    import datetime as dt

    from sqlalchemy import select

    admin = make_user(session, "admin", name="王管理")
    at("2026-11-20 09:00")
    when = dt.date(2026, 11, 20)
    audit.record(session, admin, "ledger.deposits_billed", "enterprise", 7, None, {"packs": 2, "on": when})
    audit.append(session, admin, "ledger.deposits_billed", "enterprise", 7, None, {"packs": 2, "on": when})
    session.commit()
    entries = session.scalars(select(audit.AuditEntry).order_by(audit.AuditEntry.id)).all()
    assert len(entries) == 2
    fields = ("at", "actor_id", "actor_label", "action", "object_type", "object_id", "before", "after")
    first, second = ({name: getattr(e, name) for name in fields} for e in entries)
    assert first == second
    assert second["actor_id"] == admin.id and second["object_id"] == "7"
    assert second["after"] == {"packs": 2, "on": "2026-11-20"}


def test_an_entry_appended_with_next_is_written_with_the_next_one_or_before_the_commit(session, at):
    """The entries of one API call go in one insert; a waiting entry keeps its own time, is never lost by a
    commit, and goes with a rollback."""
    from sqlalchemy import event, func, select

    admin = make_user(session, "admin", name="王管理")
    session.commit()
    count = lambda: session.scalar(select(func.count()).select_from(audit.AuditEntry))  # noqa: E731
    engine = session.get_bind()
    inserts: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        if statement.startswith("INSERT INTO audit_entries"):
            inserts.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        at("2026-11-20 09:00")
        audit.append(session, admin, "ledger.deposits_billed", "enterprise", 7, after={"packs": 1}, with_next=True)
        assert count() == 0 and inserts == []  # waiting
        at("2026-11-20 09:01")
        audit.append(session, admin, "api.call", "api_token", 3, after={"status": 201})
        assert count() == 2 and len(inserts) == 1  # both, in one insert
        session.commit()
        audit.append(session, admin, "ledger.deposits_billed", "enterprise", 8, with_next=True)
        session.commit()  # written before the commit, nothing followed it
        assert count() == 3 and len(inserts) == 2
        audit.append(session, admin, "ledger.deposits_billed", "enterprise", 9, with_next=True)
        session.rollback()
        audit.append(session, admin, "api.call", "api_token", 3)
        session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    entries = session.scalars(select(audit.AuditEntry).order_by(audit.AuditEntry.id)).all()
    assert [(e.action, e.object_id) for e in entries] == [
        ("ledger.deposits_billed", "7"),
        ("api.call", "3"),
        ("ledger.deposits_billed", "8"),
        ("api.call", "3"),  # the entry of the rolled-back transaction went with it
    ]
    assert entries[0].at < entries[1].at  # each timed when appended
