"""Verification campaigns (全面核查): staff inspect outlets against a versioned checklist, members answer."""

from __future__ import annotations

from flask import Blueprint

from portal.campaigns.checklist import OUTCOMES, OUTLET_PROGRESS, RECTIFICATION_STATES, RESULTS

bp = Blueprint("campaigns", __name__)

for _enum in (RESULTS, OUTCOMES, RECTIFICATION_STATES, OUTLET_PROGRESS):
    bp.add_app_template_filter(_enum.label, _enum.name)

from portal.campaigns import views  # noqa: E402,F401
