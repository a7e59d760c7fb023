"""The public showcase, the API and the search: approved projects only, and a confidential target
figure never reaches any of the three."""

from __future__ import annotations

import pytest

from portal import search
from portal.projects import applications, finance, progress
from tests.factories import commit_and_index, make_call, make_member, make_project, make_user

pytestmark = pytest.mark.db

SECRET_FIGURE = "9876.543"  # the confidential target's value, unlikely to appear anywhere else
SECRET_NAME = "单吨加工成本"


@pytest.fixture
def showcase(app, session, at):
    at("2026-06-01 10:00")
    staff = make_user(session, "staff")
    _enterprise, lead = make_member(session, name="山东鲁北再生材料有限公司", city="371700")
    call = make_call(session, staff)
    shown = make_project(
        session,
        lead,
        call,
        state="in_construction",
        staff=staff,
        title="菏泽废旧锂电池湿法冶金再生利用示范项目",
        type="recycling_hydro",
        city="菏泽",
        targets=(("年处理量", "20000", "吨/年"), ("锂回收率", "90", "%"), (SECRET_NAME, SECRET_FIGURE, "元/吨")),
    )
    secret = shown.targets[2]
    applications.set_confidential(session, staff, shown.id, secret.id, True)
    progress.add_milestone(session, lead, shown.id, progress.MilestoneInput("萃取车间建成", "2026-05-20"))
    progress.file_report(
        session,
        lead,
        shown.id,
        progress.ReportInput(
            "2026-05-01",
            "2026-05-31",
            "完成浸出工段安装，开始调试。",
            "",
            {shown.targets[1].id: "86.5", secret.id: "8888.111"},
        ),
    )
    draft = make_project(session, lead, call, state="under_review", staff=staff, title="申报中的滨州回收网络项目")
    commit_and_index(session)
    return {"shown": shown.id, "draft": draft.id, "lead": lead.email, "staff": staff.email}


def test_the_public_page_shows_outcomes_and_timeline_but_no_confidential_figure(client, showcase):
    page = client.get(f"/projects/{showcase['shown']}").get_data(as_text=True)
    assert "菏泽废旧锂电池湿法冶金再生利用示范项目" in page and "山东鲁北再生材料有限公司" in page
    assert "86.5" in page and "96%" in page  # 86.5 of 90
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and 'class="late"' in page and "今天 2026-06-01" in page
    assert SECRET_NAME not in page and SECRET_FIGURE not in page and "8888.111" not in page
    listing = client.get("/projects").get_data(as_text=True)
    assert "菏泽废旧锂电池湿法冶金再生利用示范项目" in listing and "申报中的滨州回收网络项目" not in listing
    assert SECRET_NAME not in listing
    assert client.get(f"/projects/{showcase['draft']}").status_code == 404


def test_the_api_lists_public_projects_with_public_targets_only(client, showcase):
    body = client.get("/api/v1/projects?type=湿法冶金&city=371700").get_json()
    assert body["total"] == 1 and body["page"] == 1 and body["per_page"] == 20
    item = body["items"][0]
    assert {"id", "title", "type", "type_label", "state", "lead", "city", "started_on", "targets"} <= set(item)
    assert (item["type"], item["type_label"], item["state"]) == (
        "recycling_hydro",
        "再生利用·湿法冶金",
        "in_construction",
    )
    assert item["started_on"] == "2026-06-01" and item["lead"] == "山东鲁北再生材料有限公司"
    assert item["targets"] == [
        {"name": "年处理量", "unit": "吨/年", "target": "20,000", "actual": None},
        {"name": "锂回收率", "unit": "%", "target": "90", "actual": "86.5"},
    ]
    one = client.get(f"/api/v1/projects/{showcase['shown']}")
    assert SECRET_NAME not in one.get_data(as_text=True) and SECRET_FIGURE not in one.get_data(as_text=True)
    assert client.get(f"/api/v1/projects/{showcase['draft']}").status_code == 404
    assert client.get("/api/v1/projects?state=under_review").status_code == 422
    bad = client.get("/api/v1/projects?type=火箭")
    assert bad.status_code == 422 and bad.get_json()["error"]["fields"] == {"type": "无法识别的取值：火箭"}
    assert client.get("/api/v1/projects?per_page=1000").status_code == 422


