"""Applications: the lead enterprise's draft (kept as it is typed), its documents, the submission
within an open call; partners and their right to report; staff's confidential flags."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal import search
from portal.core import audit, clock
from portal.core.actors import require_staff
from portal.core.dates import collect_date
from portal.core.enums import CITIES
from portal.core.files import CheckedUpload, remove_after_commit
from portal.core.geo import in_shandong
from portal.core.money import parse_yuan
from portal.core.permissions import require
from portal.errors import Conflict, DomainError
from portal.projects import access, states
from portal.projects.figures import parse_figure
from portal.projects.kinds import ATTACHMENT_KINDS, FUNDING_SOURCES, PROJECT_TYPES
from portal.projects.lifecycle import KIND, record_transition
from portal.projects.models import (
    Project,
    ProjectAttachment,
    ProjectFunding,
    ProjectPartner,
    ProjectTarget,
)
from portal.projects.queries import attachments, get_call, get_project, is_open

MAX_TARGETS = 12
MAX_PARTNERS = 10
UPLOAD_KINDS = ("pdf", "png", "jpg")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class ProjectInput:
    """Raw values as the form gives them: money in yuan text, figures as text."""

    call_id: int | None = None
    title: str = ""
    type: str = ""
    city: str = ""
    site: str = ""
    lat: str = ""
    lon: str = ""
    summary: str = ""
    planned_start: str = ""
    planned_end: str = ""
    budget: str = ""
    funding: dict[str, str] = field(default_factory=dict)  # source code -> yuan
    targets: tuple[tuple[str, str, str], ...] = ()  # (name, value, unit)
    partners: tuple[tuple[str, str], ...] = ()  # (credit code, role)


def _yuan(raw: str, errors: dict, name: str) -> int:
    text = (raw or "").strip()
    if not text:
        return 0
    try:
        return parse_yuan(text)
    except ValueError:
        errors[name] = _("金额应为元，最多两位小数，例如 1200000 或 1200000.50。")
        return 0


def _coordinates(data: ProjectInput, errors: dict) -> tuple[float | None, float | None]:
    lat_text, lon_text = (data.lat or "").strip(), (data.lon or "").strip()
    if not lat_text and not lon_text:
        return None, None
    try:
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        errors["lat"] = _("坐标应为十进制度数（WGS-84），纬度和经度都要填写。")
        return None, None
    if not in_shandong(lat, lon):
        errors["lat"] = _("坐标不在山东省范围内。")
        return None, None
    return round(lat, 6), round(lon, 6)


def validate_project(session: Session, data: ProjectInput, lead_id: int) -> dict:
    """Check what is filled in (a draft may be incomplete); DomainError with a message per field."""
    from portal.members.queries import member_by_credit_code

    errors: dict[str, str] = {}
    values: dict = {}
    call = get_call(session, data.call_id) if data.call_id else None
    if call is None:
        errors["call_id"] = _("请选择申报通知。")
    title = (data.title or "").strip()
    if not (4 <= len(title) <= 200):
        errors["title"] = _("请填写项目名称（4至200字）。")
    values["title"] = title
    values["type"] = PROJECT_TYPES.parse(data.type) or ""
    if not values["type"]:
        errors["type"] = _("请选择项目类型。")
    elif call is not None and values["type"] not in call.types:
        errors["type"] = _("本次申报通知不接受该类型的项目。")
    values["city"] = CITIES.parse(data.city) or ""
    if not values["city"]:
        errors["city"] = _("请选择所在城市。")
    values["site"] = (data.site or "").strip()[:300]
    values["lat"], values["lon"] = _coordinates(data, errors)
    values["summary"] = (data.summary or "").strip()[:10000]
    values["planned_start"] = collect_date(data.planned_start, errors, "planned_start")
    values["planned_end"] = collect_date(data.planned_end, errors, "planned_end")
    if values["planned_start"] and values["planned_end"] and values["planned_end"] < values["planned_start"]:
        errors["planned_end"] = _("计划完成日期不能早于计划开始日期。")
    values["budget_fen"] = _yuan(data.budget, errors, "budget")
    funding = []
    for source in FUNDING_SOURCES.codes:
        amount = _yuan(data.funding.get(source, ""), errors, f"funding_{source}")
        if amount:
            funding.append((source, amount))
    values["funding"] = funding
    targets = []
    for index, (name, value, unit) in enumerate(data.targets):
        name, value, unit = (name or "").strip(), (value or "").strip(), (unit or "").strip()
        if not (name or value or unit):
            continue
        try:
            milli = parse_figure(value)
        except ValueError:
            errors["targets"] = _("第%(n)d项指标的数值应为不小于0的数字（最多三位小数）。", n=index + 1)
            continue
        if not name or not unit:
            errors["targets"] = _("第%(n)d项指标要写名称和单位。", n=index + 1)
            continue
        targets.append((name[:100], unit[:20], milli))
    if len(targets) > MAX_TARGETS:
        errors["targets"] = _("最多填写%(n)d项指标。", n=MAX_TARGETS)
    values["targets"] = targets
    partners = []
    for code, role in data.partners:
        code = (code or "").strip().upper()
        if not code:
            continue
        enterprise = member_by_credit_code(session, code)
        if enterprise is None:
            errors["partners"] = _("统一社会信用代码 %(c)s 不是本会会员单位。", c=code)
        elif enterprise.id == lead_id:
            errors["partners"] = _("牵头单位不必列为合作单位。")
        elif enterprise.id in (p for p, _r in partners):
            errors["partners"] = _("合作单位重复：%(c)s。", c=code)
        else:
            partners.append((enterprise.id, (role or "").strip()[:200]))
    if len(partners) > MAX_PARTNERS:
        errors["partners"] = _("最多填写%(n)d家合作单位。", n=MAX_PARTNERS)
    values["partners"] = partners
    if errors:
        raise DomainError(_("项目信息有误。"), errors)
    values["call_id"] = call.id
    return values


def _apply(project: Project, values: dict) -> None:
    funding, targets, partners = values.pop("funding"), values.pop("targets"), values.pop("partners")
    for key, value in values.items():
        setattr(project, key, value)
    project.funding = [ProjectFunding(source=s, amount_fen=a) for s, a in funding]
    # A confidential flag staff set stays with a target of the same name when the draft is edited again.
    confidential = {t.name for t in project.targets if t.confidential}
    project.targets = [
        ProjectTarget(position=i, name=n, unit=u, target_milli=m, confidential=n in confidential)
        for i, (n, u, m) in enumerate(targets)
    ]
    rights = {p.enterprise_id: p.can_report for p in project.partners}
    project.partners = [ProjectPartner(enterprise_id=e, role=r, can_report=rights.get(e, False)) for e, r in partners]


def create_draft(session: Session, actor, data: ProjectInput, *, is_demo: bool = False) -> Project:
    """A member enterprise's user starts an application within an open call (kept as a draft)."""
    from portal.members.queries import is_admitted_member

    require(is_admitted_member(session, actor), _("只有本会会员单位可以申报项目。"))
    values = validate_project(session, data, actor.enterprise_id)
    if not is_open(get_call(session, values["call_id"])):
        raise DomainError(_("该申报通知不在申报期内。"), {"call_id": _("该申报通知不在申报期内。")})
    project = Project(lead_id=actor.enterprise_id, created_by_id=actor.id, state="draft", is_demo=is_demo)
    _apply(project, values)
    session.add(project)
    session.flush()
    record_transition(session, actor, project, "draft", "", initial=True)
    return project


