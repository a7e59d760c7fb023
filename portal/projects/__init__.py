"""Pilot and demonstration projects (示范项目): calls, applications, expert review, milestones,
progress reports, the public showcase, promotion to financiers, the API."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("projects", __name__)


from portal.projects import (  # noqa: E402,F401
    api,
    jobs,
    search,
    views_member,
    views_public,
    views_review,
    views_staff,
)
