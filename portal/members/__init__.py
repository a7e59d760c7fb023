"""Membership: applications and review, the directory, the member area, staff pages, jobs."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app

from portal import jobs

members_bp = Blueprint("members", __name__)
account_bp = Blueprint("account", __name__)
staff_bp = Blueprint("staff", __name__)


@jobs.register("members.cycle", every=dt.timedelta(hours=1))
def _membership_cycle(session, now):
    """Renewals, reminders (30 and 7 days), grace and lapse, by the local date of `now`."""
    from portal.core.clock import LOCAL_TZ
    from portal.members.services import run_membership_cycle

    return run_membership_cycle(
        session,
        now.astimezone(LOCAL_TZ).date(),
        grace_days=current_app.config["MEMBERSHIP_GRACE_DAYS"],
        reminder_days=current_app.config["MEMBERSHIP_REMINDER_DAYS"],
    )


from portal.members import account_views, staff_views, views  # noqa: E402,F401
