"""Read side of projects: lookups, the public and staff lists, late milestones, latest actuals, and
``public_view``, the one place that decides what of a project the public, the API and the search see.

Reads the members feature's enterprises through its queries (names), never writes them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session

from portal.core import clock
from portal.core.enums import CITIES
from portal.core.paging import Page, paginate
from portal.core.sql import contains_pattern
from portal.errors import DomainError, NotFound
from portal.projects import states
from portal.projects.figures import format_figure, percent_of
from portal.projects.kinds import PROJECT_TYPES
from portal.projects.models import (
    FinanceInterest,
    Milestone,
    ProgressReport,
    Project,
    ProjectAttachment,
    ProjectCall,
    ProjectReview,
    ReportActual,
)


def get_project(session: Session, project_id: int) -> Project:
    """The project, or NotFound."""
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(_("项目不存在。"))
    return project


def get_call(session: Session, call_id: int) -> ProjectCall:
    """The call, or NotFound."""
    call = session.get(ProjectCall, call_id)
    if call is None:
        raise NotFound(_("申报通知不存在。"))
    return call


def calls(session: Session) -> list[ProjectCall]:
    """Every call, newest first."""
    return list(session.scalars(select(ProjectCall).order_by(ProjectCall.opens_on.desc(), ProjectCall.id.desc())))


def open_calls(session: Session, today: dt.date | None = None) -> list[ProjectCall]:
    """The calls open today (opening and closing days included)."""
    day = today or clock.today()
    stmt = select(ProjectCall).where(ProjectCall.opens_on <= day, ProjectCall.closes_on >= day)
    return list(session.scalars(stmt.order_by(ProjectCall.closes_on)))


def is_open(call: ProjectCall, today: dt.date | None = None) -> bool:
    """Is the call open on the given day (today by default), both ends included?"""
    day = today or clock.today()
    return call.opens_on <= day <= call.closes_on


# --- late milestones -----------------------------------------------------------------------------


def is_late(milestone: Milestone, state: str, today: dt.date | None = None) -> bool:
    """Past its due date without completion, in a running project."""
    return state in states.ACTIVE and milestone.completed_on is None and milestone.due_on < (today or clock.today())


def late_clause(today: dt.date):
    """A where-clause: the project has a late milestone."""
    return exists(
        select(Milestone.id).where(
            Milestone.project_id == Project.id, Milestone.completed_on.is_(None), Milestone.due_on < today
        )
    ) & Project.state.in_(states.ACTIVE)


def late_project_ids(session: Session, project_ids: Iterable[int], today: dt.date | None = None) -> set[int]:
    """Those of the given projects that have a late milestone."""
    ids = list(project_ids)
    if not ids:
        return set()
    stmt = select(Project.id).where(Project.id.in_(ids), late_clause(today or clock.today()))
    return set(session.scalars(stmt))


# --- filters --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectFilters:
    q: str = ""
    type: str = ""
    city: str = ""
    state: str = ""
    call: int | None = None
    late: bool = False


def parse_filters(args, *, public: bool) -> ProjectFilters:
    """Filters from query arguments (codes or labels); DomainError naming the bad one."""
    errors: dict[str, str] = {}
    values: dict = {"q": (args.get("q") or "").strip()[:100]}
    for name, enum in (("type", PROJECT_TYPES), ("city", CITIES), ("state", states.STATES)):
        raw = (args.get(name) or "").strip()
        code = enum.parse(raw) if raw else ""
        if raw and code is None:
            errors[name] = _("无法识别：%(v)s。", v=raw)
        elif public and name == "state" and code and code not in states.PUBLIC:
            errors[name] = _("公开列表只含已立项的项目。")
        values[name] = code or ""
    raw_call = (args.get("call") or "").strip()
    if raw_call:
        if raw_call.isascii() and raw_call.isdigit() and len(raw_call) < 10:
            values["call"] = int(raw_call)
        else:
            errors["call"] = _("申报通知编号无效。")
    values["late"] = (args.get("late") or "") in ("1", "true", "yes")
    if errors:
        raise DomainError(_("查询参数无效。"), errors)
    return ProjectFilters(**values)


def _filtered(filters: ProjectFilters, *, public: bool) -> Select:
    stmt = select(Project)
    stmt = stmt.where(Project.state.in_(states.PUBLIC)) if public else stmt
    if filters.type:
        stmt = stmt.where(Project.type == filters.type)
    if filters.city:
        stmt = stmt.where(Project.city == filters.city)
    if filters.state:
        stmt = stmt.where(Project.state == filters.state)
    if filters.call:
        stmt = stmt.where(Project.call_id == filters.call)
    if filters.late:
        stmt = stmt.where(late_clause(clock.today()))
    return stmt


def find_public(session: Session, filters: ProjectFilters, page: int, per_page: int) -> Page:
    """A page of public projects: through the search index when there are words, else newest first."""
    if filters.q:
        from portal import search

        facets = {k: v for k, v in (("type", filters.type), ("city", filters.city), ("state", filters.state)) if v}
        hits = search.search(filters.q, kinds=["project"], filters=facets, page=page, per_page=per_page)
        ids = [object_id for _kind, object_id in hits.keys]
        rows = {p.id: p for p in session.scalars(select(Project).where(Project.id.in_(ids), public_clause()))}
        return Page([rows[i] for i in ids if i in rows], hits.total, page, per_page)
    stmt = _filtered(filters, public=True)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = list(session.scalars(stmt.order_by(Project.id.desc()).limit(per_page).offset((page - 1) * per_page)))
    return Page(items, total, page, per_page)


def public_clause():
    """A where-clause: the project is public (approved or later, not stopped)."""
    return Project.state.in_(states.PUBLIC)


def get_public(session: Session, project_id: int) -> Project:
    """A project the public may see (approved or later), else NotFound."""
    project = session.get(Project, project_id)
    if project is None or project.state not in states.PUBLIC:
        raise NotFound(_("项目不存在。"))
    return project


def staff_list(session: Session, filters: ProjectFilters, page: int, per_page: int) -> Page:
    """Every project for staff, filtered (call, type, city, state, late; words in the title), newest first."""
    stmt = _filtered(filters, public=False)
    if filters.q:
        like = contains_pattern(filters.q)
        stmt = stmt.where(or_(Project.title.like(like, escape="\\"), Project.site.like(like, escape="\\")))
    return paginate(session, stmt.order_by(Project.id.desc()), page, per_page)


def staff_all(session: Session, filters: ProjectFilters) -> list[Project]:
    """Every project the filters match (for the board and the export)."""
    return list(session.scalars(_filtered(filters, public=False).order_by(Project.id)))


def staff_overview(session: Session, filters: ProjectFilters, page: int, per_page: int, *, as_board: bool) -> dict:
    """What the staff projects page shows: a board by state or a page of the table, with the calls,
    which of the shown projects are late and their lead enterprises' names."""
    if as_board:
        board_ = board(session, filters)
        shown, result = [p for column in board_.values() for p in column], None
    else:
        board_, result = None, staff_list(session, filters, page, per_page)
        shown = result.items
    return {
        "page": result,
        "board": board_,
        "filters": filters,
        "calls": calls(session),
        "late": late_project_ids(session, [p.id for p in shown]),
        "names": enterprise_names(session, [p.lead_id for p in shown]),
    }


