"""Battery registry and lifecycle traceability: GB/T 34014 codes, holders, transfers, deadlines."""

from flask import Blueprint

from portal.registry import api, api_schema, code_api  # noqa: F401  (/api/v1/batteries... and their OpenAPI entries)
from portal.registry.tools import tools_bp

bp = Blueprint("registry", __name__, url_prefix="/registry")

from portal.registry import views  # noqa: E402,F401  (routes on bp)

blueprints = (tools_bp, bp)
