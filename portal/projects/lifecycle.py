"""Project state changes: the one write path for every move, checked against the state machine,
recorded in the transitions table and the audit log, the lead enterprise told."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import search
from portal.core import audit, clock
from portal.core.actors import actor_label
from portal.errors import Conflict, DomainError, Forbidden
from portal.projects import access, states
from portal.projects.models import Project, ProjectReview, ProjectTransition
from portal.projects.queries import get_project

KIND = "project"


def _refusal(code: str, move: str) -> DomainError:
    if code == "no_such_move":
        return Conflict(_("项目当前状态为“%(s)s”，不能进行此操作。", s=move))
    if code == "not_allowed":
        return Forbidden(_("您没有权限进行此状态变更。"))
    return DomainError(_("请填写理由。"), {"reason": _("请填写理由。")})


def record_transition(
    session: Session, actor, project: Project, target: str, reason: str = "", *, initial: bool = False
) -> ProjectTransition:
    """Move the project to target (already checked), with the row in the transitions table and the audit log."""
    before = None if initial else project.state
    project.state = target
    row = ProjectTransition(
        project_id=project.id,
        from_state=before,
        to_state=target,
        actor_id=getattr(actor, "id", None),
        actor_label=actor_label(actor),
        reason=(reason or "").strip()[:5000],
        at=clock.now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "project.state", KIND, project.id, {"state": before}, {"state": target, "reason": row.reason}
    )
    search.enqueue(session, KIND, project.id)
    return row


def _guard(session: Session, project: Project, target: str) -> None:
    """Conditions beyond the table: review needs a reviewer; approval a submitted review."""
    if target == "under_review":
        count = session.scalar(select(func.count()).where(ProjectReview.project_id == project.id)) or 0
        if not count:
            raise DomainError(_("请先指派至少一位评审专家。"))
    if target == "approved":
        done = session.scalar(
            select(func.count()).where(ProjectReview.project_id == project.id, ProjectReview.submitted_at.is_not(None))
        )
        if not done:
            raise DomainError(_("至少一位评审专家提交评分后才能立项。"))


def change_state(session: Session, actor, project_id: int, target: str, reason: str = "") -> Project:
    """Make one allowed move (not the submission of a draft: applications.submit_application does that)."""
    # Two staff deciding at once: the second waits here and then checks the move from the state the first left
    # (PostgreSQL: a row lock; SQLite's writing unit of work already holds the database's write lock).
    session.execute(select(Project.id).where(Project.id == project_id).with_for_update())
    project = get_project(session, project_id)
    session.refresh(project)
    if target == "applied":
        raise Conflict(_("请通过“提交申报”提交项目。"))
    try:
        states.check(project.state, target, access.actor_kinds(actor, project), reason)
    except states.TransitionRefused as refused:
        raise _refusal(refused.code, states.STATES.label(project.state)) from None
    _guard(session, project, target)
    if target in ("approved", "rejected", "stopped", "draft"):
        project.decision_reason = reason.strip()[:5000]
    if target == "in_construction" and project.started_on is None:
        project.started_on = clock.today()
    record_transition(session, actor, project, target, reason)
    _tell_lead(session, project, target, reason)
    return project


def _tell_lead(session: Session, project: Project, target: str, reason: str) -> None:
    from portal.auth.queries import enterprise_user_ids
    from portal.notify.services import notify

    title = _l("项目“%(title)s”：%(state)s", title=project.title, state=states.STATES.lazy_label(target))
    notify(
        session, enterprise_user_ids(session, project.lead_id), title, reason or "", f"/account/projects/{project.id}"
    )


def history(session: Session, project_id: int) -> list[ProjectTransition]:
    """The project's state changes, oldest first."""
    return list(
        session.scalars(
            select(ProjectTransition).where(ProjectTransition.project_id == project_id).order_by(ProjectTransition.id)
        )
    )