def board(session: Session, filters: ProjectFilters) -> dict[str, list[Project]]:
    """The projects by state, in the state machine's order."""
    columns: dict[str, list[Project]] = {code: [] for code in states.STATES.codes}
    for project in staff_all(session, filters):
        columns[project.state].append(project)
    return columns


def of_enterprise(session: Session, enterprise_id: int) -> list[Project]:
    """The projects an enterprise leads or is a partner of, newest first."""
    from portal.projects.models import ProjectPartner

    partner = select(ProjectPartner.project_id).where(ProjectPartner.enterprise_id == enterprise_id)
    stmt = select(Project).where(or_(Project.lead_id == enterprise_id, Project.id.in_(partner)))
    return list(session.scalars(stmt.order_by(Project.id.desc())))


def assigned_to(session: Session, reviewer_id: int) -> list[tuple[Project, ProjectReview]]:
    """The projects assigned to a reviewer, with the reviewer's own review."""
    rows = session.execute(
        select(Project, ProjectReview)
        .join(ProjectReview, ProjectReview.project_id == Project.id)
        .where(ProjectReview.reviewer_id == reviewer_id)
        .order_by(ProjectReview.submitted_at.is_not(None), Project.id.desc())
    )
    return [(p, r) for p, r in rows]


def reviews(session: Session, project_id: int) -> list[ProjectReview]:
    """The project's review assignments, oldest first."""
    return list(
        session.scalars(select(ProjectReview).where(ProjectReview.project_id == project_id).order_by(ProjectReview.id))
    )


def reports(session: Session, project_id: int) -> list[ProgressReport]:
    """The project's progress reports, newest first."""
    stmt = select(ProgressReport).where(ProgressReport.project_id == project_id)
    return list(session.scalars(stmt.order_by(ProgressReport.submitted_at.desc(), ProgressReport.id.desc())))


def attachments(session: Session, project_id: int) -> list[ProjectAttachment]:
    """The project's documents (application and report evidence), oldest first."""
    stmt = select(ProjectAttachment).where(ProjectAttachment.project_id == project_id)
    return list(session.scalars(stmt.order_by(ProjectAttachment.id)))


