"""Standards services: status by date through the job, versions, replacements, the catalogue."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from portal import jobs
from portal.config import PROJECT_ROOT
from portal.core.audit import AuditEntry
from portal.errors import DomainError, Forbidden
from portal.library import queries, services
from portal.library.models import Standard, StandardVersion
from tests.factories import make_member, make_standard, make_user, standard_input

pytestmark = pytest.mark.db


def _run_job(now: dt.datetime) -> dict:
    return jobs.run_due(now=now, only=["library.status_by_date"])


def test_a_standard_becomes_in_force_on_its_effective_date_through_the_job(app, session, at):
    staff = make_user(session, "staff")
    at("2026-11-20 10:00")
    standard = make_standard(session, staff, effective_on="2026-12-01", published_on="2026-06-01")
    assert standard.status == "upcoming"
    session.commit()
    assert _run_job(at("2026-11-30 23:00")) == {"library.status_by_date": "ok"}
    session.rollback()
    session.expire_all()
    assert session.get(Standard, standard.id).status == "upcoming"
    _run_job(at("2026-12-01 00:30"))  # midnight in Shandong, 16:30 UTC the day before
    session.rollback()
    session.expire_all()
    assert session.get(Standard, standard.id).status == "in_force"
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "standard.status_by_date"))
    assert entry.after == {"status": "in_force"} and entry.actor_label == "system:job:library.status_by_date"


def test_a_replaced_standard_becomes_replaced_on_its_successors_effective_date(app, session, at):
    staff = make_user(session, "staff")
    at("2026-11-20 10:00")
    old = make_standard(session, staff, number="GB/T 34015-2017", published_on="", effective_on="2017-12-01")
    new = make_standard(session, staff, number="GB/T 34015-2026", effective_on="2027-01-01", replaces="gbt34015-2017")
    assert (old.status, new.status) == ("in_force", "upcoming")
    assert [s.number for s in new.replaces] == ["GB/T 34015-2017"]
    assert [s.number for s in old.replaced_by] == ["GB/T 34015-2026"]  # both ways
    session.commit()
    _run_job(at("2026-12-31 12:00"))
    session.rollback()
    session.expire_all()
    assert session.get(Standard, old.id).status == "in_force"
    _run_job(at("2027-01-01 08:00"))
    session.rollback()
    session.expire_all()
    assert session.get(Standard, old.id).status == "replaced"
    assert session.get(Standard, new.id).status == "in_force"


def test_a_draft_successor_does_not_replace_until_published(app, session, at):
    staff = make_user(session, "staff")
    at("2026-11-20 10:00")
    old = make_standard(session, staff, number="GB/T 33598-2017", published_on="", effective_on="2017-12-01")
    new = make_standard(
        session, staff, publish=False, number="GB/T 33598.1-2026", effective_on="2026-11-01", replaces="GB/T 33598-2017"
    )
    assert old.status == "in_force"
    services.set_published(session, staff, new.id, True)
    assert old.status == "replaced"


def test_published_edits_keep_the_previous_version(app, session):
    staff = make_user(session, "staff")
    draft = make_standard(session, staff, publish=False, title_zh="草稿标题一")
    services.update_standard(session, staff, draft.id, standard_input(number=draft.number, title_zh="草稿标题二"))
    assert session.scalars(select(StandardVersion)).all() == []  # drafts keep no versions
    services.set_published(session, staff, draft.id, True)
    services.update_standard(session, staff, draft.id, standard_input(number=draft.number, title_zh="发布后标题"))
    services.update_standard(
        session, staff, draft.id, standard_input(number=draft.number, title_zh="发布后标题", keywords="放电")
    )
    # saving without a change makes no version
    services.update_standard(
        session, staff, draft.id, standard_input(number=draft.number, title_zh="发布后标题", keywords="放电")
    )
    rows = queries.history(session, draft.id)
    assert [r["version"].version for r in rows] == [2, 1]
    assert rows[1]["version"].snapshot["title_zh"] == "草稿标题二"
    assert rows[1]["changes"]["title_zh"] == ("草稿标题二", "发布后标题")
    assert rows[0]["changes"] == {"keywords": ("", "放电")}
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions.count("standard.update") == 3 and "standard.publish" in actions


def test_validation_names_each_bad_field(app, session):
    staff = make_user(session, "staff")
    make_standard(session, staff, number="GB/T 34014-2017")
    with pytest.raises(DomainError) as err:
        services.create_standard(
            session,
            staff,
            standard_input(
                number="gbt 34014-2017",
                title_zh="",
                level="世界标准",
                topic="",
                status="作废",
                published_on="2020-13-01",
                effective_on="2019-01-01",
                official_url="ftp://x",
                replaces="GB/T 1-2000",
            ),
        )
    assert set(err.value.fields) == {
        "number",
        "title_zh",
        "level",
        "topic",
        "status",
        "published_on",
        "official_url",
        "replaces",
    }
    assert "已存在" in err.value.fields["number"]


def test_members_cannot_change_standards(app, session):
    _, member = make_member(session)
    staff = make_user(session, "staff")
    standard = make_standard(session, staff)
    with pytest.raises(Forbidden):
        services.create_standard(session, member, standard_input())
    with pytest.raises(Forbidden):
        services.update_standard(session, member, standard.id, standard_input(number=standard.number))
    with pytest.raises(Forbidden):
        services.set_published(session, member, standard.id, False)


def test_the_catalogue_loads_once_with_needs_check_where_dates_are_missing(app, session):
    entries = json.loads((PROJECT_ROOT / "content" / "library" / "standards.json").read_text("utf-8"))["standards"]
    added = services.load_catalogue(session, entries)
    assert len(added) == len(entries) >= 13
    assert services.load_catalogue(session, entries) == []  # idempotent
    coding = queries.get_by_number(session, "GB/T 34014-2017")
    assert (coding.published_on, coding.effective_on, coding.needs_check) == (
        dt.date(2017, 7, 12),
        dt.date(2018, 2, 1),
        False,
    )
    assert queries.get_by_number(session, "GB/T 34015.4-2021").needs_check
    assert all(s.is_published for s in added)
