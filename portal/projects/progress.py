"""Milestones and progress reports: the lead (or a partner it allowed) reports period, narrative,
milestones completed with evidence, actual figures against each target, and problems."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal import search
from portal.core import audit, clock
from portal.core.dates import collect_date
from portal.core.files import CheckedUpload
from portal.core.permissions import require
from portal.errors import Conflict, DomainError
from portal.projects import access, states
from portal.projects.applications import store_attachment
from portal.projects.figures import parse_figure
from portal.projects.lifecycle import KIND
from portal.projects.models import Milestone, ProgressReport, ReportActual, ReportMilestone
from portal.projects.queries import get_project


@dataclass(frozen=True)
class MilestoneInput:
    name: str = ""
    due_on: str = ""
    deliverable: str = ""


@dataclass(frozen=True)
class ReportInput:
    """A progress report as typed: actuals by target id, completed milestones by id with their evidence."""

    period_start: str = ""
    period_end: str = ""
    narrative: str = ""
    problems: str = ""
    actuals: dict[int, str] = field(default_factory=dict)
    completed: dict[int, str] = field(default_factory=dict)  # milestone id -> evidence text


def add_milestone(session: Session, actor, project_id: int, data: MilestoneInput) -> Milestone:
    """The lead enterprise or staff add a milestone to an approved, running project."""
    project = get_project(session, project_id)
    access.require_lead_or_staff(actor, project)
    if project.state not in states.ACTIVE:
        raise Conflict(_("只有已立项的项目可以设置里程碑。"))
    errors: dict[str, str] = {}
    name = (data.name or "").strip()
    if not (2 <= len(name) <= 200):
        errors["name"] = _("请填写里程碑名称。")
    due = collect_date(data.due_on, errors, "due_on", required_message=_("请填写计划完成日期。"))
    if errors:
        raise DomainError(_("里程碑信息有误。"), errors)
    milestone = Milestone(
        project_id=project.id, name=name, due_on=due, deliverable=(data.deliverable or "").strip()[:2000]
    )
    session.add(milestone)
    session.flush()
    session.refresh(project, ["milestones"])
    search.enqueue(session, KIND, project.id)
    audit.record(session, actor, "project.milestone", KIND, project.id, None, {"name": name, "due_on": due})
    return milestone


def delete_milestone(session: Session, actor, project_id: int, milestone_id: int) -> None:
    """The lead or staff remove a milestone not completed yet."""
    project = get_project(session, project_id)
    access.require_lead_or_staff(actor, project)
    milestone = next((m for m in project.milestones if m.id == milestone_id), None)
    if milestone is None:
        raise DomainError(_("里程碑不存在。"))
    if milestone.completed_on is not None:
        raise Conflict(_("已完成的里程碑不能删除。"))
    project.milestones.remove(milestone)
    session.flush()
    search.enqueue(session, KIND, project.id)
    audit.record(session, actor, "project.milestone_delete", KIND, project.id, {"name": milestone.name}, None)


def file_report(
    session: Session, actor, project_id: int, data: ReportInput, evidence: Sequence[CheckedUpload] = ()
) -> ProgressReport:
    """The lead, or a partner granted the right, files a progress report on a running project."""
    project = get_project(session, project_id)
    require(access.may_report(actor, project), _("您的单位无权填报本项目的进展。"))
    access.require_standing(session, actor)
    errors: dict[str, str] = {}
    start = collect_date(data.period_start, errors, "period_start", required_message=_("请填写报告期开始日期。"))
    end = collect_date(data.period_end, errors, "period_end", required_message=_("请填写报告期结束日期。"))
    today = clock.today()
    if start and end and end < start:
        errors["period_end"] = _("报告期结束日期不能早于开始日期。")
    elif end and end > today:
        errors["period_end"] = _("报告期不能晚于今天。")
    narrative = (data.narrative or "").strip()
    if len(narrative) < 10:
        errors["narrative"] = _("请写明本期进展（至少10字）。")
    targets = {t.id: t for t in project.targets}
    actuals: dict[int, int] = {}
    for target_id, raw in data.actuals.items():
        if target_id not in targets:
            errors["actuals"] = _("指标不存在。")
        elif (raw or "").strip():
            try:
                actuals[target_id] = parse_figure(raw)
            except ValueError:
                errors[f"actual_{target_id}"] = _("实际值应为不小于0的数字（最多三位小数）。")
    open_milestones = {m.id: m for m in project.milestones if m.completed_on is None}
    for milestone_id in data.completed:
        if milestone_id not in open_milestones:
            errors["completed"] = _("里程碑不存在或已完成。")
    if errors:
        raise DomainError(_("进展报告有误。"), errors)
    report = ProgressReport(
        project_id=project.id,
        enterprise_id=actor.enterprise_id,
        author_id=actor.id,
        period_start=start,
        period_end=end,
        narrative=narrative[:20000],
        problems=(data.problems or "").strip()[:10000],
        submitted_at=clock.now(),
        actuals=[ReportActual(target_id=t, actual_milli=v) for t, v in actuals.items()],
        completions=[
            ReportMilestone(milestone_id=m, evidence=(e or "").strip()[:2000]) for m, e in data.completed.items()
        ],
    )
    session.add(report)
    session.flush()
    for milestone_id in data.completed:
        milestone = open_milestones[milestone_id]
        milestone.completed_on = min(end, today)
        milestone.completed_report_id = report.id
    for upload in evidence:
        store_attachment(session, actor, project, "evidence", upload, report_id=report.id)
    session.flush()
    search.enqueue(session, KIND, project.id)
    audit.record(
        session,
        actor,
        "project.report",
        KIND,
        project.id,
        None,
        {"report_id": report.id, "completed": sorted(data.completed), "actuals": len(actuals)},
    )
    return report