def latest_actuals(session: Session, project_ids: Sequence[int]) -> dict[int, int]:
    """target id -> the actual figure of the latest report that gave one (for the given projects)."""
    if not project_ids:
        return {}
    rows = session.execute(
        select(ReportActual.target_id, ReportActual.actual_milli, ProgressReport.submitted_at, ProgressReport.id)
        .join(ProgressReport, ProgressReport.id == ReportActual.report_id)
        .where(ProgressReport.project_id.in_(list(project_ids)))
        .order_by(ProgressReport.submitted_at, ProgressReport.id)
    )
    latest: dict[int, int] = {}
    for target_id, value, _at, _id in rows:
        latest[target_id] = value
    return latest


def seeking_finance(session: Session) -> list[Project]:
    """Public projects whose lead seeks finance, newest first."""
    stmt = select(Project).where(Project.seeking_finance.is_(True), public_clause())
    return list(session.scalars(stmt.order_by(Project.id.desc())))


def interests(session: Session, *, project_id: int | None = None, financier_id: int | None = None):
    """Expressions of interest, newest first, optionally of one project or one financier."""
    stmt = select(FinanceInterest)
    if project_id is not None:
        stmt = stmt.where(FinanceInterest.project_id == project_id)
    if financier_id is not None:
        stmt = stmt.where(FinanceInterest.financier_id == financier_id)
    return list(session.scalars(stmt.order_by(FinanceInterest.id.desc())))


def financier_names(session: Session, project_id: int) -> dict[int, str]:
    """The names (institution, else e-mail) of the financiers who sent interest in a project."""
    from portal.auth.queries import user_by_id

    names = {}
    for financier_id in {i.financier_id for i in interests(session, project_id=project_id)}:
        user = user_by_id(session, financier_id)
        names[financier_id] = (user.name or user.email) if user else ""
    return names


def enterprise_names(session: Session, ids) -> dict[int, str]:
    """Enterprise names by id, read through the members feature's queries."""
    from portal.members.queries import enterprise_names as names

    return names(session, ids)


# --- what the public sees -------------------------------------------------------------------------


def public_targets(project: Project, actuals: dict[int, int]) -> list[dict]:
    """The project's targets without the confidential ones, each with its latest actual."""
    out = []
    for target in project.targets:
        if target.confidential:
            continue
        actual = actuals.get(target.id)
        out.append(
            {
                "name": target.name,
                "unit": target.unit,
                "target": format_figure(target.target_milli),
                "actual": format_figure(actual) if actual is not None else None,
                "percent": percent_of(actual, target.target_milli),
            }
        )
    return out


def public_views(session: Session, projects) -> list[dict]:
    """public_view of each project, their actuals and enterprise names read once for all of them."""
    projects = list(projects)
    actuals = latest_actuals(session, [p.id for p in projects])
    names = enterprise_names(
        session, {e for p in projects for e in (p.lead_id, *(x.enterprise_id for x in p.partners))}
    )
    return [public_view(session, p, actuals=actuals, names=names) for p in projects]


def public_view(
    session: Session, project: Project, *, actuals: dict[int, int] | None = None, names: dict[int, str] | None = None
) -> dict:
    """The public record of a project, as plain values: what /projects, the API and the search show."""
    if actuals is None:
        actuals = latest_actuals(session, [project.id])
    if names is None:
        names = enterprise_names(session, [project.lead_id, *(p.enterprise_id for p in project.partners)])
    today = clock.today()
    return {
        "id": project.id,
        "title": project.title,
        "type": project.type,
        "type_label": PROJECT_TYPES.label(project.type, "zh"),
        "state": project.state,
        "state_label": states.STATES.label(project.state, "zh"),
        "lead": names.get(project.lead_id, ""),
        "lead_id": project.lead_id,
        "partners": [{"name": names.get(p.enterprise_id, ""), "role": p.role} for p in project.partners],
        "city": project.city,
        "city_label": CITIES.label(project.city, "zh"),
        "site": project.site,
        "lat": project.lat,
        "lon": project.lon,
        "summary": project.summary,
        "planned_start": project.planned_start,
        "planned_end": project.planned_end,
        "started_on": project.started_on,
        "call": project.call.title,
        "seeking_finance": project.seeking_finance,
        "is_demo": project.is_demo,
        "targets": public_targets(project, actuals),
        "milestones": [
            {
                "name": m.name,
                "due_on": m.due_on,
                "completed_on": m.completed_on,
                "late": is_late(m, project.state, today),
            }
            for m in project.milestones
        ],
    }
