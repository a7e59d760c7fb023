"""Whatever a user or API client sends gets a clear answer, never a server error, and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.projects.models import Project, ProjectTransition
from tests.factories import make_call, make_member, make_project, make_user


@pytest.fixture
def ready(app, session, at):
    at("2026-06-01 10:00")
    staff = make_user(session, "staff")
    _enterprise, lead = make_member(session)
    call = make_call(session, staff)
    project = make_project(session, lead, call, state="in_construction", staff=staff)
    session.commit()
    return {"staff": staff.email, "lead": lead.email, "project": project.id, "call": call.id}


@pytest.mark.parametrize(
    "data",
    [
        {"call_id": "abc", "title": "项目名称够长"},
        {"call_id": "99999999999999999999", "title": "项目名称够长"},
        {"call_id": "1", "title": "项目名称够长", **{f"targets-{i}-name": "x" for i in range(40)}},
        {
            "call_id": "1",
            "title": "项目名称够长",
            "targets-0-value": "1e309",
            "targets-0-name": "a",
            "targets-0-unit": "t",
        },
        {"call_id": "1", "title": "项目名称够长", "lat": "nan", "lon": "inf"},
        {"call_id": "1", "title": "项目名称够长", "planned_start": "2026-02-30"},
        {"call_id": "1", "title": "项目名称够长", "partners-0-credit_code": "' OR 1=1 --"},
        {"call_id": "²", "title": "项目名称够长"},  # a Unicode digit that int() refuses
        {"call_id": "1", "title": "项目名称够长", "targets-²-name": "x", "targets-9" + "9" * 5000 + "-name": "y"},
    ],
)
def test_odd_application_input_is_refused_with_422(client, login, session, ready, data):
    login(ready["lead"])
    response = client.post("/account/projects/new", data=data)
    assert response.status_code == 422
    assert session.scalar(select(func.count()).select_from(Project)) == 1


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/account/projects/{p}/state", {"target": "accepted"}),
        ("/account/projects/{p}/state", {"target": "<script>"}),
        ("/account/projects/{p}/milestones", {"name": "x", "due_on": "明天"}),
        ("/account/projects/{p}/report", {"period_start": "x", "period_end": "", "narrative": ""}),
        ("/account/projects/{p}/finance", {"amount": "-5", "form": "gift"}),
        ("/account/projects/{p}/partners/999999/right", {"allowed": "1"}),
        ("/account/projects/{p}/milestones/999999/delete", {}),
        ("/account/projects/{p}/files/999999/delete", {}),
    ],
)
def test_odd_member_posts_never_fail_the_server(client, login, session, ready, path, data):
    login(ready["lead"])
    response = client.post(path.format(p=ready["project"]), data=data)
    assert response.status_code in (302, 403, 404, 409, 422)
    states = session.scalars(select(ProjectTransition.to_state).where(ProjectTransition.project_id == ready["project"]))
    assert list(states)[-1] == "in_construction"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/staff/projects/{p}/reviewers", {"reviewer_id": "abc"}),
        ("/staff/projects/{p}/reviewers/999999/delete", {}),
        ("/staff/projects/{p}/state", {"target": "operating", "reason": ""}),
        ("/staff/projects/{p}/targets/999999/confidential", {"confidential": "1"}),
        ("/staff/projects/calls/new", {"title": "x", "criteria": "a 50\nb 60", "types": ["rocket"]}),
    ],
)
def test_odd_staff_posts_never_fail_the_server(client, login, ready, path, data):
    login(ready["staff"])
    assert client.post(path.format(p=ready["project"]), data=data).status_code in (302, 404, 409, 422)


@pytest.mark.parametrize(
    "query", ["page=0", "per_page=abc", "state=draft", "type=火箭", "city=北京", "q=" + "长" * 500, "page=100001"]
)
def test_odd_list_queries_are_refused_or_answered(client, ready, query):
    assert client.get(f"/projects?{query}").status_code in (200, 422)
    assert client.get(f"/api/v1/projects?{query}").status_code in (200, 422)


def test_a_suspended_lead_can_no_longer_report_or_seek_finance(client, login, session, ready):
    from portal.auth.models import User
    from portal.members.models import Membership
    from portal.projects.models import ProgressReport

    lead = session.scalar(select(User).where(User.email == ready["lead"]))
    session.scalar(select(Membership).where(Membership.enterprise_id == lead.enterprise_id)).state = "suspended"
    session.commit()
    login(ready["lead"])
    report = {"period_start": "2026-05-01", "period_end": "2026-05-31", "narrative": "本期完成了设备安装调试工作。"}
    refused = client.post(f"/account/projects/{ready['project']}/report", data=report)
    assert refused.status_code == 403 and "暂停" in refused.get_data(as_text=True)
    finance = client.post(f"/account/projects/{ready['project']}/finance", data={"amount": "5000000", "form": "loan"})
    assert finance.status_code == 403
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ProgressReport)) == 0
    assert not session.get(Project, ready["project"]).seeking_finance
