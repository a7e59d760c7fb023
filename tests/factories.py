"""Data factories: short ways to make every aggregate of the portal in tests (CTFd's gen_user style).

Each ``make_*`` creates its record through the feature's service, so history, audit and the search
outbox happen as in real use; every value has a sensible default and any can be overridden by
keyword. A factory whose actor is left out acts as a fresh staff user. Nothing here commits except
``commit_and_index``.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from pathlib import Path

from flask import current_app

from portal import search
from portal.auth import services as auth
from portal.campaigns import services as campaigns
from portal.consultations import services as consultations
from portal.core import clock
from portal.core.creditcode import check_character, organisation_check_character
from portal.core.files import CheckedUpload, sniff
from portal.library import services as library
from portal.members.models import Enterprise, EnterpriseActivity, Membership, MembershipApplication
from portal.notices import services as notices
from portal.outlets import services as outlets
from portal.outlets import validation as outlet_validation
from portal.training import services as training

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)
ORG_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


# --- files and the index --------------------------------------------------------------------------


def pdf_bytes(text: str = "") -> bytes:
    """A small but real one-page PDF: blank, or (slower, through WeasyPrint) showing text to extract."""
    if text:
        from weasyprint import HTML

        return HTML(string=f'<p lang="zh-CN">{text}</p>').write_pdf()
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = pdf_bytes()  # the same bytes every time: tests compare what is served with it


def checked_upload(data: bytes | None = None, name: str = "附件.pdf") -> CheckedUpload:
    """An upload as the services take it, its kind sniffed from the content (a PDF by default)."""
    data = PDF if data is None else data
    return CheckedUpload(data=data, kind=sniff(data[:16]), original_name=name)


def uploaded_files() -> list[Path]:
    """The files in the portal's upload folder now (an empty list when none was ever written)."""
    folder = Path(current_app.config["PORTAL_DATA_DIR"]) / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


def commit_and_index(session) -> None:
    """Commit, then let the indexer apply the search outbox (as the job does after a request)."""
    session.commit()
    search.catch_up()


def _staff_if_none(session, actor):
    return make_user(session, "staff") if actor is None else actor


# --- users and members ----------------------------------------------------------------------------


