"""Reviewers' pages: the projects assigned to them, and their own scoring form. A reviewer never
sees a project not assigned to them (404) nor another reviewer's scores."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core import roles, uow
from portal.core.permissions import roles_required
from portal.core.views import current_actor, render_form, submit
from portal.projects import bp, calls, queries, reviews, scoring
from portal.projects.forms import review_form

reviewer_required = roles_required(roles.REVIEWER, *roles.STAFF)


@bp.get("/review/projects")
@reviewer_required
def review_index():
    return render_template("projects/review_index.html", rows=queries.assigned_to(uow.session(), current_user.id))


def _score_inputs(form, criteria) -> list[reviews.ScoreInput]:
    """The reviewer's score and comment on each criterion, as the form holds them."""

    def field(name: str) -> str:
        return getattr(form, name).data or ""

    return [reviews.ScoreInput(c.key, field(f"score_{c.key}"), field(f"comment_{c.key}")) for c in criteria]


@bp.route("/review/projects/<int:project_id>", methods=["GET", "POST"])
@reviewer_required
def review(project_id: int):
    db = uow.session()
    own = reviews.own_review(db, current_actor(), project_id)  # 404 unless assigned to this reviewer
    project = queries.get_project(db, project_id)
    criteria = calls.criteria_of(project.call)
    form = review_form(criteria)

    def send():
        scores = _score_inputs(form, criteria)
        return reviews.submit_review(db, current_actor(), project.id, scores, form.comment.data or "")

    if own.submitted_at is None and submit(form, send) is not None:
        flash(_("评分已提交。"), "success")
        return redirect(url_for("projects.review", project_id=project.id))
    total = scoring.weighted_total(criteria, reviews.review_scores(own)) if own.submitted_at else None
    return render_form(
        "projects/review.html",
        form,
        project=project,
        own=own,
        criteria=criteria,
        total=scoring.shown(total) if total is not None else None,
        names=queries.enterprise_names(db, [project.lead_id, *(p.enterprise_id for p in project.partners)]),
        attachments=[a for a in queries.attachments(db, project.id) if a.report_id is None],
    )
