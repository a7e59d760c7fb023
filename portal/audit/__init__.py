"""The audit-log page for administrators (the log itself is shared machinery: portal.core.audit)."""

from flask import Blueprint

bp = Blueprint("audit", __name__)

from portal.audit import views  # noqa: E402,F401
