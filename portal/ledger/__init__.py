"""The deposit-refund scheme (押金制度): rule versions, a double-entry append-only journal, refunds on intake."""

from flask import Blueprint

bp = Blueprint("ledger", __name__, url_prefix="/deposits")


def init_app(app) -> None:
    """Routes, the API endpoints, the registry's intake listener and the scheduled jobs."""
    from portal.ledger import api, jobs, views  # noqa: F401  (routes on bp and on the API blueprint; jobs)
    from portal.ledger.refunds import refund_on_intakes
    from portal.registry import signals

    signals.on_intakes(refund_on_intakes)
    app.register_blueprint(bp)
