"""Project services without HTTP: the lifecycle recorded, submissions checked, reviews scored,
reports filed, permissions refused, finance interest delivered, late milestones found by date."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal import jobs
from portal.core.audit import AuditEntry
from portal.errors import Conflict, DomainError, Forbidden, NotFound
from portal.notify.models import Notification, OutboxMail
from portal.projects import applications, finance, lifecycle, progress, queries, reviews
from portal.projects.models import ProjectTransition
from tests.factories import checked_upload, make_call, make_member, make_project, make_user, project_input

pytestmark = pytest.mark.db


@pytest.fixture
def cast(app, session, at):
    at("2026-06-01 10:00")
    staff = make_user(session, "staff")
    _lead_enterprise, lead = make_member(session)
    partner_enterprise, partner = make_member(session)
    _other_enterprise, other = make_member(session)
    reviewer = make_user(session, "reviewer")
    call = make_call(session, staff)
    return {
        "staff": staff,
        "lead": lead,
        "partner": partner,
        "partner_enterprise": partner_enterprise,
        "other": other,
        "reviewer": reviewer,
        "call": call,
    }


def _partners(cast):
    return ((cast["partner_enterprise"].credit_code, "电池包供应与运维"),)


def test_a_project_goes_from_draft_to_accepted_with_every_change_recorded(session, cast, at):
    staff, lead, reviewer = cast["staff"], cast["lead"], cast["reviewer"]
    project = make_project(session, lead, cast["call"], state="approved", staff=staff, reviewer=reviewer)
    progress.add_milestone(
        session, lead, project.id, progress.MilestoneInput("设备安装调试", "2026-09-30", "并网验收报告")
    )
    lifecycle.change_state(session, lead, project.id, "in_construction")
    assert project.started_on == dt.date(2026, 6, 1)
    lifecycle.change_state(session, staff, project.id, "operating")
    with pytest.raises(DomainError):
        lifecycle.change_state(session, staff, project.id, "accepted", "")  # a reason is required
    lifecycle.change_state(session, staff, project.id, "accepted", "专家组现场验收通过")
    rows = session.scalars(
        select(ProjectTransition).where(ProjectTransition.project_id == project.id).order_by(ProjectTransition.id)
    )
    assert [(r.from_state, r.to_state) for r in rows] == [
        (None, "draft"),
        ("draft", "applied"),
        ("applied", "under_review"),
        ("under_review", "approved"),
        ("approved", "in_construction"),
        ("in_construction", "operating"),
        ("operating", "accepted"),
    ]
    last = session.scalars(select(ProjectTransition).order_by(ProjectTransition.id.desc())).first()
    assert last.actor_id == staff.id and last.reason == "专家组现场验收通过"
    audits = session.scalars(select(AuditEntry).where(AuditEntry.action == "project.state")).all()
    assert len(audits) == 7
    with pytest.raises(Conflict):
        lifecycle.change_state(session, staff, project.id, "operating")  # accepted is final


def test_the_lead_cannot_approve_its_own_project(session, cast):
    project = make_project(session, cast["lead"], cast["call"], state="under_review", staff=cast["staff"])
    with pytest.raises(Forbidden):
        lifecycle.change_state(session, cast["lead"], project.id, "approved", "我们很好")
    assert project.state == "under_review"


def test_submission_needs_the_documents_the_call_asks_for_and_matching_funding(session, cast):
    lead = cast["lead"]
    project = applications.create_draft(session, lead, project_input(cast["call"], funding={"enterprise": "1000"}))
    with pytest.raises(DomainError) as refused:
        applications.submit_application(session, lead, project.id)
    assert set(refused.value.fields) == {"funding_enterprise", "documents"}
    assert project.state == "draft"


def test_submission_after_the_call_closed_is_refused(session, cast, at):
    project = applications.create_draft(session, cast["lead"], project_input(cast["call"]))
    applications.add_attachment(session, cast["lead"], project.id, "feasibility", checked_upload())
    at("2026-08-15 10:00")  # the call closed on 2026-07-31
    with pytest.raises(DomainError, match="已截止"):
        applications.submit_application(session, cast["lead"], project.id)
    assert project.state == "draft"


def test_an_applicant_that_is_not_a_member_cannot_apply(session, cast):
    outsider = make_user(session, "financier")
    with pytest.raises(Forbidden):
        applications.create_draft(session, outsider, project_input(cast["call"]))


def test_bad_input_names_each_field_and_changes_nothing(session, cast):
    data = project_input(
        cast["call"], title="x", budget="12万", lat="39.9", lon="116.4", targets=(("锂回收率", "九十", "%"),)
    )
    with pytest.raises(DomainError) as refused:
        applications.create_draft(session, cast["lead"], data)
    assert {"title", "budget", "lat", "targets"} <= set(refused.value.fields)
    assert queries.of_enterprise(session, cast["lead"].enterprise_id) == []


def test_nobody_edits_another_enterprises_project(session, cast):
    project = applications.create_draft(session, cast["lead"], project_input(cast["call"]))
    with pytest.raises(Forbidden):
        applications.update_draft(
            session, cast["other"], project.id, project_input(cast["call"], title="被别人改掉的名称")
        )
    with pytest.raises(Forbidden):
        applications.add_attachment(session, cast["other"], project.id, "feasibility", checked_upload())
    with pytest.raises(Forbidden):
        applications.submit_application(session, cast["other"], project.id)
    assert project.title == "枣庄退役电池梯次利用储能电站示范项目"


def test_scores_are_weighted_and_a_reviewer_scores_only_what_is_assigned_once(session, cast):
    staff, lead, reviewer = cast["staff"], cast["lead"], cast["reviewer"]
    second, outsider = make_user(session, "reviewer"), make_user(session, "reviewer")
    project = make_project(session, lead, cast["call"], state="under_review", staff=staff, reviewer=reviewer)
    reviews.assign_reviewer(session, staff, project.id, second.id)

    def scores(*values):
        return [reviews.ScoreInput(f"c{i}", str(v), "意见") for i, v in enumerate(values, start=1)]

    with pytest.raises(NotFound):
        reviews.submit_review(session, outsider, project.id, scores(90, 90, 90))
    with pytest.raises(DomainError) as refused:
        reviews.submit_review(session, reviewer, project.id, scores(90, 101, 50))
    assert "score_c2" in refused.value.fields
    reviews.submit_review(session, reviewer, project.id, scores(90, 70, 60))  # 36 + 24.5 + 15 = 75.5
    reviews.submit_review(session, second, project.id, scores(70, 80, 80))  # 28 + 28 + 20 = 76
    with pytest.raises(Conflict):
        reviews.submit_review(session, second, project.id, scores(10, 10, 10))
    summary = reviews.summary(session, staff, project)
    assert [float(t) for t in summary.totals] == [75.5, 76.0]
    assert float(summary.mean) == 75.75 and float(summary.spread) == 0.5
    with pytest.raises(Forbidden):
        reviews.summary(session, reviewer, project)
    assert [p.id for p, _r in queries.assigned_to(session, outsider.id)] == []


def test_a_partner_reports_only_once_the_lead_granted_the_right(session, cast):
    lead, partner = cast["lead"], cast["partner"]
    project = make_project(
        session, lead, cast["call"], state="in_construction", staff=cast["staff"], partners=_partners(cast)
    )
    data = progress.ReportInput("2026-05-01", "2026-05-31", "完成场地平整和基础施工。", "", {}, {})
    with pytest.raises(Forbidden):
        progress.file_report(session, partner, project.id, data)
    with pytest.raises(Forbidden):
        applications.set_report_right(session, partner, project.id, cast["partner_enterprise"].id, True)
    applications.set_report_right(session, lead, project.id, cast["partner_enterprise"].id, True)
    report = progress.file_report(session, partner, project.id, data)
    assert report.enterprise_id == cast["partner_enterprise"].id
    with pytest.raises(Forbidden):
        progress.file_report(session, cast["other"], project.id, data)


def test_a_report_completes_milestones_and_gives_actuals_against_targets(session, cast, at):
    lead = cast["lead"]
    project = make_project(session, lead, cast["call"], state="in_construction", staff=cast["staff"])
    milestone = progress.add_milestone(session, lead, project.id, progress.MilestoneInput("储能系统并网", "2026-07-31"))
    capacity = project.targets[0]
    at("2026-07-20 10:00")
    data = progress.ReportInput(
        "2026-06-01",
        "2026-07-15",
        "一期10MWh储能系统已并网运行。",
        "电池一致性筛选耗时较长。",
        {capacity.id: "10.5"},
        {milestone.id: "并网验收单"},
    )
    progress.file_report(session, lead, project.id, data, [checked_upload(name="并网验收单.pdf")])
    assert milestone.completed_on == dt.date(2026, 7, 15)
    assert queries.latest_actuals(session, [project.id]) == {capacity.id: 10500}
    view = queries.public_view(session, project)
    assert view["targets"][0] == {
        "name": "储能装机容量",
        "unit": "MWh",
        "target": "20",
        "actual": "10.5",
        "percent": 52,
    }
    bad = progress.ReportInput("2026-07-01", "2026-08-30", "写得很短", "", {capacity.id: "-3"}, {})
    with pytest.raises(DomainError) as refused:
        progress.file_report(session, lead, project.id, bad)
    assert {"period_end", "narrative", f"actual_{capacity.id}"} <= set(refused.value.fields)


def test_late_milestones_are_found_by_date_and_reminded_before_and_after(app, session, cast, at):
    lead = cast["lead"]
    project = make_project(session, lead, cast["call"], state="in_construction", staff=cast["staff"])
    milestone = progress.add_milestone(
        session, lead, project.id, progress.MilestoneInput("电池包检测线建成", "2026-06-30")
    )
    session.commit()
    assert not queries.is_late(milestone, project.state, dt.date(2026, 6, 30))
    assert queries.is_late(milestone, project.state, dt.date(2026, 7, 1))

    def run(when):
        return jobs.run_due(now=at(when), only=["projects.milestone_reminders"])

    def mails():
        session.rollback()
        return [m.subject for m in session.scalars(select(OutboxMail).where(OutboxMail.to_address == lead.email))]

    run("2026-06-20 09:00")  # ten days ahead: nothing yet
    assert mails() == []
    run("2026-06-24 09:00")  # within a week
    assert mails() == ["里程碑即将到期：枣庄退役电池梯次利用储能电站示范项目·电池包检测线建成（2026-06-30）"]
    run("2026-06-30 23:00")  # due today (Shandong): not late yet, and not reminded twice
    assert len(mails()) == 1
    run("2026-07-01 09:00")
    assert mails()[-1].startswith("里程碑已逾期")
    assert session.scalar(
        select(Notification).where(Notification.user_id == lead.id).order_by(Notification.id.desc())
    ).title.startswith("里程碑已逾期")
    run("2026-07-03 09:00")  # a late reminder comes again only a week later
    assert len(mails()) == 2
    run("2026-07-08 09:00")
    assert len(mails()) == 3
    assert queries.late_project_ids(session, [project.id], dt.date(2026, 7, 8)) == {project.id}


def test_a_financiers_interest_reaches_the_lead_as_notification_and_mail(session, cast, outbox):
    lead, staff = cast["lead"], cast["staff"]
    banker = make_user(session, "financier", name="齐鲁银行枣庄分行")
    project = make_project(session, lead, cast["call"], state="approved", staff=staff)
    offer = finance.FinanceInput("3000000", "贷款", "可提供三年期绿色信贷。")
    with pytest.raises(Conflict):
        finance.express_interest(session, banker, project.id, offer)  # not seeking finance yet
    with pytest.raises(Forbidden):
        finance.set_seeking_finance(session, cast["other"], project.id, finance.FinanceInput("5000000", "loan"))
    finance.set_seeking_finance(session, lead, project.id, finance.FinanceInput("5000000", "loan", "二期扩容"))
    with pytest.raises(Forbidden):
        finance.express_interest(session, cast["other"], project.id, offer)  # a member is not a financier
    interest = finance.express_interest(session, banker, project.id, offer)
    assert (interest.amount_fen, interest.form) == (300000000, "loan")
    note = session.scalar(select(Notification).where(Notification.user_id == lead.id).order_by(Notification.id.desc()))
    assert "齐鲁银行枣庄分行" in note.title
    session.commit()
    mail = [m for m in outbox() if m.to_address == lead.email][-1]
    assert "3,000,000.00" in mail.body and "可提供三年期绿色信贷" in mail.body
    assert [i.id for i in queries.interests(session)] == [interest.id]
