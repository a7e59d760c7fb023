"""The demo step of projects: a call of last year with a dozen projects followed from application to
acceptance (storage stations in Zaozhuang, base-station backup with the tower company,
hydrometallurgy in Yantai and Heze ...), some with late milestones, and this year's open call.

Everything goes through the services, by the people who would do it, with the portal's clock moved
to each moment (as the ledger's demo does), so states, transitions, reports and reminders line up.
The step does nothing when demo calls exist already or the demo members and staff are missing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.core import clock
from portal.core.files import CheckedUpload
from portal.demo import DEMO_LICENCE_PDF, DEMO_PASSWORD, SeedContext

FINANCIER = ("financier@demo.sdbra.cn", "齐鲁银行绿色金融部（演示）")
CRITERIA = "技术先进性 30\n示范带动作用 25\n经济可行性 20\n安全与环保 15\n实施基础 10"
# lead (demo member index), partner indexes, title, type, city, site, budget (10k yuan), targets, final state,
# milestones (name, months after the start, done), seeking finance (10k yuan, form) or None, review scores
PROJECTS = (
    (
        4,
        (2,),
        "枣庄薛城退役电池梯次利用储能电站示范项目",
        "cascade_storage",
        "370400",
        "枣庄市薛城区新能源产业园",
        3200,
        (("储能装机容量", "20", "MWh"), ("年放电量", "1100", "万千瓦时"), ("新增就业", "35", "人")),
        "operating",
        (("电池包分选检测线建成", 3, True), ("一期10MWh并网", 7, True), ("二期10MWh并网", 12, False)),
        (1500, "loan"),
        86,
    ),
    (
        4,
        (),
        "中国铁塔枣庄分公司通信基站梯次电池备电示范项目",
        "cascade_telecom",
        "370400",
        "枣庄市六区（市）通信基站",
        860,
        (("改造基站数", "600", "座"), ("梯次电池用量", "4.8", "MWh")),
        "in_construction",
        (("首批200座基站改造", 2, True), ("第二批200座基站改造", 5, False), ("全部600座基站改造", 13, False)),
        None,
        82,
    ),
    (
        3,
        (5,),
        "烟台开发区三元电池湿法冶金再生利用示范线",
        "recycling_hydro",
        "370600",
        "烟台经济技术开发区化工园",
        12500,
        (
            ("年处理量", "20000", "吨/年"),
            ("锂回收率", "90", "%"),
            ("镍回收率", "98", "%"),
            ("钴回收率", "98", "%"),
            ("锰回收率", "97", "%"),
            ("单吨加工成本", "6800", "元/吨"),
        ),
        "in_construction",
        (("浸出工段安装", 4, True), ("萃取车间建成", 11, False), ("全线试生产", 16, False)),
        None,
        88,
    ),
    (
        7,
        (3,),
        "菏泽废旧锂电池湿法冶金资源化示范项目",
        "recycling_hydro",
        "371700",
        "菏泽高新区循环经济产业园",
        9800,
        (("年处理量", "15000", "吨/年"), ("锂回收率", "88", "%"), ("新增就业", "120", "人")),
        "in_construction",
        (("环评批复", 1, True), ("主体厂房封顶", 6, False), ("设备安装", 13, False)),
        (4000, "equity"),
        79,
    ),
    (
        2,
        (),
        "德州齐河用户侧削峰填谷梯次储能项目",
        "cascade_peak",
        "371400",
        "德州市齐河县经济开发区",
        1450,
        (("储能装机容量", "8", "MWh"), ("年削峰电量", "260", "万千瓦时")),
        "in_construction",
        (("电池舱基础施工", 2, True), ("系统联调", 12, False)),
        None,
        77,
    ),
    (
        2,
        (4,),
        "青岛动力电池“电池银行”梯次利用商业模式创新试点",
        "business_model",
        "370200",
        "青岛市黄岛区",
        2100,
        (("入网电池包", "3000", "个/年"), ("合作换电站", "40", "座")),
        "approved",
        (("平台上线", 12, False),),
        None,
        84,
    ),
    (
        6,
        (),
        "潍坊滨海退役电池自动化拆解与物理分选示范线",
        "recycling_physical",
        "370700",
        "潍坊滨海经济技术开发区",
        4300,
        (("年处理电池包", "60000", "个/年"), ("黑粉回收率", "95", "%")),
        "accepted",
        (("拆解线安装", 3, True), ("试运行", 6, True), ("达产验收", 10, True)),
        None,
        90,
    ),
    (
        5,
        (1,),
        "烟台区域动力电池回收服务网络建设项目",
        "network",
        "370600",
        "烟台市各区县",
        620,
        (("新增回收服务网点", "45", "个"), ("年回收量", "3000", "吨/年")),
        "operating",
        (("首批20个网点投用", 3, True), ("信息平台对接", 5, True), ("全部45个网点投用", 11, False)),
        None,
        81,
    ),
    (
        10,
        (),
        "临沂低速电动车退役电池梯次利用项目",
        "cascade_other",
        "371300",
        "临沂市兰山区",
        540,
        (("年利用电池包", "8000", "个/年"),),
        "rejected",
        (),
        None,
        58,
    ),
    (
        1,
        (),
        "济南城区动力电池回收网点提升项目",
        "network",
        "370100",
        "济南市历城区",
        380,
        (("新增回收服务网点", "30", "个"),),
        "stopped",
        (("首批10个网点", 3, True),),
        None,
        75,
    ),
)
CURRENT = (
    (4, "德州齐河梯次利用储能电站二期项目", "cascade_storage", "371400", "德州市齐河县", 2600, "applied"),
    (9, "威海新能源汽车动力电池回收服务网点提升项目", "network", "371000", "威海市环翠区", 300, "draft"),
)


def _at(day: dt.date, hour: int = 10) -> None:
    clock.set_now(clock.local_midnight_utc(day) + dt.timedelta(hours=hour))


def _months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, min(day.day, 28))


def _pdf(name: str) -> CheckedUpload:
    return CheckedUpload(data=DEMO_LICENCE_PDF, kind="pdf", original_name=name)


def seed(session: Session, ctx: SeedContext) -> None:
    """Last year's call with ten projects in every state, this year's open call with two applications."""
    from portal.auth import services as auth
    from portal.auth.queries import user_by_email
    from portal.projects.models import ProjectCall

    if session.scalar(select(ProjectCall.id).where(ProjectCall.is_demo).limit(1)) is not None:
        ctx.logins.append(("financier", FINANCIER[0], DEMO_PASSWORD))
        return
    staff, reviewer = user_by_email(session, "staff@demo.sdbra.cn"), user_by_email(session, "reviewer@demo.sdbra.cn")
    leads = {i: user_by_email(session, f"contact{i:02d}@demo.sdbra.cn") for i in range(1, 13)}
    if staff is None or reviewer is None or any(u is None for u in leads.values()):
        return
    banker = user_by_email(session, FINANCIER[0])
    if banker is None:
        banker = auth.create_user(
            session,
            email=FINANCIER[0],
            password=DEMO_PASSWORD,
            role="financier",
            name=FINANCIER[1],
            verified=True,
            is_demo=True,
        )
    ctx.logins.append(("financier", FINANCIER[0], DEMO_PASSWORD))
    with clock.kept():
        today = clock.today()
        _last_year(session, staff, reviewer, leads, banker, today)
        _this_year(session, staff, reviewer, leads, today)
    ctx.created.append(f"{len(PROJECTS) + len(CURRENT)} demo projects")


def _call(session, staff, title: str, opens: dt.date):
    from portal.projects.calls import CallInput, create_call
    from portal.projects.kinds import PROJECT_TYPES

    data = CallInput(
        title=title,
        description="申报范围：退役动力蓄电池梯次利用、高效再生利用的先进示范项目，以及商业模式创新试点。",
        types=tuple(PROJECT_TYPES.codes),
        opens_on=opens.isoformat(),
        closes_on=(opens + dt.timedelta(days=60)).isoformat(),
        criteria=CRITERIA,
        documents=("feasibility", "licence"),
    )
    return create_call(session, staff, data, is_demo=True)


def _apply(session, lead, call, title, kind, city, site, budget, targets, partners, start, codes):
    from portal.projects.applications import ProjectInput, add_attachment, create_draft

    data = ProjectInput(
        call_id=call.id,
        title=title,
        type=kind,
        city=city,
        site=site,
        summary=f"{title}：由牵头单位联合合作单位实施，建成后面向全省推广应用。",
        planned_start=start.isoformat(),
        planned_end=_months(start, 18).isoformat(),
        budget=str(budget * 10000),
        funding={"enterprise": str(budget * 6000), "subsidy": str(budget * 1500), "bank_loan": str(budget * 2500)},
        targets=targets,
        partners=tuple((codes[p], "合作实施") for p in partners),
    )
    project = create_draft(session, lead, data, is_demo=True)
    add_attachment(session, lead, project.id, "feasibility", _pdf("可行性研究报告.pdf"))
    add_attachment(session, lead, project.id, "licence", _pdf("营业执照及资质.pdf"))
    return project


def _codes(session, leads) -> dict[int, str]:
    from portal.members.queries import enterprise_briefs

    briefs = enterprise_briefs(session, [u.enterprise_id for u in leads.values()])
    return {i: briefs[u.enterprise_id].credit_code for i, u in leads.items()}


def _review(session, staff, reviewer, project, score: int) -> None:
    from portal.projects import lifecycle, reviews

    reviews.assign_reviewer(session, staff, project.id, reviewer.id)
    lifecycle.change_state(session, staff, project.id, "under_review")
    spread = (score + 4, score - 3, score, score + 2, score - 5)
    scores = [reviews.ScoreInput(f"c{i}", str(max(0, min(100, s)))) for i, s in enumerate(spread, start=1)]
    reviews.submit_review(
        session, reviewer, project.id, scores, "材料齐全，技术路线可行。" if score >= 70 else "经济性论证不足。"
    )


def _last_year(session, staff, reviewer, leads, banker, today: dt.date) -> None:
    from portal.projects import applications, finance, lifecycle, progress

    opens = today - dt.timedelta(days=420)
    _at(opens)
    call = _call(session, staff, f"{opens.year}年度动力电池回收利用先进示范项目申报", opens)
    codes = _codes(session, leads)
    start = opens + dt.timedelta(days=110)
    _at(opens + dt.timedelta(days=20))
    made = []
    for lead_i, partners, title, kind, city, site, budget, targets, final, milestones, seek, score in PROJECTS:
        lead = leads[lead_i]
        project = _apply(session, lead, call, title, kind, city, site, budget, targets, partners, start, codes)
        applications.submit_application(session, lead, project.id)
        made.append((project, lead, final, milestones, seek, score))
    _at(opens + dt.timedelta(days=75))
    for project, _lead, _final, _m, _s, score in made:
        _review(session, staff, reviewer, project, score)
    _at(opens + dt.timedelta(days=90))
    for project, lead, final, milestones, _seek, score in made:
        if final == "rejected":
            lifecycle.change_state(
                session, staff, project.id, "rejected", "经济可行性论证不足，建议完善后参加下一批申报。"
            )
            continue
        lifecycle.change_state(session, staff, project.id, "approved", f"专家评审平均分{score}分，同意立项。")
        for name, month, _done in milestones:
            progress.add_milestone(
                session,
                lead,
                project.id,
                progress.MilestoneInput(name, _months(start, month).isoformat(), f"{name}的佐证材料"),
            )
        if project.title.startswith("烟台开发区三元"):
            secret = next(t for t in project.targets if t.name == "单吨加工成本")
            applications.set_confidential(session, staff, project.id, secret.id, True)
    _at(start)
    for project, lead, final, _milestones, seek, _score in made:
        if final in ("rejected", "approved"):
            continue
        lifecycle.change_state(session, lead, project.id, "in_construction")
        if seek:
            finance.set_seeking_finance(session, lead, project.id, finance.FinanceInput(str(seek[0] * 10000), seek[1]))
    for project, lead, final, milestones, _seek, _score in made:
        _reports(session, lead, project, milestones, start, today)
        if final in ("operating", "accepted"):
            _at(min(_months(start, 8), today))
            lifecycle.change_state(session, lead, project.id, "operating")
        if final == "accepted":
            _at(min(_months(start, 11), today))
            lifecycle.change_state(session, staff, project.id, "accepted", "专家组现场验收：各项指标达到申报目标。")
        if final == "stopped":
            _at(min(_months(start, 5), today))
            lifecycle.change_state(session, staff, project.id, "stopped", "牵头单位因场地调整申请终止，经秘书处同意。")
    _at(today - dt.timedelta(days=3))
    interested = next(p for p, *_rest in made if p.seeking_finance)
    finance.express_interest(
        session, banker, interested.id, finance.FinanceInput("8000000", "loan", "可提供五年期绿色项目贷款，欢迎洽谈。")
    )


def _reports(session, lead, project, milestones, start: dt.date, today: dt.date) -> None:
    """A report at each completed milestone (a day after its due date), with actuals growing towards the targets."""
    from portal.projects import progress

    done = [m for m in project.milestones if any(n == m.name and d for n, _month, d in milestones)]
    for step, milestone in enumerate(done, start=1):
        day = min(milestone.due_on + dt.timedelta(days=1), today)
        _at(day)
        share = step / max(len(milestones), 1)
        actuals = {t.id: f"{t.target_milli * share / 1000:.1f}" for t in project.targets}
        data = progress.ReportInput(
            (day - dt.timedelta(days=90)).isoformat(),
            day.isoformat(),
            f"本期完成“{milestone.name}”，工程进度符合计划。",
            "部分设备到货延迟，已协调供应商。" if step == 1 else "",
            actuals,
            {milestone.id: "验收记录和现场照片已上传。"},
        )
        progress.file_report(session, lead, project.id, data, [_pdf(f"{milestone.name}佐证.pdf")])


def _this_year(session, staff, reviewer, leads, today: dt.date) -> None:
    from portal.projects import applications, lifecycle, reviews

    opens = today - dt.timedelta(days=10)
    _at(opens)
    call = _call(session, staff, f"{today.year}年度动力电池梯次利用和再生利用示范项目申报", opens)
    codes = _codes(session, leads)
    _at(today - dt.timedelta(days=5))
    for lead_i, title, kind, city, site, budget, state in CURRENT:
        targets = (("储能装机容量", "30", "MWh"),) if kind == "cascade_storage" else (("新增回收服务网点", "25", "个"),)
        project = _apply(session, leads[lead_i], call, title, kind, city, site, budget, targets, (), today, codes)
        if state == "applied":
            applications.submit_application(session, leads[lead_i], project.id)
            _at(today - dt.timedelta(days=2))
            reviews.assign_reviewer(session, staff, project.id, reviewer.id)
            lifecycle.change_state(session, staff, project.id, "under_review")
