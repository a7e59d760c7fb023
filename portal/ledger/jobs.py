"""The scheme's scheduled work: forfeiting deposits past their period, and the nightly verify."""

from __future__ import annotations

import datetime as dt
import logging

from flask_babel import lazy_gettext as _l

from portal import jobs
from portal.core import roles
from portal.core.actors import system
from portal.core.uow import run_in_transaction
from portal.ledger import journal

log = logging.getLogger(__name__)


@jobs.register("ledger.forfeit", every=dt.timedelta(hours=6), transaction=False)
def forfeit_job(now: dt.datetime) -> int:
    """Forfeit the deposits whose period has run out (a deposit already settled is left alone)."""
    from portal.ledger.refunds import forfeit_due

    return run_in_transaction(lambda s: forfeit_due(s, system("job:ledger.forfeit"), now), locks=journal.LOCKS)


@jobs.register("ledger.verify", every=dt.timedelta(hours=24), transaction=False)
def verify_job(now: dt.datetime) -> bool:
    """Verify the ledger; when anything is wrong, tell every administrator in the portal."""
    from portal.auth.queries import user_ids_with_role
    from portal.ledger.verify import verify
    from portal.notify.services import notify

    report = run_in_transaction(verify, write=False)
    if report.ok:
        return True
    log.error("ledger verify failed: %s", "; ".join(report.problems[:5]))

    def tell(session) -> None:
        body = "\n".join(report.problems[:20])
        notify(
            session, user_ids_with_role(session, roles.ADMIN), _l("押金账本校验未通过"), body, "/deposits/staff/verify"
        )

    run_in_transaction(tell)
    return False
