"""The working-day calendar (工作日历): Chinese working days for deadlines counted in working days.

Shared machinery: other features count with ``portal.workdays.services`` (``WorkCalendar``,
``working_days_between``, ``add_working_days``); staff correct each year at ``/staff/calendar``.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("workdays", __name__)


from portal.workdays import views  # noqa: E402,F401
