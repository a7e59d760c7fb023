"""Notification centre and e-mail outbox."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint

from portal import jobs

bp = Blueprint("notify", __name__)


@jobs.register("mail.deliver", every=dt.timedelta(seconds=5), lease=dt.timedelta(minutes=5))
def _deliver_job(session, now):
    from portal.notify.services import deliver_pending

    return deliver_pending(session)


from portal.notify import views  # noqa: E402,F401