def credit_code(n: int | None = None, prefix: str = "91", division: str = "370100") -> str:
    """A credit code that passes every check, distinct for each n."""
    n = next(_seq) if n is None else n
    body = "MA" + "".join(ORG_CHARS[(n // 31**i) % 31] for i in range(6))[::-1]
    org = body + organisation_check_character(body)
    first17 = prefix + division + org
    return first17 + check_character(first17)


def make_user(session, role="staff", *, email=None, enterprise=None, password=PASSWORD, verified=True, name=""):
    """A user account with a known password (staff unless role says otherwise)."""
    n = next(_seq)
    return auth.create_user(
        session,
        email=email or f"{role.replace('_', '-')}{n}@example.cn",
        password=password,
        role=role,
        name=name or f"用户{n}",
        enterprise_id=enterprise.id if enterprise is not None else None,
        verified=verified,
    )


def make_enterprise(session, *, name=None, status="member", city="370600", activities=("recycling",), code=None):
    """An enterprise with valid contact details and a fresh credit code."""
    n = next(_seq)
    enterprise = Enterprise(
        name=name or f"测试再生资源有限公司{n}",
        credit_code=code or credit_code(n),
        status=status,
        city=city,
        address="烟台市开发区长江路188号",
        contact_name="张三",
        contact_phone="0535-6666666",
        contact_email=f"contact{n}@example.cn",
        activity_rows=[EnterpriseActivity(activity=a) for a in activities],
    )
    session.add(enterprise)
    session.flush()
    return enterprise


def make_member(session, *, tier="member", state="active", term_end=None, role="member_admin", **kwargs):
    """An approved member enterprise with a membership and one user; returns (enterprise, user)."""
    from portal.members.memberships import next_membership_number

    enterprise = make_enterprise(session, **kwargs)
    today = clock.today()
    end = term_end or dt.date(today.year, 12, 31)
    session.add(
        Membership(
            enterprise_id=enterprise.id,
            number=next_membership_number(session, end.year),
            tier=tier,
            state=state,
            term_start=dt.date(end.year, 1, 1),
            term_end=end,
        )
    )
    session.flush()
    session.refresh(enterprise)
    user = make_user(session, role, enterprise=enterprise)
    return enterprise, user


def make_application(session, *, state="submitted", verified=True, tier="member"):
    """An applicant enterprise with its admin user and a submitted application."""
    enterprise = make_enterprise(session, status="applicant")
    user = make_user(session, "member_admin", enterprise=enterprise, verified=verified)
    application = MembershipApplication(
        enterprise_id=enterprise.id,
        applicant_id=user.id,
        requested_tier=tier,
        licence_file="missing.pdf",
        licence_name="licence.pdf",
        licence_mime="application/pdf",
        privacy_accepted_at=clock.now(),
        state=state,
    )
    session.add(application)
    session.flush()
    return application, user


# --- outlets --------------------------------------------------------------------------------------


def outlet_input(**overrides) -> outlet_validation.OutletInput:
    """An outlet as a form or an import row gives it: a collection point in Yantai."""
    n = next(_seq)
    values = {
        "code": f"T{n:05d}",
        "name": f"测试网点{n}",
        "operator": "齐鲁新能源客车股份有限公司",
        "city": "370600",
        "address": "烟台市开发区长江路188号",
        "type": "收集型",
        "phone": "0535-6666666",
        "lat": "37.55",
        "lon": "121.25",
    }
    return outlet_validation.OutletInput(**(values | overrides))


def make_outlet(session, actor=None, **overrides):
    """An outlet created through the service (published when staff create it)."""
    return outlets.create_outlet(session, _staff_if_none(session, actor), outlet_input(**overrides))


# Four outlets across Shandong for the list and its search: three open ones, one closed in Weihai.
SAMPLE_OUTLETS = {
    "yantai": {
        "name": "鲁风汽车烟台开发区4S店回收服务网点",
        "operator": "鲁风汽车销售服务有限公司",
        "address": "烟台市开发区长江路188号",
        "city": "烟台",
        "district": "开发区",
        "lat": "37.55",
        "lon": "121.25",
    },
    "jinan": {
        "name": "泉城新能源换电站",
        "operator": "济南泉城新能源汽车有限公司",
        "address": "济南市历城区工业北路288号",
        "city": "济南",
        "district": "历城区",
        "lat": "36.70",
        "lon": "117.10",
    },
    "qingdao": {
        "name": "海湾动力集中贮存中心",
        "operator": "青岛海湾动力电池科技股份有限公司",
        "address": "青岛市黄岛区江山中路1066号",
        "city": "青岛",
        "district": "黄岛区",
        "type": "集中贮存型",
        "capacity": "60",
        "lat": "35.96",
        "lon": "120.18",
    },
    "closed": {
        "name": "已关闭的长江路网点",
        "operator": "鲁风汽车销售服务有限公司",
        "address": "威海市环翠区长江路9号",
        "city": "威海",
        "status": "已关闭",
        "lat": "37.50",
        "lon": "122.10",
    },
}


def make_sample_outlets(session, actor=None) -> dict:
    """The SAMPLE_OUTLETS, created through the service in that order; returns them by key."""
    actor = _staff_if_none(session, actor)
    return {key: make_outlet(session, actor, **values) for key, values in SAMPLE_OUTLETS.items()}


# --- standards (library) --------------------------------------------------------------------------


def standard_input(**overrides) -> library.StandardInput:
    """A national standard on cascade use, in force since 2020-10-01."""
    n = next(_seq)
    values = {
        "number": f"GB/T 9{n:04d}-2020",
        "title_zh": f"车用动力电池回收利用 测试标准{n}",
        "level": "国家标准",
        "topic": "梯次利用",
        "published_on": "2020-03-31",
        "effective_on": "2020-10-01",
    }
    return library.StandardInput(**(values | overrides))


def make_standard(session, actor=None, *, publish=True, **overrides):
    """A standard created through the service, published unless publish=False."""
    actor = _staff_if_none(session, actor)
    return library.create_standard(session, actor, standard_input(**overrides), publish=publish)


# --- inspection campaigns -------------------------------------------------------------------------


def campaign_input(**overrides) -> campaigns.CampaignInput:
    """The 2026 campaign over Yantai."""
    values = {"name": "2026年全面核查", "starts_on": "2026-01-01", "ends_on": "2026-12-31", "cities": ("烟台",)}
    return campaigns.CampaignInput(**(values | overrides))


def make_campaign(session, actor=None, **overrides):
    """A campaign opened through the service; its scope needs at least one outlet (see make_outlet)."""
    return campaigns.open_campaign(session, _staff_if_none(session, actor), campaign_input(**overrides))


# --- training -------------------------------------------------------------------------------------


def material_input(**overrides) -> training.MaterialInput:
    """A public beginner's material on traceability."""
    values = {"title": "溯源管理培训课件", "summary": "讲解溯源平台的上报流程", "topic": "溯源管理", "level": "入门"}
    return training.MaterialInput(**(values | overrides))


def make_material(session, actor=None, *, files=None, **overrides):
    """A training material created through the service, with one PDF (课件.pdf) unless files are given."""
    files = [checked_upload(PDF, "课件.pdf")] if files is None else files
    return training.create_material(session, _staff_if_none(session, actor), material_input(**overrides), files)


def event_input(**overrides) -> training.EventInput:
    """A one-day safety course in Jinan on 2026-12-10 for two people."""
    values = {
        "title": "回收网点安全培训",
        "starts_at": "2026-12-10 09:00",
        "ends_at": "2026-12-10 17:00",
        "place": "济南",
        "capacity": 2,
    }
    return training.EventInput(**(values | overrides))


def make_event(session, actor=None, **overrides):
    """A training event announced through the service."""
    return training.create_event(session, _staff_if_none(session, actor), event_input(**overrides))


# --- consultations (comment rounds) ---------------------------------------------------------------


def consultation_input(**overrides) -> consultations.ConsultationInput:
    """A draft standard with one clause, open for comment for ten days from the portal's today."""
    values = {
        "title": "废旧动力电池贮存规范",
        "deadline": (clock.today() + dt.timedelta(days=10)).isoformat(),
        "clauses": "5 技术要求",
    }
    return consultations.ConsultationInput(**(values | overrides))


def make_consultation(session, actor=None, **overrides):
    """A comment round opened through the service."""
    return consultations.open_round(session, _staff_if_none(session, actor), consultation_input(**overrides))


# --- notices --------------------------------------------------------------------------------------


def notice_input(**overrides) -> notices.NoticeInput:
    """A notice published on the portal's today; its body repeats the title."""
    values = {"kind": "notice", "title": "关于开展网点核查的通知", "published_on": clock.today().isoformat()}
    values |= overrides
    values.setdefault("body", f"{values['title']}正文")
    return notices.NoticeInput(**values)


def make_notice(session, actor=None, *, attachments=(), **overrides):
    """A notice published through the service, with the given attachments (CheckedUploads)."""
    return notices.publish(session, _staff_if_none(session, actor), notice_input(**overrides), attachments)


def battery_code(
    n: int | None = None, *, maker: str = "S7D", product: str = "P", kind: str = "B", made: str = "E3F"
) -> str:
    """A GB/T 34014 code that passes every check, distinct for each n: made 2024-03-15 unless told."""
    n = next(_seq) if n is None else n
    return f"{maker}{product}{kind}01TRACE{n % 100:02d}{made}{n:07d}"


def make_token(session, enterprise, scopes=("batteries:read", "batteries:write"), name="系统对接") -> str:
    """An API token of the enterprise (created by staff); returns the secret."""
    from portal.api import tokens
    from portal.core.actors import system

    return tokens.create_token(session, system("test"), enterprise.id, name, scopes)[1]


# --- projects -------------------------------------------------------------------------------------


def call_input(**overrides):
    """A call open from the portal's today for 60 days, admitting every project type, needing a feasibility study."""
    from portal.projects.calls import CallInput
    from portal.projects.kinds import PROJECT_TYPES

    today = clock.today()
    values = {
        "title": "2026年动力电池梯次利用和再生利用示范项目申报",
        "types": tuple(PROJECT_TYPES.codes),
        "opens_on": today.isoformat(),
        "closes_on": (today + dt.timedelta(days=60)).isoformat(),
        "criteria": "技术先进性 40\n示范带动作用 35\n经济可行性 25",
        "documents": ("feasibility",),
    }
    return CallInput(**{**values, **overrides})


def make_call(session, actor=None, **overrides):
    """A call for projects opened through the service."""
    from portal.projects.calls import create_call

    return create_call(session, _staff_if_none(session, actor), call_input(**overrides))


def project_input(call, **overrides):
    """A complete application: a 20 MWh storage station in Zaozhuang, 12 million yuan, two targets."""
    from portal.projects.applications import ProjectInput

    today = clock.today()
    values = {
        "call_id": call.id,
        "title": "枣庄退役电池梯次利用储能电站示范项目",
        "type": "cascade_storage",
        "city": "枣庄",
        "site": "枣庄市薛城区新能源产业园",
        "summary": "利用退役磷酸铁锂电池建设20MWh用户侧储能电站。",
        "planned_start": (today + dt.timedelta(days=30)).isoformat(),
        "planned_end": (today + dt.timedelta(days=400)).isoformat(),
        "budget": "12000000",
        "funding": {"enterprise": "8000000", "bank_loan": "4000000"},
        "targets": (("储能装机容量", "20", "MWh"), ("新增就业", "35", "人")),
    }
    return ProjectInput(**{**values, **overrides})


def make_project(session, lead_user, call=None, *, state="draft", reviewer=None, staff=None, **overrides):
    """A project made through the services and moved to state (draft, applied, under_review, approved,
    in_construction, operating); the review and decision are made by staff (a fresh one unless given)."""
    from portal.projects import applications, lifecycle, reviews

    call = call or make_call(session, staff)
    project = applications.create_draft(session, lead_user, project_input(call, **overrides))
    order = ["draft", "applied", "under_review", "approved", "in_construction", "operating"]
    if order.index(state) >= 1:
        applications.add_attachment(session, lead_user, project.id, "feasibility", checked_upload(name="可研报告.pdf"))
        applications.submit_application(session, lead_user, project.id)
    if order.index(state) >= 2:
        staff = _staff_if_none(session, staff)
        reviewer = reviewer or make_user(session, "reviewer")
        reviews.assign_reviewer(session, staff, project.id, reviewer.id)
        lifecycle.change_state(session, staff, project.id, "under_review")
    if order.index(state) >= 3:
        scores = [reviews.ScoreInput(c["key"], "80") for c in call.criteria]
        reviews.submit_review(session, reviewer, project.id, scores, "同意立项")
        lifecycle.change_state(session, staff, project.id, "approved", "专家评审通过")
    for later in ("in_construction", "operating"):
        if order.index(state) >= order.index(later):
            lifecycle.change_state(session, staff, project.id, later)
    return project
