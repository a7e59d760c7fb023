"""flask seed-demo: fill every feature with realistic demo content, idempotently.

Demo rows carry ``is_demo`` and are shown with a 演示数据 badge. Running it twice changes nothing.
Each feature adds its own ``seed_<feature>(session, ctx)`` step to ``STEPS``.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass, field

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import search
from portal.config import PROJECT_ROOT
from portal.core import clock
from portal.core.creditcode import check_character, organisation_check_character
from portal.core.uow import run_in_transaction

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed for the demo logins
DEMO_ACCOUNTS = (
    ("admin@demo.sdbra.cn", "admin", "系统管理员（演示）"),
    ("staff@demo.sdbra.cn", "staff", "协会秘书处（演示）"),
    ("observer@demo.sdbra.cn", "observer", "省工信厅观察员（演示）"),
    ("reviewer@demo.sdbra.cn", "reviewer", "评审专家（演示）"),
)
# A tiny valid PDF, standing in for a scanned business licence.
DEMO_LICENCE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class SeedContext:
    created: list[str] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def make_credit_code(prefix: str, division: str, org_body: str) -> str:
    """A code that passes every GB 32100 check, for demo enterprises only."""
    org = org_body + organisation_check_character(org_body)
    first17 = prefix + division + org
    return first17 + check_character(first17)


def _load() -> dict:
    return json.loads((PROJECT_ROOT / "content" / "demo" / "members.json").read_text(encoding="utf-8"))


def seed_accounts(session: Session, ctx: SeedContext) -> None:
    from portal.auth import services as auth
    from portal.auth.models import User

    for email, role, name in DEMO_ACCOUNTS:
        if session.scalar(select(User.id).where(User.email == email)) is None:
            auth.create_user(
                session, email=email, password=DEMO_PASSWORD, role=role, name=name, verified=True, is_demo=True
            )
            ctx.created.append(f"user {email}")
        ctx.logins.append((role, email, DEMO_PASSWORD))


def seed_members(session: Session, ctx: SeedContext) -> None:
    from portal.auth.models import User
    from portal.members.models import (
        Enterprise,
        EnterpriseActivity,
        FeePayment,
        Membership,
        TierFee,
    )
    from portal.members.services import next_membership_number

    data = _load()
    for tier, yuan in data["tier_fees_yuan"].items():
        if session.get(TierFee, tier) is None:
            session.add(TierFee(tier=tier, annual_fee_fen=int(yuan) * 100))
    today = clock.today()
    staff = session.scalar(select(User).where(User.email == "staff@demo.sdbra.cn"))

    def enterprise_for(row: dict, status: str, index: int) -> Enterprise | None:
        code = make_credit_code(row["prefix"], row["division"], row["org"])
        if session.scalar(select(Enterprise.id).where(Enterprise.credit_code == code)) is not None:
            return None
        enterprise = Enterprise(
            name=row["name"],
            credit_code=code,
            status=status,
            city=row["division"] if row["division"].endswith("00") and row["division"] != "370000" else "370100",
            address=row["address"],
            contact_name=row["contact"],
            contact_phone=row["phone"],
            contact_email=f"contact{index:02d}@demo.sdbra.cn",
            description=row.get("description", ""),
            website=("https://" + row["website"]) if row.get("website") else "",
            is_demo=True,
            activity_rows=[EnterpriseActivity(activity=a) for a in row["activities"]],
        )
        if row.get("whitelist"):
            enterprise.whitelist_batch, enterprise.whitelist_activity = row["whitelist"]
        session.add(enterprise)
        session.flush()
        ctx.created.append(f"enterprise {enterprise.name}")
        return enterprise

    for index, row in enumerate(data["enterprises"], start=1):
        enterprise = enterprise_for(row, "member", index)
        if enterprise is None:
            continue
        lapsed = row.get("lapsed", False)
        year = today.year - 1 if lapsed else today.year
        membership = Membership(
            enterprise_id=enterprise.id,
            number=next_membership_number(session, year),
            tier=row["tier"],
            state="lapsed" if lapsed else "active",
            term_start=dt.date(year, 1, 1),
            term_end=dt.date(year, 12, 31),
            approved_at=clock.now() - dt.timedelta(days=400 if lapsed else 30 * index),
        )
        session.add(membership)
        session.flush()
        if not lapsed:
            fee = session.get(TierFee, row["tier"]).annual_fee_fen
            session.add(
                FeePayment(
                    membership_id=membership.id,
                    term_year=year,
                    amount_fen=fee,
                    paid_on=dt.date(year, 1, 15),
                    note="演示数据",
                    recorded_by_id=staff.id if staff else None,
                )
            )
        search.enqueue(session, "member", enterprise.id)
        add_applicant(
            session,
            enterprise,
            row,
            privacy_accepted_at=membership.approved_at,
            state="approved",
            submitted_at=membership.approved_at - dt.timedelta(days=7),
            decided_at=membership.approved_at,
            decided_by_id=staff.id if staff else None,
        )
    for index, row in enumerate(data["applications"], start=50):
        enterprise = enterprise_for(row, "applicant", index)
        if enterprise is None:
            continue
        add_applicant(
            session, enterprise, row, privacy_accepted_at=clock.now(), state=row["state"], reason=row.get("reason", "")
        )
    session.flush()
    ctx.logins.append(("member_admin", "contact01@demo.sdbra.cn", DEMO_PASSWORD))
    ctx.logins.append(("applicant", "contact50@demo.sdbra.cn", DEMO_PASSWORD))


def add_applicant(session: Session, enterprise, row: dict, **application) -> None:
    """The enterprise's first account (its contact, verified) and its application with a demo licence."""
    from portal.auth import services as auth
    from portal.core.files import uploads_dir
    from portal.members.models import MembershipApplication

    user = auth.create_user(
        session,
        email=enterprise.contact_email,
        password=DEMO_PASSWORD,
        role="member_admin",
        name=row["contact"],
        enterprise_id=enterprise.id,
        verified=True,
        is_demo=True,
    )
    session.add(
        MembershipApplication(
            enterprise_id=enterprise.id,
            applicant_id=user.id,
            requested_tier=row["tier"],
            licence_file=_demo_licence(uploads_dir()),
            licence_name="营业执照（演示）.pdf",
            licence_mime="application/pdf",
            **application,
        )
    )


