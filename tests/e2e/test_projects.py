"""A demonstration project in a real browser: a member applies online (draft, documents, submission),
staff review and approve it, and the member files a progress report that completes a milestone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, PDF, make_call, make_member, make_user

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def pilot(app, at, tmp_path):
    """An open call, a member enterprise's administrator, staff and a reviewer (committed)."""
    from portal.db import get_db

    at("2026-06-01 10:00")
    s = get_db().session(write=True)
    try:
        staff = make_user(s, "staff")
        _enterprise, lead = make_member(s, name="枣庄铁塔能源梯次利用有限公司", city="370400")
        reviewer = make_user(s, "reviewer")
        make_call(s, staff, title="2026年示范项目申报")
        s.commit()
        ids = {"staff": staff.id, "lead": lead.id, "lead_email": lead.email, "reviewer": reviewer.id}
    finally:
        s.close()
    pdf = tmp_path / "可行性研究报告.pdf"
    pdf.write_bytes(PDF)
    ids["pdf"] = str(pdf)
    return ids


def _login(page, live_server, email):
    page.goto(live_server("/login"))
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()


def _approve(project_id: int, ids: dict) -> None:
    """Staff and the reviewer do their part through the services (their pages have tests of their own)."""
    from portal.auth.queries import user_by_id
    from portal.db import get_db
    from portal.projects import lifecycle, progress, reviews

    s = get_db().session(write=True)
    try:
        staff, reviewer = user_by_id(s, ids["staff"]), user_by_id(s, ids["reviewer"])
        reviews.assign_reviewer(s, staff, project_id, reviewer.id)
        lifecycle.change_state(s, staff, project_id, "under_review")
        reviews.submit_review(s, reviewer, project_id, [reviews.ScoreInput(f"c{i}", "85") for i in (1, 2, 3)])
        lifecycle.change_state(s, staff, project_id, "approved", "同意立项")
        progress.add_milestone(
            s, staff, project_id, progress.MilestoneInput("储能系统并网", "2026-09-30", "并网验收单")
        )
        s.commit()
    finally:
        s.close()


def test_a_member_applies_online_and_files_a_progress_report(new_page, live_server, pilot, browser_log):
    page = new_page(viewport=PHONE)
    _login(page, live_server, pilot["lead_email"])
    page.goto(live_server("/account/projects"))
    page.get_by_role("link", name="在线申报").click()
    page.get_by_label("项目名称").fill("枣庄薛城退役电池梯次利用储能电站示范项目")
    page.get_by_label("项目类型").select_option(label="梯次利用·储能电站")
    page.get_by_label("所在城市").select_option(label="枣庄市")
    page.get_by_label("建设地点").fill("枣庄市薛城区新能源产业园")
    page.get_by_label("项目简介").fill("利用退役磷酸铁锂电池建设20MWh用户侧储能电站。")
    page.get_by_label("计划开始日期").fill("2026-07-01")
    page.get_by_label("计划完成日期").fill("2027-06-30")
    page.get_by_label("总投资（元）").fill("12000000")
    page.get_by_label("企业自筹（元）").fill("8000000")
    page.get_by_label("银行贷款（元）").fill("4000000")
    page.locator("#targets-0-name").fill("储能装机容量")
    page.locator("#targets-0-value").fill("20")
    page.locator("#targets-0-unit").fill("MWh")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".flash")).to_contain_text("草稿已保存")
    expect(page.get_by_role("button", name="提交申报")).to_be_disabled()  # the feasibility study is missing
    page.get_by_label("材料类别").select_option(label="可行性研究报告")
    page.locator("input[type=file]").set_input_files(pilot["pdf"])
    page.get_by_role("button", name="上传").click()
    expect(page.get_by_role("link", name="可行性研究报告.pdf")).to_be_visible()
    page.get_by_role("button", name="提交申报").click()
    expect(page.locator(".flash")).to_contain_text("项目已提交申报")
    expect(page.locator(".project-state").first).to_have_text("申报")
    project_id = int(re.search(r"/account/projects/(\d+)", page.url).group(1))

    _approve(project_id, pilot)
    page.reload()
    expect(page.locator(".project-state").first).to_have_text("立项")
    page.get_by_role("button", name="开工建设").click()
    expect(page.locator(".project-state").first).to_have_text("建设中")
    page.get_by_role("link", name="填报进展").click()
    page.get_by_label("报告期开始").fill("2026-05-01")
    page.get_by_label("报告期结束").fill("2026-05-31")
    page.get_by_label("本期进展").fill("完成场地平整，电池舱基础施工过半。")
    page.get_by_label("储能装机容量（MWh）").fill("5")
    page.get_by_label("储能系统并网").check()
    page.get_by_role("button", name="提交进展报告").click()
    expect(page.locator(".flash")).to_contain_text("进展报告已提交")
    expect(page.locator(".project-report")).to_contain_text("完成场地平整")
    expect(page.locator(".project-milestones")).to_contain_text("已完成")

    public = new_page()
    public.goto(live_server(f"/projects/{project_id}"))
    expect(public.locator("h1")).to_have_text("枣庄薛城退役电池梯次利用储能电站示范项目")
    expect(public.locator("svg.project-timeline circle.met")).to_have_count(1)
    expect(public.locator(".project-targets")).to_contain_text("25%")