def update_draft(session: Session, actor, project_id: int, data: ProjectInput) -> Project:
    """The lead enterprise edits its application while it is a draft."""
    project = get_project(session, project_id)
    access.require_lead(actor, project)
    access.require_standing(session, actor)
    if project.state not in states.EDITABLE:
        raise Conflict(_("项目已提交，不能再修改。"))
    before = {"title": project.title, "budget_fen": project.budget_fen}
    _apply(project, validate_project(session, data, project.lead_id))
    session.flush()
    audit.record(session, actor, "project.update", KIND, project.id, before, {"title": project.title})
    return project


def missing_for_submission(session: Session, project: Project) -> dict[str, str]:
    """What an application still lacks to be submitted (field -> message); empty when complete."""
    missing: dict[str, str] = {}
    if not project.summary:
        missing["summary"] = _("请填写项目简介。")
    if not (project.planned_start and project.planned_end):
        missing["planned_start"] = _("请填写计划开始和完成日期。")
    if project.budget_fen <= 0:
        missing["budget"] = _("请填写总投资。")
    elif sum(f.amount_fen for f in project.funding) != project.budget_fen:
        missing["funding_enterprise"] = _("各项资金来源合计应等于总投资。")
    if not project.targets:
        missing["targets"] = _("请至少填写一项目标指标。")
    have = {a.kind for a in attachments(session, project.id) if a.report_id is None}
    lacking = [ATTACHMENT_KINDS.label(k) for k in project.call.documents if k not in have]
    if lacking:
        missing["documents"] = _("请上传：%(d)s。", d="、".join(lacking))
    return missing