def _demo_licence(folder) -> str:
    name = f"{secrets.token_hex(16)}.pdf"
    (folder / name).write_bytes(DEMO_LICENCE_PDF)
    return name


def seed_outlets(session: Session, ctx: SeedContext) -> None:
    """About 520 demo outlets over the 16 cities, imported through the import service."""
    import random

    from portal.outlets.importer import import_outlets
    from portal.outlets.models import Outlet

    if session.scalar(select(Outlet.id).limit(1)) is not None:
        return
    data = (PROJECT_ROOT / "content" / "demo" / "outlets.csv").read_bytes()
    report = import_outlets(session, data, "outlets.csv", actor_label="演示数据", is_demo=True)
    if not report.written:
        raise RuntimeError(f"demo outlets did not import: {report.errors[:3]}")
    # Outlets run by a member car maker belong to its recycling network.
    from portal.members.models import Enterprise, EnterpriseActivity
    from portal.outlets.models import OutletMaker

    rows = session.execute(
        select(Enterprise.name, Enterprise.id)
        .join(EnterpriseActivity, EnterpriseActivity.enterprise_id == Enterprise.id)
        .where(Enterprise.status == "member", EnterpriseActivity.activity == "vehicle_maker")
    )
    makers = {name: enterprise_id for name, enterprise_id in rows}
    for outlet in session.scalars(select(Outlet).where(Outlet.operator_name.in_(list(makers)))):
        outlet.makers = [OutletMaker(enterprise_id=makers[outlet.operator_name])]
    rng = random.Random(520)
    today = clock.today()
    for outlet in session.scalars(select(Outlet).where(Outlet.status.in_(("compliant", "rectifying", "closed")))):
        outlet.last_verified_on = today - dt.timedelta(days=rng.randint(5, 300))
        outlet.last_verified_by = "协会秘书处（演示）"
    session.flush()
    ctx.created.append(f"{report.created} outlets")