def test_a_bad_report_is_shown_again_with_its_errors(new_page, live_server, pilot, browser_log):
    from portal.auth.queries import user_by_id
    from portal.db import get_db
    from tests.factories import make_project

    s = get_db().session(write=True)
    try:
        project = make_project(s, user_by_id(s, pilot["lead"]), state="in_construction")
        s.commit()
        project_id = project.id
    finally:
        s.close()
    browser_log.expect(r"422")
    page = new_page()
    _login(page, live_server, pilot["lead_email"])
    page.goto(live_server(f"/account/projects/{project_id}/report"))
    page.get_by_label("报告期开始").fill("2026-05-31")
    page.get_by_label("报告期结束").fill("2026-05-01")
    page.get_by_label("本期进展").fill("短")
    page.get_by_role("button", name="提交进展报告").click()
    expect(page.get_by_text("报告期结束日期不能早于开始日期。")).to_be_visible()
    expect(page.get_by_text("请写明本期进展（至少10字）。")).to_be_visible()


def test_staff_and_a_reviewer_take_a_project_to_acceptance_in_the_browser(new_page, live_server, pilot, browser_log):
    """Review, approval, a milestone and every later state change made on the staff and reviewer pages."""
    from portal.auth.queries import user_by_id
    from portal.db import get_db
    from tests.factories import make_project

    s = get_db().session(write=True)
    try:
        project = make_project(s, user_by_id(s, pilot["lead"]), state="applied")
        s.commit()
        project_id, reviewer_email = project.id, user_by_id(s, pilot["reviewer"]).email
        staff_email = user_by_id(s, pilot["staff"]).email
    finally:
        s.close()

    staff = new_page()
    _login(staff, live_server, staff_email)
    staff.goto(live_server(f"/staff/projects/{project_id}"))
    staff.get_by_label("评审专家").select_option(value=str(pilot["reviewer"]))
    staff.get_by_role("button", name="指派").click()
    expect(staff.locator(".flash")).to_be_visible()
    staff.get_by_role("button", name="开始评审").click()
    expect(staff.locator(".project-state").first).to_have_text("评审中")

    reviewer = new_page()
    _login(reviewer, live_server, reviewer_email)
    reviewer.goto(live_server("/review/projects"))
    reviewer.get_by_role("link", name="枣庄退役电池梯次利用储能电站示范项目").click()
    for key, score in (("c1", "90"), ("c2", "80"), ("c3", "70")):
        reviewer.locator(f"#score_{key}").fill(score)
    reviewer.get_by_role("button", name="提交评分").click()
    expect(reviewer.locator("main")).to_contain_text("加权总分 81.5")  # 90×40% + 80×35% + 70×25%

    staff.reload()
    staff.get_by_role("button", name="批准立项").click()  # a reason is required: the browser refuses first
    expect(staff.locator(".project-state").first).to_have_text("评审中")
    staff.locator("#reason-approved").fill("专家评审通过，同意立项。")
    staff.get_by_role("button", name="批准立项").click()
    expect(staff.locator(".project-state").first).to_have_text("立项")
    staff.get_by_label("里程碑").fill("储能系统并网")
    staff.get_by_label("计划完成日期").fill("2026-09-30")
    staff.get_by_label("交付成果").fill("并网验收单")
    staff.get_by_role("button", name="添加里程碑").click()
    expect(staff.locator(".project-milestones")).to_contain_text("储能系统并网")
    for verb, state in (("开工建设", "建设中"), ("投入运行", "运行中")):
        staff.get_by_role("button", name=verb).click()
        expect(staff.locator(".project-state").first).to_have_text(state)
    staff.locator("#reason-accepted").fill("验收专家组现场核查合格。")
    staff.get_by_role("button", name="通过验收").click()
    expect(staff.locator(".project-state").first).to_have_text("验收")
    expect(staff.get_by_role("button", name="终止项目")).to_have_count(0)  # a final state has no way out

    history = staff.locator(".project-history li")
    expect(history).to_have_count(7)  # created, applied, under review, approved, construction, operating, accepted
    expect(history.last).to_contain_text("运行中 → 验收")
    expect(history.last).to_contain_text("验收专家组现场核查合格")

    public = new_page()
    public.goto(live_server(f"/projects/{project_id}"))
    expect(public.locator(".project-state").first).to_have_text("验收")
