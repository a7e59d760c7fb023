"""Verification campaigns (全面核查): staff inspect outlets against a versioned checklist, members answer."""

from __future__ import annotations

from flask import Blueprint

from portal.campaigns.checklist import (
    OUTCOMES,
    OUTLET_PROGRESS,
    RECTIFICATION_STATES,
    RESULTS,
    checklist_title,
    item_text,
)

bp = Blueprint("campaigns", __name__)

for _enum in (RESULTS, OUTCOMES, RECTIFICATION_STATES, OUTLET_PROGRESS):
    bp.add_app_template_filter(_enum.label, _enum.name)
bp.add_app_template_filter(item_text, "checklist_item")  # {{ item|checklist_item }}: the item's text
bp.add_app_template_filter(checklist_title, "checklist_title")  # {{ version|checklist_title }}

from portal.campaigns import views  # noqa: E402,F401
