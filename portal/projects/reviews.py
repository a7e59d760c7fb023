"""Expert review: staff assign reviewers; a reviewer scores each criterion with a comment; the
weighted totals and their spread are computed (scoring.py). A reviewer sees only what is assigned
to them, and no other reviewer's scores."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.core import audit, clock, roles
from portal.core.actors import is_staff_reader, require_staff
from portal.core.permissions import require
from portal.errors import Conflict, DomainError, NotFound
from portal.projects import scoring
from portal.projects.calls import criteria_of
from portal.projects.lifecycle import KIND
from portal.projects.models import Project, ProjectReview, ProjectScore
from portal.projects.queries import get_project, reviews

REVIEW_STATES = ("applied", "under_review")  # reviewers are assigned and score in these states


@dataclass(frozen=True)
class ScoreInput:
    """One criterion's score as typed (whole points 0-100) and its comment."""

    criterion: str
    score: str
    comment: str = ""


def assign_reviewer(session: Session, actor, project_id: int, reviewer_id: int) -> ProjectReview:
    """Staff assign a reviewer (an account with the reviewer role, or a staff member) to a project."""
    from portal.auth.queries import user_by_id

    require_staff(actor)
    project = get_project(session, project_id)
    if project.state not in REVIEW_STATES:
        raise Conflict(_("只有已申报或评审中的项目可以指派评审专家。"))
    reviewer = user_by_id(session, reviewer_id)
    if reviewer is None or not reviewer.is_active or reviewer.role not in (roles.REVIEWER, *roles.STAFF):
        raise DomainError(_("请选择评审专家。"), {"reviewer_id": _("请选择评审专家。")})
    existing = session.scalar(
        select(ProjectReview).where(ProjectReview.project_id == project.id, ProjectReview.reviewer_id == reviewer.id)
    )
    if existing is not None:
        return existing
    review = ProjectReview(project_id=project.id, reviewer_id=reviewer.id, assigned_at=clock.now())
    session.add(review)
    session.flush()
    audit.record(session, actor, "project.assign_reviewer", KIND, project.id, None, {"reviewer_id": reviewer.id})
    from portal.notify.services import notify

    notify(
        session, [reviewer.id], _l("请评审项目：%(title)s", title=project.title), "", f"/review/projects/{project.id}"
    )
    return review


def unassign_reviewer(session: Session, actor, project_id: int, reviewer_id: int) -> None:
    """Staff withdraw an assignment the reviewer has not submitted yet."""
    require_staff(actor)
    review = session.scalar(
        select(ProjectReview).where(ProjectReview.project_id == project_id, ProjectReview.reviewer_id == reviewer_id)
    )
    if review is None:
        raise NotFound(_("没有这项指派。"))
    if review.submitted_at is not None:
        raise Conflict(_("评审专家已提交评分，不能撤销指派。"))
    session.delete(review)
    session.flush()
    audit.record(session, actor, "project.unassign_reviewer", KIND, project_id, {"reviewer_id": reviewer_id}, None)


def own_review(session: Session, actor, project_id: int) -> ProjectReview:
    """The acting reviewer's assignment on the project; NotFound when not assigned (nothing shows it exists)."""
    review = session.scalar(
        select(ProjectReview).where(
            ProjectReview.project_id == project_id, ProjectReview.reviewer_id == getattr(actor, "id", None)
        )
    )
    if review is None or not getattr(actor, "is_active", False):
        raise NotFound(_("项目不存在。"))
    return review


def submit_review(
    session: Session, actor, project_id: int, scores: list[ScoreInput], comment: str = ""
) -> ProjectReview:
    """An assigned reviewer scores every criterion (0-100 points, with a comment) and submits, once."""
    review = own_review(session, actor, project_id)
    project = get_project(session, project_id)
    if review.submitted_at is not None:
        raise Conflict(_("您已提交评分，不能修改。"))
    if project.state != "under_review":
        raise Conflict(_("项目不在评审中，不能评分。"))
    criteria = criteria_of(project.call)
    given = {s.criterion: s for s in scores}
    errors: dict[str, str] = {}
    values: dict[str, int] = {}
    for criterion in criteria:
        raw = (given.get(criterion.key).score if criterion.key in given else "").strip()
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 3 and int(raw) <= scoring.MAX_SCORE):
            errors[f"score_{criterion.key}"] = _("请给出0至100的整数分。")
        else:
            values[criterion.key] = int(raw)
    if errors:
        raise DomainError(_("评分有误。"), errors)
    review.scores = [
        ProjectScore(criterion=c.key, score=values[c.key], comment=(given[c.key].comment or "").strip()[:2000])
        for c in criteria
    ]
    review.comment = (comment or "").strip()[:5000]
    review.submitted_at = clock.now()
    session.flush()
    total = scoring.weighted_total(criteria, values)
    audit.record(session, actor, "project.review", KIND, project.id, None, {"total": scoring.shown(total)})
    return review


def review_scores(review: ProjectReview) -> dict[str, int]:
    """A review's scores by criterion key."""
    return {s.criterion: s.score for s in review.scores}


def summary(session: Session, actor, project: Project) -> scoring.Summary:
    """The submitted reviews' totals, mean and spread: for staff readers only."""
    require(is_staff_reader(actor), _("只有协会工作人员可以查看评审汇总。"))
    done = [r for r in reviews(session, project.id) if r.submitted_at is not None]
    return scoring.summarise(criteria_of(project.call), [review_scores(r) for r in done])
