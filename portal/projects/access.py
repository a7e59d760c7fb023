"""Who the acting user is to a project: staff, the lead enterprise, a partner allowed to report, an
assigned reviewer. Every service asks here; nothing else decides who may see or change a project."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.core import roles
from portal.core.actors import is_staff, is_staff_reader
from portal.core.permissions import require
from portal.projects import states
from portal.projects.models import Project, ProjectReview


def _enterprise(actor) -> int | None:
    if not getattr(actor, "is_active", False) or getattr(actor, "role", None) not in roles.MEMBER:
        return None
    return getattr(actor, "enterprise_id", None)


def is_lead(actor, project: Project) -> bool:
    """A user of the project's lead enterprise."""
    return _enterprise(actor) is not None and _enterprise(actor) == project.lead_id


def is_lead_admin(actor, project: Project) -> bool:
    """An administrator of the lead enterprise (grants the right to report, seeks finance)."""
    return is_lead(actor, project) and actor.role == roles.MEMBER_ADMIN


def is_partner(actor, project: Project) -> bool:
    """A user of one of the project's partner enterprises."""
    enterprise = _enterprise(actor)
    return enterprise is not None and any(p.enterprise_id == enterprise for p in project.partners)


def may_report(actor, project: Project) -> bool:
    """The lead, or a partner the lead granted the right, while the project runs."""
    if project.state not in states.ACTIVE:
        return False
    enterprise = _enterprise(actor)
    if enterprise is None:
        return False
    return enterprise == project.lead_id or any(
        p.enterprise_id == enterprise and p.can_report for p in project.partners
    )


def actor_kinds(actor, project: Project) -> frozenset[str]:
    """The state machine's actor kinds (lead, staff) the actor holds for this project."""
    kinds = set()
    if is_staff(actor):
        kinds.add(states.STAFF)
    if is_lead(actor, project):
        kinds.add(states.LEAD)
    return frozenset(kinds)


def is_assigned_reviewer(session: Session, actor, project_id: int) -> bool:
    """An active reviewer account assigned to the project."""
    if getattr(actor, "role", None) != roles.REVIEWER or not getattr(actor, "is_active", False):
        return False
    return (
        session.scalar(
            select(ProjectReview.id).where(
                ProjectReview.project_id == project_id, ProjectReview.reviewer_id == actor.id
            )
        )
        is not None
    )


def may_see_private(session: Session, actor, project: Project) -> bool:
    """The whole record (drafts, attachments, confidential figures): staff readers, lead, partners, its reviewers."""
    return (
        is_staff_reader(actor)
        or is_lead(actor, project)
        or is_partner(actor, project)
        or is_assigned_reviewer(session, actor, project.id)
    )


def require_standing(session: Session, actor) -> None:
    """A member acts on projects only while its membership is in good standing (the members' one rule);
    staff are not members and pass."""
    if is_staff(actor):
        return
    from portal.members.queries import require_admitted_member

    require_admitted_member(session, actor)


def require_lead(actor, project: Project) -> None:
    """Forbidden unless a user of the lead enterprise (another enterprise never edits a project)."""
    require(is_lead(actor, project), _("只有牵头单位可以修改本项目。"))


def require_lead_or_staff(actor, project: Project) -> None:
    """Forbidden unless a user of the lead enterprise or association staff."""
    require(is_lead(actor, project) or is_staff(actor), _("只有牵头单位或协会工作人员可以执行此操作。"))
