"""flask seed-demo: demo content loads once; a second run changes nothing and prints the logins."""

from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select, table

from portal.demo import DEMO_ACCOUNTS, DEMO_PASSWORD


def row_counts(session) -> dict[str, int]:
    """Rows in every table the migrations created."""
    names = set(inspect(session.get_bind()).get_table_names()) - {"alembic_version"}
    counts = {name: session.scalar(select(func.count()).select_from(table(name))) for name in sorted(names)}
    session.rollback()
    return counts


@pytest.mark.db
def test_seed_demo_twice_changes_nothing(runner, session, at):
    at("2026-05-10 09:00")
    first = runner.invoke(args=["seed-demo"])
    after_first = row_counts(session)

    second = runner.invoke(args=["seed-demo"])
    after_second = row_counts(session)

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert after_first["users"] > len(DEMO_ACCOUNTS)
    assert after_first["enterprises"] > 0
    assert after_first["memberships"] > 0
    assert after_second == after_first
    assert "already loaded" in second.output
    for _role, email, _name in DEMO_ACCOUNTS:
        assert email in second.output
    assert DEMO_PASSWORD in second.output


def test_demo_logins_work_and_members_are_public(runner, client, session, at):
    at("2026-05-10 09:00")
    runner.invoke(args=["seed-demo"])

    staff = client.post("/login", data={"email": "staff@demo.sdbra.cn", "password": DEMO_PASSWORD})
    client.post("/logout")
    member = client.post("/login", data={"email": "contact01@demo.sdbra.cn", "password": DEMO_PASSWORD})
    directory = client.get("/api/v1/members?per_page=100").get_json()

    assert staff.headers["Location"] == "/staff"
    assert member.headers["Location"] == "/account"
    assert directory["total"] > 0
    assert all(item["membership_number"].startswith("SDBRA-") for item in directory["items"])
    # Outlets run by a member enterprise name it as a member (by credit code, as an import gives it),
    # so its public profile lists them.
    from portal.members.models import Enterprise
    from portal.outlets.models import Outlet

    members = dict(session.execute(select(Enterprise.name, Enterprise.id).where(Enterprise.status == "member")).all())
    rows = session.execute(select(Outlet.operator_name, Outlet.operator_enterprise_id)).all()
    run_by_members = [(name, linked) for name, linked in rows if name in members]
    assert len({name for name, _ in run_by_members}) >= 4
    assert all(linked == members[name] for name, linked in run_by_members)
    some = next(name for name, _ in run_by_members if name.startswith("枣庄"))
    assert "运营的回收服务网点" in client.get(f"/members/{members[some]}").get_data(as_text=True)
