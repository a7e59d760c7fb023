"""Association standards open for comment (团体标准征求意见): clauses, member comments, staff answers, XLSX summary."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("consultations", __name__)


@bp.app_context_processor
def _enums():
    from portal.consultations.services import DECISIONS

    return {"COMMENT_DECISIONS": DECISIONS}


from portal.consultations import views  # noqa: E402,F401