def submit_application(session: Session, actor, project_id: int) -> Project:
    """The lead submits its complete draft within the call's dates (草稿 → 申报)."""
    project = get_project(session, project_id)
    access.require_lead(actor, project)
    access.require_standing(session, actor)
    try:
        states.check(project.state, "applied", access.actor_kinds(actor, project))
    except states.TransitionRefused:
        raise Conflict(_("只有草稿可以提交申报。")) from None
    if not is_open(project.call):
        raise DomainError(_("申报通知已截止（%(d)s），不能再提交。", d=project.call.closes_on.isoformat()))
    missing = missing_for_submission(session, project)
    if missing:
        raise DomainError(_("申报材料不完整：%(m)s", m=" ".join(missing.values())), missing)
    project.submitted_at = clock.now()
    record_transition(session, actor, project, "applied", "")
    from portal.auth.queries import staff_ids
    from portal.notify.services import notify

    notify(
        session,
        staff_ids(session),
        _l("新的项目申报：%(title)s", title=project.title),
        "",
        f"/staff/projects/{project.id}",
    )
    return project


def add_attachment(session: Session, actor, project_id: int, kind: str, upload: CheckedUpload) -> ProjectAttachment:
    """The lead attaches an application document (feasibility study, licence ...) to its draft."""
    project = get_project(session, project_id)
    access.require_lead(actor, project)
    access.require_standing(session, actor)
    if project.state not in states.EDITABLE:
        raise Conflict(_("项目已提交，不能再修改材料。"))
    code = ATTACHMENT_KINDS.parse(kind)
    if code is None or code == "evidence":
        raise DomainError(_("请选择材料类别。"), {"kind": _("请选择材料类别。")})
    return store_attachment(session, actor, project, code, upload)


def store_attachment(session: Session, actor, project: Project, kind: str, upload: CheckedUpload, report_id=None):
    """Store a checked upload as the project's attachment (the file goes again if the transaction rolls back)."""
    stored = upload.save(session)
    attachment = ProjectAttachment(
        project_id=project.id,
        report_id=report_id,
        kind=kind,
        file_name=stored.name,
        original_name=stored.original_name,
        mime=stored.mime,
        size=stored.size,
        uploaded_by_id=getattr(actor, "id", None),
    )
    session.add(attachment)
    session.flush()
    return attachment


def delete_attachment(session: Session, actor, project_id: int, attachment_id: int) -> None:
    """The lead removes a document from its draft (the file goes once the deletion commits)."""
    project = get_project(session, project_id)
    access.require_lead(actor, project)
    access.require_standing(session, actor)
    attachment = session.get(ProjectAttachment, attachment_id)
    if attachment is None or attachment.project_id != project.id or attachment.report_id is not None:
        raise DomainError(_("附件不存在。"))
    if project.state not in states.EDITABLE:
        raise Conflict(_("项目已提交，不能再修改材料。"))
    remove_after_commit(session, [attachment.file_name])
    session.delete(attachment)
    session.flush()


def set_report_right(session: Session, actor, project_id: int, partner_enterprise_id: int, allowed: bool) -> None:
    """The lead's administrator lets a partner file progress reports, or takes the right back."""
    project = get_project(session, project_id)
    require(access.is_lead_admin(actor, project), _("只有牵头单位的管理员可以授权合作单位。"))
    partner = next((p for p in project.partners if p.enterprise_id == partner_enterprise_id), None)
    if partner is None:
        raise DomainError(_("该单位不是本项目的合作单位。"))
    before = partner.can_report
    partner.can_report = bool(allowed)
    session.flush()
    audit.record(
        session,
        actor,
        "project.report_right",
        KIND,
        project.id,
        {"enterprise_id": partner_enterprise_id, "can_report": before},
        {"enterprise_id": partner_enterprise_id, "can_report": partner.can_report},
    )


def set_confidential(session: Session, actor, project_id: int, target_id: int, confidential: bool) -> None:
    """Staff mark a target figure confidential (kept off the public page, the API and the search) or not."""
    require_staff(actor)
    project = get_project(session, project_id)
    target = next((t for t in project.targets if t.id == target_id), None)
    if target is None:
        raise DomainError(_("指标不存在。"))
    before = target.confidential
    target.confidential = bool(confidential)
    session.flush()
    search.enqueue(session, KIND, project.id)
    audit.record(
        session,
        actor,
        "project.target_confidential",
        KIND,
        project.id,
        {"target_id": target_id, "confidential": before},
        {"target_id": target_id, "confidential": target.confidential},
    )
