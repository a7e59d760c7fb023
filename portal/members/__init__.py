"""Membership: applications and review, the directory, the member area, staff pages, jobs."""

from __future__ import annotations

from flask import Blueprint

members_bp = Blueprint("members", __name__)
account_bp = Blueprint("account", __name__)
staff_bp = Blueprint("staff", __name__)
blueprints = (members_bp, account_bp, staff_bp)

# memberships registers the job members.cycle; search registers the search source "member".
from portal.members import account_views, memberships, search, staff_views, views  # noqa: E402,F401
