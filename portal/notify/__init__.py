"""Notification centre and e-mail outbox."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint

from portal import jobs

bp = Blueprint("notify", __name__)


DELIVERY_LEASE = dt.timedelta(minutes=5)


@jobs.register("mail.deliver", every=dt.timedelta(seconds=5), lease=DELIVERY_LEASE, transaction=False)
def _deliver_job(now):
    """Send the outbox; each e-mail in its own short transactions (see deliver_pending).

    Stops starting e-mails well within the lease, so that no second runner takes the job over
    (and sends the same e-mails again) while a slow mail server keeps this one busy.
    """
    from portal.notify.services import deliver_pending

    return deliver_pending(budget_seconds=DELIVERY_LEASE.total_seconds() / 2)


from portal.notify import views  # noqa: E402,F401