def test_the_search_finds_public_projects_but_not_the_confidential_figure(app, client, showcase, session):
    hits = search.search("湿法冶金", kinds=["project"])
    assert [object_id for _kind, object_id in hits.keys] == [showcase["shown"]]
    assert search.search(SECRET_NAME, kinds=["project"]).total == 0
    assert search.search("9876", kinds=["project"]).total == 0
    assert search.search("滨州回收网络", kinds=["project"]).total == 0  # under review: not indexed
    from portal.projects.models import Project
    from portal.projects.search import project_document

    document = project_document(session.get(Project, showcase["shown"]))
    assert SECRET_NAME not in " ".join(document.texts) and SECRET_FIGURE not in " ".join(document.texts)
    page = client.get("/projects?q=湿法冶金").get_data(as_text=True)
    assert "菏泽废旧锂电池湿法冶金再生利用示范项目" in page


def test_unmarking_a_figure_makes_it_public_again(client, session, showcase, login):
    login(showcase["staff"])
    from portal.projects.models import Project

    project = session.get(Project, showcase["shown"])
    secret = next(t for t in project.targets if t.name == SECRET_NAME)
    session.rollback()
    assert (
        client.post(
            f"/staff/projects/{project.id}/targets/{secret.id}/confidential", data={"confidential": "0"}
        ).status_code
        == 302
    )
    assert SECRET_NAME in client.get(f"/projects/{project.id}").get_data(as_text=True)


def test_only_staff_mark_figures_confidential(client, session, showcase, login):
    login(showcase["lead"])
    assert (
        client.post(
            f"/staff/projects/{showcase['shown']}/targets/1/confidential", data={"confidential": "0"}
        ).status_code
        == 403
    )


def test_the_openapi_document_describes_the_projects_endpoints(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "/projects" in doc["paths"] and "/projects/{project_id}" in doc["paths"]
    assert set(doc["components"]["schemas"]["Project"]["required"]) >= {"id", "title", "type_label", "targets"}


def test_financiers_see_projects_seeking_finance_and_members_do_not(client, session, showcase, login):
    from portal.auth.queries import user_by_email

    lead = user_by_email(session, showcase["lead"])
    finance.set_seeking_finance(session, lead, showcase["shown"], finance.FinanceInput("5000000", "lease"))
    banker = make_user(session, "financier", name="某融资租赁公司")
    session.commit()
    login(showcase["lead"])
    assert client.get("/projects/finance").status_code == 403
    assert (
        client.post(f"/projects/{showcase['shown']}/interest", data={"amount": "1", "form": "loan"}).status_code == 403
    )
    client.post("/logout")
    login(banker.email)
    assert "菏泽废旧锂电池湿法冶金再生利用示范项目" in client.get("/projects/finance").get_data(as_text=True)
    bad = client.post(f"/projects/{showcase['shown']}/interest", data={"amount": "很多", "form": "loan"})
    assert bad.status_code == 422 and "请填写金额" in bad.get_data(as_text=True)
    ok = client.post(
        f"/projects/{showcase['shown']}/interest", data={"amount": "2000000", "form": "融资租赁", "note": "可洽谈"}
    )
    assert ok.status_code == 302
    client.post("/logout")
    login(showcase["staff"])
    matches = client.get("/staff/projects/finance").get_data(as_text=True)
    assert "某融资租赁公司" in matches and "2,000,000.00" in matches and "可洽谈" in matches
    client.post("/logout")
    login(showcase["lead"])
    own = client.get(f"/account/projects/{showcase['shown']}").get_data(as_text=True)
    assert "某融资租赁公司" in own and "可洽谈" in own


def test_administrators_create_financier_accounts_and_staff_cannot(client, session, login, outbox):
    from portal.auth.queries import user_by_email

    admin, staff = make_user(session, "admin"), make_user(session, "staff")
    session.commit()
    login(staff.email)
    data = {"email": "bank@example.cn", "name": "齐鲁银行", "role": "financier"}
    assert client.post("/staff/users", data=data).status_code == 403
    client.post("/logout")
    login(admin.email)
    assert "金融机构" in client.get("/staff/users").get_data(as_text=True)  # offered in the role list
    assert client.post("/staff/users", data=data).status_code == 302
    session.rollback()
    banker = user_by_email(session, "bank@example.cn")
    assert banker.role == "financier" and banker.enterprise_id is None
    assert any(m.to_address == "bank@example.cn" for m in outbox())


def test_the_public_never_downloads_a_project_document(client, session, showcase):
    from sqlalchemy import select

    from portal.projects.models import ProjectAttachment

    attachment = session.scalar(select(ProjectAttachment).where(ProjectAttachment.project_id == showcase["shown"]))
    session.rollback()
    assert client.get(f"/projects/{showcase['shown']}/files/{attachment.id}").status_code == 404
