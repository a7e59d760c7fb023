"""Recycling service outlets: the public list and search, member and staff management, import."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("outlets", __name__)


def _register_filters() -> None:
    from portal.outlets.districts import label_of

    bp.add_app_template_filter(label_of, "outlet_district")  # {{ outlet|outlet_district }}


_register_filters()


from portal.outlets import api, views  # noqa: E402,F401
from portal.outlets.search import outlet_document  # noqa: E402,F401 - registers the search source "outlet"
