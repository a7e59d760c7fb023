"""Membership: applications and review, the directory, the member area, staff pages, jobs."""

from __future__ import annotations

from flask import Blueprint

members_bp = Blueprint("members", __name__)
account_bp = Blueprint("account", __name__)
staff_bp = Blueprint("staff", __name__)
blueprints = (members_bp, account_bp, staff_bp)


@members_bp.app_context_processor
def _standing():
    def member_standing_notice() -> str | None:
        """For a user of a suspended or lapsed member: why members-only things are closed (else None)."""
        from flask import has_request_context
        from flask_login import current_user

        from portal.core import uow
        from portal.members.standing import standing_refusal

        return standing_refusal(uow.session(), current_user) if has_request_context() else None

    return {"member_standing_notice": member_standing_notice}


# memberships registers the job members.cycle; search registers the search source "member".
from portal.members import account_views, memberships, search, staff_views, views  # noqa: E402,F401
