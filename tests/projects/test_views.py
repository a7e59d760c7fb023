"""Project pages with the client: the browser path from application to acceptance, the refused side
of every permission, the staff board, table and export."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from portal.projects.models import Project, ProjectTransition
from tests.factories import PDF, make_call, make_member, make_project, make_user

pytestmark = pytest.mark.db


@pytest.fixture
def world(app, session, at):
    at("2026-06-01 10:00")
    staff = make_user(session, "staff")
    _lead_enterprise, lead = make_member(session)
    partner_enterprise, partner = make_member(session)
    _other, other = make_member(session)
    reviewer = make_user(session, "reviewer")
    call = make_call(session, staff)
    session.commit()
    return {
        "staff": staff.email,
        "lead": lead.email,
        "partner": partner.email,
        "partner_code": partner_enterprise.credit_code,
        "partner_id": partner_enterprise.id,
        "other": other.email,
        "reviewer": reviewer.email,
        "reviewer_id": reviewer.id,
        "call": call.id,
    }


def _logout(client):
    client.post("/logout")


def _form(world, **overrides):
    data = {
        "call_id": str(world["call"]),
        "title": "枣庄退役电池梯次利用储能电站示范项目",
        "type": "cascade_storage",
        "city": "370400",
        "site": "枣庄市薛城区",
        "lat": "34.80",
        "lon": "117.26",
        "summary": "利用退役磷酸铁锂电池建设20MWh用户侧储能电站。",
        "planned_start": "2026-07-01",
        "planned_end": "2027-06-30",
        "budget": "12000000",
        "funding_enterprise": "8000000",
        "funding_bank_loan": "4000000",
        "targets-0-name": "储能装机容量",
        "targets-0-value": "20",
        "targets-0-unit": "MWh",
        "partners-0-credit_code": world["partner_code"],
        "partners-0-role": "电池包供应",
    }
    return {**data, **overrides}


def test_application_to_acceptance_through_the_pages(client, login, session, world):
    login(world["lead"])
    response = client.post("/account/projects/new", data=_form(world))
    assert response.status_code == 302
    project_id = int(re.search(r"/account/projects/(\d+)", response.headers["Location"]).group(1))
    page = client.get(f"/account/projects/{project_id}").get_data(as_text=True)
    assert "请上传：可行性研究报告" in page
    upload = {"kind": "feasibility", "file": (io.BytesIO(PDF), "可研.pdf")}
    assert (
        client.post(
            f"/account/projects/{project_id}/files", data=upload, content_type="multipart/form-data"
        ).status_code
        == 302
    )
    client.post(f"/account/projects/{project_id}/submit")
    _logout(client)

    login(world["staff"])
    client.post(f"/staff/projects/{project_id}/reviewers", data={"reviewer_id": str(world["reviewer_id"])})
    client.post(f"/staff/projects/{project_id}/state", data={"target": "under_review"})
    _logout(client)

    login(world["reviewer"])
    assert client.get("/review/projects").get_data(as_text=True).count(f"/review/projects/{project_id}") == 1
    scores = {"score_c1": "85", "score_c2": "80", "score_c3": "70", "comment": "示范意义明显"}
    assert client.post(f"/review/projects/{project_id}", data=scores).status_code == 302
    assert "加权总分 79.5" in client.get(f"/review/projects/{project_id}").get_data(as_text=True)  # 34+28+17.5
    _logout(client)

    login(world["staff"])
    detail = client.get(f"/staff/projects/{project_id}").get_data(as_text=True)
    assert "平均 79.5 分" in detail
    client.post(f"/staff/projects/{project_id}/state", data={"target": "approved", "reason": "评审通过，同意立项"})
    client.post(f"/staff/projects/{project_id}/milestones", data={"name": "储能系统并网", "due_on": "2026-09-30"})
    _logout(client)

    login(world["lead"])
    client.post(f"/account/projects/{project_id}/state", data={"target": "in_construction"})
    project = session.get(Project, project_id)
    target_id, milestone_id = project.targets[0].id, project.milestones[0].id
    report = {
        "period_start": "2026-06-01",
        "period_end": "2026-06-01",
        "narrative": "设备进场，完成基础施工。",
        f"actual_{target_id}": "5",
        f"done_{milestone_id}": "y",
        f"evidence_{milestone_id}": "并网验收单",
        "evidence": (io.BytesIO(PDF), "验收单.pdf"),
    }
    response = client.post(f"/account/projects/{project_id}/report", data=report, content_type="multipart/form-data")
    assert response.status_code == 302
    client.post(f"/account/projects/{project_id}/state", data={"target": "operating"})
    _logout(client)

    login(world["staff"])
    staff_page = client.get(f"/staff/projects/{project_id}").get_data(as_text=True)
    assert (
        "储能装机容量：5 MWh" in staff_page
        and "验收单.pdf" in staff_page
        and "储能系统并网（并网验收单）" in staff_page
    )
    client.post(f"/staff/projects/{project_id}/state", data={"target": "accepted", "reason": "验收合格"})
    session.rollback()
    rows = session.scalars(
        select(ProjectTransition.to_state)
        .where(ProjectTransition.project_id == project_id)
        .order_by(ProjectTransition.id)
    )
    assert list(rows) == ["draft", "applied", "under_review", "approved", "in_construction", "operating", "accepted"]
    public = client.get(f"/projects/{project_id}").get_data(as_text=True)
    assert "<svg" in public and "5 / 20" not in public and "25%" in public


def test_bad_application_input_is_shown_with_422_and_saves_nothing(client, login, session, world):
    login(world["lead"])
    response = client.post("/account/projects/new", data=_form(world, budget="十二万", lat="40.5"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "金额应为元" in page and "坐标不在山东省范围内" in page
    assert session.scalar(select(Project.id)) is None


def test_another_enterprise_can_neither_see_nor_change_a_project(client, login, session, world):
    lead = session.scalar(select(Project).limit(1))
    assert lead is None
    from portal.auth.queries import user_by_email

    project = make_project(session, user_by_email(session, world["lead"]), state="in_construction")
    session.commit()
    login(world["other"])
    assert client.get(f"/account/projects/{project.id}").status_code == 404
    assert client.post(f"/account/projects/{project.id}/state", data={"target": "operating"}).status_code == 404
    assert client.post(f"/account/projects/{project.id}/report", data={"narrative": "x" * 20}).status_code == 404
    assert client.get(f"/staff/projects/{project.id}").status_code == 403
    session.rollback()
    assert session.get(Project, project.id).state == "in_construction"


def test_a_partner_without_the_right_cannot_report(client, login, session, world):
    from portal.auth.queries import user_by_email

    project = make_project(
        session,
        user_by_email(session, world["lead"]),
        state="in_construction",
        partners=((world["partner_code"], "运维"),),
    )
    session.commit()
    login(world["partner"])
    assert client.get(f"/account/projects/{project.id}").status_code == 200  # a partner sees it
    assert client.get(f"/account/projects/{project.id}/report").status_code == 403
    data = {"period_start": "2026-05-01", "period_end": "2026-05-31", "narrative": "完成了场地平整工作。"}
    assert client.post(f"/account/projects/{project.id}/report", data=data).status_code == 403
    # nor may it grant itself the right
    right = client.post(f"/account/projects/{project.id}/partners/{world['partner_id']}/right", data={"allowed": "1"})
    assert right.status_code == 403
    session.rollback()
    assert session.get(Project, project.id).partners[0].can_report is False


def test_a_reviewer_sees_only_what_is_assigned(client, login, session, world):
    from portal.auth.queries import user_by_email

    lead = user_by_email(session, world["lead"])
    assigned = make_project(session, lead, state="under_review", reviewer=user_by_email(session, world["reviewer"]))
    other = make_project(session, lead, state="under_review", title="菏泽废旧锂电池湿法冶金再生利用项目")
    session.commit()
    login(world["reviewer"])
    listing = client.get("/review/projects").get_data(as_text=True)
    assert f"/review/projects/{assigned.id}" in listing and f"/review/projects/{other.id}" not in listing
    assert client.get(f"/review/projects/{other.id}").status_code == 404
    from portal.projects.models import ProjectAttachment

    documents = {a.project_id: a.id for a in session.scalars(select(ProjectAttachment))}
    session.rollback()
    assert client.get(f"/projects/{assigned.id}/files/{documents[assigned.id]}").status_code == 200
    assert client.get(f"/projects/{other.id}/files/{documents[other.id]}").status_code == 404
    assert client.post(f"/review/projects/{other.id}", data={"score_c1": "90"}).status_code == 404
    assert client.get(f"/staff/projects/{assigned.id}").status_code == 403
    assert client.get(f"/account/projects/{assigned.id}").status_code == 403


def test_a_reviewer_never_sees_another_reviewers_scores(client, login, session, world):
    from portal.auth.queries import user_by_email
    from portal.projects import reviews

    first = user_by_email(session, world["reviewer"])
    second = make_user(session, "reviewer")
    project = make_project(session, user_by_email(session, world["lead"]), state="under_review", reviewer=first)
    reviews.assign_reviewer(session, user_by_email(session, world["staff"]), project.id, second.id)
    reviews.submit_review(
        session, second, project.id, [reviews.ScoreInput(f"c{i}", "17", "第二位专家的意见") for i in (1, 2, 3)]
    )
    session.commit()
    login(world["reviewer"])
    page = client.get(f"/review/projects/{project.id}").get_data(as_text=True)
    assert "第二位专家的意见" not in page and ">17<" not in page and "17.0" not in page


def test_staff_board_table_filters_and_export(client, login, session, world, at):
    from openpyxl import load_workbook

    from portal.auth.queries import user_by_email
    from portal.projects import progress

    lead = user_by_email(session, world["lead"])
    late = make_project(session, lead, state="in_construction", title="烟台三元电池湿法冶金示范线")
    progress.add_milestone(session, lead, late.id, progress.MilestoneInput("萃取车间建成", "2026-06-10"))
    make_project(session, lead, state="draft", title='=HYPERLINK("http://x")草稿项目')
    session.commit()
    at("2026-06-20 10:00")
    login(world["staff"])
    board = client.get("/staff/projects?view=board").get_data(as_text=True)
    assert "烟台三元电池湿法冶金示范线" in board and "board-card late" in board
    only_late = client.get("/staff/projects?late=1").get_data(as_text=True)
    assert "烟台三元电池湿法冶金示范线" in only_late and "草稿项目" not in only_late
    assert client.get("/staff/projects?state=nonsense").status_code == 422
    response = client.get("/staff/projects/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "项目名称" and len(rows) == 3
    formula = next(r for r in rows if "草稿项目" in str(r[1]))
    assert sheet.cell(row=rows.index(formula) + 1, column=2).data_type == "s"  # text, never a formula
    login(world["lead"])
    assert client.get("/staff/projects").status_code == 403


def test_a_partner_sees_the_lead_s_draft_but_cannot_edit_or_submit_it(client, login, session, world):
    from portal.auth.queries import user_by_email

    project = make_project(session, user_by_email(session, world["lead"]), partners=((world["partner_code"], "运维"),))
    session.commit()
    login(world["partner"])
    assert client.get(f"/account/projects/{project.id}").status_code == 200
    assert client.get(f"/account/projects/{project.id}/edit").status_code == 403
    assert (
        client.post(f"/account/projects/{project.id}/edit", data=_form(world, title="合作单位改的名称")).status_code
        == 403
    )
    upload = {"kind": "feasibility", "file": (io.BytesIO(PDF), "x.pdf")}
    assert (
        client.post(
            f"/account/projects/{project.id}/files", data=upload, content_type="multipart/form-data"
        ).status_code
        == 403
    )
    assert client.post(f"/account/projects/{project.id}/submit").status_code == 403
    session.rollback()
    assert session.get(Project, project.id).title == "枣庄退役电池梯次利用储能电站示范项目"
    assert session.get(Project, project.id).state == "draft"


def test_an_editor_of_the_lead_reports_but_only_its_administrator_seeks_finance(client, login, session, world):
    from portal.auth.queries import user_by_email

    lead = user_by_email(session, world["lead"])
    project = make_project(session, lead, state="in_construction")
    from portal.members.models import Enterprise

    editor = make_user(session, "member_editor", enterprise=session.get(Enterprise, lead.enterprise_id))
    session.commit()
    login(editor.email)
    data = {"period_start": "2026-05-01", "period_end": "2026-05-31", "narrative": "完成了场地平整和基础施工。"}
    assert client.post(f"/account/projects/{project.id}/report", data=data).status_code == 302
    assert (
        client.post(f"/account/projects/{project.id}/finance", data={"amount": "100", "form": "loan"}).status_code
        == 403
    )
    session.rollback()
    assert session.get(Project, project.id).seeking_finance is False


def test_an_observer_reads_the_staff_pages_but_changes_nothing(client, login, session, world):
    from portal.auth.queries import user_by_email

    project = make_project(session, user_by_email(session, world["lead"]), state="under_review")
    observer = make_user(session, "observer")
    session.commit()
    login(observer.email)
    assert client.get(f"/staff/projects/{project.id}").status_code == 200
    assert client.get("/staff/projects/export.xlsx").status_code == 200
    assert (
        client.post(f"/staff/projects/{project.id}/state", data={"target": "rejected", "reason": "x"}).status_code
        == 403
    )
    assert client.post(f"/staff/projects/{project.id}/reviewers", data={"reviewer_id": "1"}).status_code == 403
    assert client.post("/staff/projects/calls/new", data={"title": "观察员的申报通知"}).status_code == 403
    session.rollback()
    assert session.get(Project, project.id).state == "under_review"