def _demo_png(width: int = 320, height: int = 200, rgb: tuple[int, int, int] = (176, 190, 197)) -> bytes:
    """A plain grey PNG standing in for a site photo."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def seed_campaigns(session: Session, ctx: SeedContext) -> None:
    """A verification campaign over 济南 and 烟台: a few compliant outlets, one rectification answered."""
    from portal.auth.models import User
    from portal.campaigns import queries, services
    from portal.campaigns.checklist import applies
    from portal.campaigns.models import Campaign
    from portal.core.files import CheckedUpload

    if session.scalar(select(Campaign.id).where(Campaign.is_demo).limit(1)) is not None:
        return
    staff = session.scalar(select(User).where(User.email == "staff@demo.sdbra.cn"))
    member = session.scalar(select(User).where(User.email == "contact01@demo.sdbra.cn"))
    if staff is None or member is None or member.enterprise_id is None:
        return
    today = clock.today()
    data = services.CampaignInput(
        name=f"{today.year}年回收服务网点全面核查（演示）",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=60),
        cities=("370100", "370600"),
    )
    campaign = services.open_campaign(session, staff, data, is_demo=True)
    rows = [o for o, _i in session.execute(queries.campaign_outlets(campaign.id)) if o.is_demo]
    own = [o for o in rows if o.operator_enterprise_id == member.enterprise_id]
    others = [o for o in rows if o.operator_enterprise_id != member.enterprise_id]
    others = [o for o in others if o.city == "370100"][:2] + [o for o in others if o.city == "370600"][:2]
    photo = CheckedUpload(data=_demo_png(), kind="png", original_name="现场照片（演示）.png")

    def inspect(outlet, days_ago: int, result: str = "compliant", **outcomes):
        marks = tuple(
            services.ItemMark(code=i["code"], outcome=outcomes.get(i["code"], "met"), note="")
            for i in campaign.checklist.items
            if applies(i, outlet.type)
        )
        deadline = today + dt.timedelta(days=30) if result == "rectification" else ""
        entry = services.InspectionInput(
            inspected_on=today - dt.timedelta(days=days_ago),
            result=result,
            deadline=deadline,
            summary="现场核查（演示数据）",
            items=marks,
        )
        return services.record_inspection(session, staff, campaign.id, outlet.id, entry, [photo], is_demo=True)

    for days_ago, outlet in zip((20, 16, 12, 8), others, strict=False):
        inspect(outlet, days_ago)
    if own:
        finding = inspect(own[0], 10, "rectification", fire_equipment="not_met")
        evidence = CheckedUpload(data=DEMO_LICENCE_PDF, kind="pdf", original_name="整改报告（演示）.pdf")
        services.answer_rectification(
            session, member, finding.id, "已补充灭火器4具、消防沙2箱，并张贴作业流程。", [evidence]
        )
    ctx.created.append(f"campaign {campaign.name}")


def seed_standards(session: Session, ctx: SeedContext) -> None:
    """The standards catalogue of content/library/standards.json (real entries, not demo data)."""
    from portal.library.services import load_catalogue

    path = PROJECT_ROOT / "content" / "library" / "standards.json"
    added = load_catalogue(session, json.loads(path.read_text(encoding="utf-8"))["standards"])
    if added:
        ctx.created.append(f"{len(added)} standards")


def plan_body(title: str) -> str:
    """The plan's text from the line after its own title line, lines of a paragraph joined again.

    The file is a news article: its introduction quotes the title in 《》 before the plan itself."""
    text = (PROJECT_ROOT / "content" / "library" / "plan.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    start = next((i + 1 for i, line in enumerate(lines) if line.strip() == title), 0)
    paragraphs, current = [], []
    for line in lines[start:]:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append("".join(current))
            current = []
    if current:
        paragraphs.append("".join(current))
    return "\n\n".join(paragraphs)


def seed_notices(session: Session, ctx: SeedContext) -> None:
    """The provincial plan and four national policy documents (to be checked), and two demo notices."""
    from portal.auth.models import User
    from portal.notices import services
    from portal.notices.models import Notice

    if session.scalar(select(Notice.id).where(Notice.is_demo).limit(1)) is not None:
        return
    staff = session.scalar(select(User).where(User.email == "staff@demo.sdbra.cn"))
    if staff is None:
        return
    title = "山东省新能源汽车动力蓄电池回收利用工作实施方案"
    body = plan_body(title)
    # Titles and years only: number, date and text are to be checked against the originals.
    documents = [
        (title, "山东省工业和信息化厅等", 2019, body),
        ("新能源汽车动力蓄电池回收利用管理暂行办法", "工业和信息化部等七部门", 2018, ""),
        ("新能源汽车动力蓄电池回收利用溯源管理暂行规定", "工业和信息化部", 2018, ""),
        ("新能源汽车动力蓄电池回收服务网点建设和运营指南", "工业和信息化部", 2019, ""),
        ("新能源汽车废旧动力蓄电池综合利用行业规范条件（2019年本）", "工业和信息化部", 2019, ""),
    ]
    placeholder = "（正文待补充）"
    for name, source, year, text_body in documents:
        data = services.NoticeInput(
            kind="policy", title=name, source=source, body=text_body or placeholder, published_on=dt.date(year, 1, 1)
        )
        services.publish(session, staff, data, needs_check=True, is_demo=True)
    today = clock.today()
    demo = [
        ("notice", "关于征集团体标准起草单位的通知（演示）", "请有意参与起草的会员单位于本月底前向秘书处报名。", 3, 60),
        ("news", "秘书处开展回收服务网点全面核查（演示）", "秘书处会同各市对回收服务网点开展现场核查。", 1, None),
    ]
    for kind, name, text_body, days_ago, valid_days in demo:
        data = services.NoticeInput(
            kind=kind,
            title=name,
            source="山东省动力电池回收利用协会秘书处",
            body=text_body,
            published_on=today - dt.timedelta(days=days_ago),
            expires_on=today + dt.timedelta(days=valid_days) if valid_days else "",
        )
        services.publish(session, staff, data, is_demo=True)
    ctx.created.append("notices")


def seed_training(session: Session, ctx: SeedContext) -> None:
    """Two training materials (one for members only) and an upcoming event with registrations."""
    from portal.auth.models import User
    from portal.training import services
    from portal.training.models import TrainingMaterial

    if session.scalar(select(TrainingMaterial.id).where(TrainingMaterial.is_demo).limit(1)) is not None:
        return
    staff = session.scalar(select(User).where(User.email == "staff@demo.sdbra.cn"))
    if staff is None:
        return
    materials = [
        (
            "废旧动力蓄电池回收服务网点运营实务（演示）",
            "网点标识、贮存条件、消防器材、台账记录与移交要求。",
            "网点运营人员",
            "outlet",
            "basic",
            False,
        ),
        (
            "GB/T 33598.3 放电规范解读（演示）",
            "拆解前放电的方法、终止电压判定与安全防护，附案例。",
            "再生利用企业技术人员",
            "standards",
            "intermediate",
            True,
        ),
    ]
    for title, summary, audience, topic, level, members_only in materials:
        data = services.MaterialInput(
            title=title,
            summary=summary,
            audience=audience,
            topic=topic,
            level=level,
            members_only=members_only,
            video_links="https://training.example.cn/videos/demo",
        )
        services.create_material(session, staff, data, is_demo=True)
    start = dt.datetime.combine(clock.today() + dt.timedelta(days=21), dt.time(9, 0))
    event = services.create_event(
        session,
        staff,
        services.EventInput(
            title="回收服务网点安全管理培训班（演示）",
            description="面向网点负责人和安全员，含现场演练。",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=7),
            place="济南市历下区经十路（演示地址）",
            capacity=2,
        ),
        is_demo=True,
    )
    for email in ("contact01@demo.sdbra.cn", "contact02@demo.sdbra.cn", "contact03@demo.sdbra.cn"):
        user = session.scalar(select(User).where(User.email == email))
        if user is not None:
            services.register(session, user, event.id)  # the third joins the waiting list
    ctx.created.append("training")


def seed_consultations(session: Session, ctx: SeedContext) -> None:
    """An association standard draft open for comment, with one member's comment."""
    from portal.auth.models import User
    from portal.consultations import services
    from portal.consultations.models import Consultation

    if session.scalar(select(Consultation.id).limit(1)) is not None:
        return
    staff = session.scalar(select(User).where(User.email == "staff@demo.sdbra.cn"))
    if staff is None:
        return
    clauses = "\n".join(
        [
            "1 范围 本文件规定了废旧动力蓄电池回收服务网点的建设、运营和安全管理要求。",
            "4.1 网点应设置“废旧动力蓄电池回收服务网点”标识，并公示作业流程。",
            "4.2 收集型网点贮存场地面积不应小于10平方米，贮存量不应超过5吨。",
            "5.1 网点应配备消防沙、灭火器、烟雾报警器等消防设施。",
            "5.2 网点应具备放电设施或安全箱，用于存放存在安全隐患的电池。",
            "6 网点应记录每个电池包的来源、编码、类型、数量、去向和车辆识别代号，保存3年。",
        ]
    )
    consultation = services.open_round(
        session,
        staff,
        services.ConsultationInput(
            code="T/SDBRA 001—202X",
            title="废旧动力蓄电池回收服务网点运营管理规范（征求意见稿，演示）",
            description="请会员单位于截止日期前逐条提出意见。",
            deadline=clock.today() + dt.timedelta(days=30),
            clauses=clauses,
        ),
        is_demo=True,
    )
    member = session.scalar(select(User).where(User.email == "contact01@demo.sdbra.cn"))
    if member is not None:
        clause = next(c for c in consultation.clauses if c.number == "4.2")
        services.add_comment(session, member, consultation.id, clause.id, "建议明确“贮存量”按电池包额定质量计算。")
    ctx.created.append("consultation")


STEPS = [
    seed_accounts,
    seed_members,
    seed_outlets,
    seed_campaigns,
    seed_standards,
    seed_notices,
    seed_training,
    seed_consultations,
]


def seed(session: Session) -> SeedContext:
    """Run every feature's seeding step; each skips what already exists."""
    ctx = SeedContext()
    for step in STEPS:
        step(session, ctx)
    return ctx


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo content (idempotent: running it twice changes nothing)."""
    ctx = run_in_transaction(seed)
    search.catch_up()
    click.echo(f"demo content: {len(ctx.created)} new records" if ctx.created else "demo content: already loaded")
    click.echo("demo logins (演示账户):")
    for role, email, password in ctx.logins:
        click.echo(f"  {role:<13} {email:<28} {password}")
